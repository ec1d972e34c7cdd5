// copy: moves both trees' data into an empty target brought to the same revisions, verifies it,
// and writes the target's version rows last. The engine is core/copy/; this file parses,
// draws progress on stderr and prints the verification table (or one --json document).
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>

#include <fmt/format.h>

#include "cli/commands.h"
#include "core/base/errors.h"
#include "core/copy/copy.h"

namespace tsm::cli {
namespace {

struct CopyOptions {
  std::string to;
  std::string to_context;
  bool resume = false;
  bool verify_only = false;
  std::size_t batch_rows = 10000;
};

// A bar per table on a terminal (redrawn in place), else one line every ~5 s per table.
class ProgressPrinter {
 public:
  explicit ProgressPrinter(bool quiet) : quiet_(quiet), tty_(isatty(STDERR_FILENO) == 1) {}
  void operator()(const CopyProgress& p) {
    if (quiet_) return;
    const auto now = std::chrono::steady_clock::now();
    if (p.phase == CopyPhase::schema) return line(fmt::format("copy: running the revisions of tree '{}' on the target", p.tree));
    if (p.phase == CopyPhase::fulltext) return line(fmt::format("copy: building the full-text index of {}", p.table));
    if (p.phase == CopyPhase::verify) {
      if (!p.table_done) return;
      return tty_ ? draw(fmt::format("verify {:<20} {:>10} rows", p.table, p.rows_done), true) : void();
    }
    if (p.table != table_) {
      table_ = p.table;
      started_ = now;
      first_rows_ = p.rows_done;
      last_line_ = now - std::chrono::seconds(10);
    }
    const double secs = std::chrono::duration<double>(now - started_).count();
    const double rate = secs > 0 ? (p.rows_done - first_rows_) / secs : 0;
    const double eta = rate > 0 && p.rows_total > p.rows_done ? (p.rows_total - p.rows_done) / rate : 0;
    const double frac = p.rows_total ? std::min(1.0, double(p.rows_done) / p.rows_total) : 1.0;
    if (tty_) {
      const int width = 24, filled = static_cast<int>(frac * width);
      draw(fmt::format("{:<20} [{}{}] {:>10}/{} {:>9.0f} rows/s ETA {:>4.0f}s", p.table, std::string(filled, '#'),
                       std::string(width - filled, '.'), p.rows_done, p.rows_total, rate, eta),
           p.table_done);
    } else if (p.table_done || now - last_line_ >= std::chrono::seconds(5)) {
      last_line_ = now;
      line(fmt::format("copy: {} {}/{} rows ({:.0f}%), {:.0f} rows/s{}", p.table, p.rows_done, p.rows_total,
                       frac * 100, rate, p.table_done ? ", done" : fmt::format(", ETA {:.0f} s", eta)));
    }
  }

 private:
  void draw(const std::string& text, bool done) {
    std::fprintf(stderr, "\r%-100s%s", text.c_str(), done ? "\n" : "");
    std::fflush(stderr);
  }
  void line(const std::string& text) {
    std::fprintf(stderr, "%s\n", text.c_str());
    std::fflush(stderr);
  }
  bool quiet_, tty_;
  std::string table_;
  std::uint64_t first_rows_ = 0;
  std::chrono::steady_clock::time_point started_, last_line_;
};

std::string short_sum(const std::string& hex) { return hex.substr(0, 16); }

int run_copy_command(const GlobalOptions& g, const CopyOptions& o) {
  Workspace ws(g.settings());
  CopyRequest request;
  request.to_url = o.to;
  if (!o.to_context.empty()) request.to_context = o.to_context;
  request.resume = o.resume;
  request.verify_only = o.verify_only;
  request.batch_rows = o.batch_rows;
  ProgressPrinter printer(g.quiet || g.json);
  CopyReport report = run_copy(ws, request, [&](const CopyProgress& p) { printer(p); });

  std::string text = fmt::format("{:<8} {:<22} {:>10} {:>8} {:>10} {:>10} {:<17} {:<17} {}\n", "tree", "table",
                                 "copied", "seconds", "source", "target", "source sum", "target sum", "verified");
  Json tables = Json::array();
  std::uint64_t total_rows = 0, total_copied = 0;
  const TableReport* first_bad = nullptr;
  for (const auto& t : report.tables) {
    text += fmt::format("{:<8} {:<22} {:>10} {:>8.2f} {:>10} {:>10} {:<17} {:<17} {}\n", t.tree, t.table,
                        t.rows_copied, t.seconds, t.source_rows, t.target_rows, short_sum(t.source_checksum),
                        short_sum(t.target_checksum), t.match ? "ok" : "DIFFERS");
    total_rows += t.source_rows;
    total_copied += t.rows_copied;
    if (!t.match && !first_bad) first_bad = &t;
    Json jt;
    jt["tree"] = t.tree;
    jt["table"] = t.table;
    jt["rows"] = t.source_rows;
    jt["rows_copied"] = t.rows_copied;
    jt["seconds"] = t.seconds;
    jt["source_rows"] = t.source_rows;
    jt["target_rows"] = t.target_rows;
    jt["source_checksum"] = t.source_checksum;
    jt["target_checksum"] = t.target_checksum;
    jt["verified"] = t.match;
    jt["first_difference"] = t.first_difference ? Json(*t.first_difference) : Json(nullptr);
    tables.push_back(jt);
  }
  text += fmt::format("{} table(s), {} row(s), {} copied by this run; {:.1f} s (full-text build {:.1f} s, "
                      "verification {:.1f} s); {}\n",
                      report.tables.size(), total_rows, total_copied, report.seconds, report.fulltext_seconds,
                      report.verify_seconds,
                      report.verified ? (o.verify_only ? "verified" : "verified; version rows written")
                                      : "VERIFICATION FAILED");
  Json j;
  j["command"] = "copy";
  j["verify_only"] = o.verify_only;
  j["resumed"] = report.resumed;
  Json revisions = Json::object();
  for (const auto& [tree, rows] : report.revisions) revisions[tree] = Json(rows);
  j["revisions"] = revisions;
  j["tables"] = tables;
  Json totals;
  totals["tables"] = report.tables.size();
  totals["rows"] = total_rows;
  totals["rows_copied"] = total_copied;
  totals["seconds"] = report.seconds;
  totals["verify_seconds"] = report.verify_seconds;
  totals["fulltext_seconds"] = report.fulltext_seconds;
  j["totals"] = totals;
  j["verified"] = report.verified;
  emit(g, text, j);
  if (first_bad) {
    std::cerr << fmt::format("error: verification found a difference in table '{}' (tree '{}'): first differing "
                             "key {}\n  the target's version rows were not written; `copy --resume` reruns "
                             "what is missing, `copy --verify-only` only the check\n",
                             first_bad->table, first_bad->tree, first_bad->first_difference.value_or("unknown"));
    return static_cast<int>(ExitCode::drift);
  }
  return 0;
}

}  // namespace

void add_copy_command(CLI::App& app, GlobalOptions& g, Action& run) {
  static CopyOptions o;
  auto* c = app.add_subcommand("copy", "copy both trees' data into an empty target at the same revisions, verified");
  c->fallthrough();
  c->add_option("--to", o.to, "target database URL")->required();
  c->add_option("--to-context", o.to_context, "target database of the context tree (default: derived from --to)");
  c->add_flag("--resume", o.resume, "continue an interrupted copy from its last committed batch");
  c->add_flag("--verify-only", o.verify_only, "only compare row counts and checksums of source and target");
  c->add_option("--batch-rows", o.batch_rows, "rows per read batch and per target transaction (default 10000)")
      ->check(CLI::PositiveNumber);
  c->callback([&] { run = [&] { return run_copy_command(g, o); }; });
}

}  // namespace tsm::cli
