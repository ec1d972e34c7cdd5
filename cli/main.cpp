// turnstone-migrate: CLI11 wiring only. Commands live in cli/cmd_*.cpp, SQL in dialects/.
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <iostream>

#include <CLI/CLI.hpp>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "cli/commands.h"
#include "cli/tenants.h"
#include "core/base/errors.h"
#include "core/run/tenants.h"

namespace {

// Bounded ranges rather than CLI::NonNegativeNumber, whose error printed a 309-digit maximum.
constexpr int kWeek = 7 * 24 * 3600;
constexpr double kDay = 24 * 3600;

// Seconds as a finite number in [0, max]: CLI::Range alone lets "nan" through (every comparison
// with NaN is false), and a NaN timeout would never expire.
CLI::Validator seconds_up_to(double max) {
  return CLI::Validator(
      [max](std::string& text) -> std::string {
        char* end = nullptr;
        errno = 0;
        const double value = std::strtod(text.c_str(), &end);
        if (text.empty() || *end != '\0' || errno == ERANGE || !std::isfinite(value) || value < 0 || value > max)
          return "must be a number of seconds from 0 to " + std::to_string(static_cast<long>(max));
        return {};
      },
      "FLOAT:[0 - " + std::to_string(static_cast<long>(max)) + "]");
}

void add_global_options(CLI::App& app, tsm::cli::GlobalOptions& g) {
  app.add_option("-u,--url", g.url, "main database URL (default: $TURNSTONE_DATABASE_URL, else sqlite:///turnstone.db)");
  app.add_option("--context-url", g.context_url, "database of the context tree (default: derived from --url)");
  // An empty --tree (a script's unset variable) would silently mean every tree.
  app.add_option("--tree", g.tree, "restrict the command to one tree (main, context)")
      ->check(CLI::Validator([](std::string& v) { return v.empty() ? std::string("is empty") : std::string(); }, "TEXT"));
  app.add_option("--revisions-dir", g.revision_dirs, "also load SQL revision units from DIR (repeatable)");
  app.add_flag("--json", g.json, "machine-readable output on stdout");
  auto* verbose = app.add_flag("-v,--verbose", g.verbose, "more logging on stderr (every statement)");
  app.add_flag("-q,--quiet", g.quiet, "only warnings and errors on stderr")->excludes(verbose);
  app.add_option("--lock-timeout", g.lock_timeout, "seconds to wait for the tree's migration lock (exit 4 after)")
      ->check(CLI::Range(0, kWeek));
  app.add_option("--lock-mode", g.lock_mode,
                 "advisory: the database's own lock (default); table: a row in turnstone_migrate_lock "
                 "(chosen by itself on MariaDB Galera)")
      ->check(CLI::IsMember({"advisory", "table"}));
  app.add_flag("--break-lock", g.break_lock,
               "with --lock-mode table: remove the tree's lock row left by a process that is gone");
  app.add_flag("--no-resume", g.no_resume,
               "MariaDB: do not resume or undo a revision left incomplete; report it (exit 5)");
  app.add_flag("--single-transaction", g.single_transaction, "run the whole upgrade/downgrade in one transaction");
  app.add_option("--statement-timeout", g.statement_timeout, "per-statement limit in seconds (PostgreSQL, MariaDB)")
      ->check(CLI::Range(0, kWeek));
  app.add_option("--ddl-lock-timeout", g.ddl_lock_timeout,
                 "seconds one attempt of a statement waits for a table lock before it is retried (default 0.1; "
                 "PostgreSQL lock_timeout, MariaDB lock_wait_timeout in whole seconds, below 1 = NOWAIT)")
      ->check(seconds_up_to(kDay));
  app.add_option("--lock-budget", g.lock_budget,
                 "seconds a statement may spend waiting for table locks, retries included (default 60); then "
                 "exit 1 naming the blocking sessions")
      ->check(seconds_up_to(kDay));
  app.add_option("--tenants", g.tenants,
                 "upgrade, downgrade, stamp, current, check: run once per tenant: 'all' (every PostgreSQL schema / MariaDB "
                 "database holding the version table), a glob over schema/database names ('tenant_*'), or @FILE "
                 "(one name a line; SQLite: one URL or path a line)");
  app.add_option("--jobs", g.jobs, "with --tenants: tenants migrated at once (default 4)")->check(CLI::Range(1, 64));
  app.add_flag("--fail-fast", g.fail_fast, "with --tenants: start no further tenant after the first failure");
  app.add_option("--canary", g.canary, "with --tenants: migrate N tenants first, stop if any of them fails")
      ->check(CLI::Range(1, 1000000));
  app.add_flag("--retry-failed", g.retry_failed,
               "with --tenants: run only the tenants that failed in the last fan-out (turnstone_migrate_fanout)");
  app.add_option("--dialect", g.dialect, "with --sql: render for this dialect without connecting; with lint: lint for it")
      ->check(CLI::IsMember(tsm::dialect_spellings()));
}

// "%*": "[tenant] " on lines logged while a fan-out worker runs a tenant (nothing otherwise).
class TenantFlag : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg&, const std::tm&, spdlog::memory_buf_t& dest) override {
    const std::string& label = tsm::tenant_log_label();
    if (label.empty()) return;
    dest.push_back('[');
    dest.append(label.data(), label.data() + label.size());
    dest.append(std::string_view("] "));
  }
  std::unique_ptr<custom_flag_formatter> clone() const override { return spdlog::details::make_unique<TenantFlag>(); }
};

void setup_logging(const tsm::cli::GlobalOptions& g) {
  // Multi-threaded sink: --tenants workers log at once.
  auto logger = spdlog::stderr_color_mt("turnstone-migrate");
  auto formatter = std::make_unique<spdlog::pattern_formatter>();
  formatter->add_flag<TenantFlag>('*').set_pattern("%l: %*%v");
  logger->set_formatter(std::move(formatter));
  // In a fan-out each tenant's step lines would bury the progress line: warnings, errors and the
  // summary only, unless -v.
  const bool fan_out = !g.tenants.empty();
  logger->set_level(g.verbose ? spdlog::level::debug
                    : g.quiet || fan_out ? spdlog::level::warn
                                         : spdlog::level::info);
  spdlog::set_default_logger(logger);
}

// At most `limit` bytes of `text`, cut at a UTF-8 character boundary, with "…" when cut: a
// 100 KB URL or target must not become a 100 KB error line.
std::string capped(const std::string& text, std::size_t limit) {
  if (text.size() <= limit) return text;
  std::size_t cut = limit;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return text.substr(0, cut) + "…";
}

// One "error:" line, then indented detail lines. A message with several lines (a server's
// DETAIL/HINT lines inside a driver message) keeps its first line there and the rest become
// details, indented like every other.
void print_error(const std::string& message, const std::string& extra = {}) {
  std::string first = message, details = extra;
  if (auto nl = message.find('\n'); nl != std::string::npos) {
    first = message.substr(0, nl);
    std::string rest;
    std::size_t start = nl + 1;
    while (start < message.size()) {
      auto end = message.find('\n', start);
      std::string line = message.substr(start, end == std::string::npos ? std::string::npos : end - start);
      if (!line.empty()) rest += (line.rfind("  ", 0) == 0 ? "" : "  ") + line + "\n";
      if (end == std::string::npos) break;
      start = end + 1;
    }
    if (!rest.empty()) rest.pop_back();
    details = rest + (extra.empty() || rest.empty() ? "" : "\n") + extra;
  }
  std::cerr << "error: " << capped(first, 1000) << "\n";
  if (details.empty()) return;
  std::size_t start = 0;
  for (int count = 0; count < 200; ++count) {
    auto end = details.find('\n', start);
    std::cerr << capped(details.substr(start, end == std::string::npos ? std::string::npos : end - start), 1000) << "\n";
    if (end == std::string::npos) break;
    start = end + 1;
  }
}

// Whether everything printed on stdout reached it: a full disk or a closed pipe (SIGPIPE
// ignored) must not look like success with a truncated plan.sql.
bool output_written() {
  errno = 0;
  std::cout.flush();
  if (std::cout.good() && std::fflush(stdout) == 0) return true;
  const int saved = errno;
  print_error(std::string("cannot write the output to stdout") + (saved ? std::string(": ") + std::strerror(saved) : ""));
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"turnstone-migrate: schema migrations for Turnstone on SQLite, PostgreSQL and MariaDB",
               "turnstone-migrate"};
  app.set_version_flag("--version", std::string("turnstone-migrate ") + TSM_VERSION);
  app.require_subcommand(1);
  app.fallthrough();  // global options also work after the command name
  tsm::cli::GlobalOptions g;
  add_global_options(app, g);
  tsm::cli::Action run;
  tsm::cli::add_migrate_commands(app, g, run);
  tsm::cli::add_inspect_commands(app, g, run);
  tsm::cli::add_scaffold_commands(app, g, run);
  tsm::cli::add_check_command(app, g, run);
  tsm::cli::add_lint_command(app, g, run);
  tsm::cli::add_copy_command(app, g, run);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    print_error(e.what(), "  run 'turnstone-migrate --help' for usage");
    return static_cast<int>(tsm::ExitCode::usage);
  }

  // --dialect renders or lints without a database; a live command follows its URL, so a
  // --dialect there would be silently ignored.
  const std::string command = app.get_subcommands().empty() ? "" : app.get_subcommands().front()->get_name();
  if (!g.dialect.empty() && command != "upgrade" && command != "downgrade" && command != "show" && command != "lint") {
    print_error("--dialect applies to upgrade/downgrade --sql, show and lint; '" + command +
                "' uses the URL's dialect");
    return static_cast<int>(tsm::ExitCode::usage);
  }
  g.url_given = app.get_option("--url")->count() > 0;
  g.context_url_given = app.get_option("--context-url")->count() > 0;
  g.jobs_given = app.get_option("--jobs")->count() > 0;
  setup_logging(g);
  try {
    if (!app.get_subcommands().empty()) tsm::cli::check_tenant_options(g, app.get_subcommands().front()->get_name());
    const int code = run ? run() : 0;
    return output_written() ? code : static_cast<int>(tsm::ExitCode::migration_failed);
  } catch (const tsm::Error& e) {
    print_error(e.what(), e.details());
    return static_cast<int>(e.code());
  } catch (const tsm::StatementError& e) {
    // A statement outside any revision (the version table, the lock, bookkeeping): name it.
    print_error(e.what(), e.sql.empty() ? std::string() : "  statement: " + e.sql);
    return static_cast<int>(tsm::ExitCode::migration_failed);
  } catch (const std::exception& e) {
    print_error(e.what());
    return static_cast<int>(tsm::ExitCode::migration_failed);
  }
}
