// --tenants for upgrade, downgrade, stamp and current: the per-tenant work, the progress line on
// stderr and the summary on stdout (--json: one document).
#include "cli/tenants.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "cli/format.h"
#include "core/base/errors.h"
#include "core/run/drift.h"
#include "core/run/embedded_trees.h"
#include "core/run/executor.h"
#include "core/run/tenants.h"

namespace tsm::cli {
namespace {

using Clock = std::chrono::steady_clock;

// "d000f3f4c39a" for one tree; "main:d000f3f4c39a context:c294fa374961" for several; "base"
// for a tree without rows; "-" when not known.
std::string rows_text(const std::vector<std::string>& trees, const std::optional<TreeRows>& rows) {
  if (!rows) return "-";
  std::string out;
  for (const auto& tree : trees) {
    auto it = rows->find(tree);
    if (it == rows->end()) continue;
    std::string revs = it->second.empty() ? "base" : fmt::format("{}", fmt::join(it->second, "+"));
    if (!out.empty()) out += " ";
    out += (trees.size() > 1 ? tree + ":" : "") + revs;
  }
  return out.empty() ? "base" : out;
}

Json rows_json(const std::optional<TreeRows>& rows) {
  if (!rows) return Json();
  Json j = Json::object();
  for (const auto& [tree, revs] : *rows) j[tree] = Json(revs);
  return j;
}

// The rows before with the trees the command changed replaced.
TreeRows overlay(const std::optional<TreeRows>& before, const TreeRows& changed) {
  TreeRows out = before ? *before : TreeRows{};
  for (const auto& [tree, revs] : changed) {
    auto sorted = revs;
    std::sort(sorted.begin(), sorted.end());
    out[tree] = sorted;
  }
  return out;
}

bool all_known(const Workspace& ws, const TreeRows& rows) {
  for (const auto& [tree, revs] : rows)
    for (const auto& rev : revs)
      if (!ws.graph().find(rev)) return false;
  return true;
}

// Progress on stderr: at most one line a second, and the last one.
class Progress {
 public:
  Progress(std::size_t total, bool quiet) : total_(total), quiet_(quiet), start_(Clock::now()) {}
  void update(const TenantResult& r, std::size_t done) {
    if (r.status == TenantResult::Status::failed) ++failed_;
    if (quiet_) return;
    const auto now = Clock::now();
    if (done < total_ && now - last_ < std::chrono::seconds(1)) return;
    last_ = now;
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    const double eta = done ? elapsed / static_cast<double>(done) * static_cast<double>(total_ - done) : 0;
    std::cerr << fmt::format("tenants: {}/{} done, {} failed, ETA {:.0f}s\n", done, total_, failed_, eta);
    std::cerr.flush();
  }

 private:
  std::size_t total_;
  bool quiet_;
  Clock::time_point start_;
  Clock::time_point last_{};
  std::size_t failed_ = 0;
};

struct Prepared {
  Settings settings;
  std::unique_ptr<Workspace> control;
  std::vector<Tenant> tenants;
  bool nothing_to_retry = false;
};

Prepared prepare(const GlobalOptions& g) {
  Prepared p;
  p.settings = g.settings();
  if (p.settings.context_url)
    throw UsageError("--tenants derives each tenant's context database from its URL: leave --context-url and "
                     "$TURNSTONE_CONTEXT_DATABASE_URL out");
  p.control = std::make_unique<Workspace>(p.settings);
  TenantSpec spec = parse_tenant_spec(g.tenants);
  std::optional<std::vector<std::string>> only;
  if (g.retry_failed) {
    only = FanoutLog::last_failed(*p.control);
    if (only->empty()) {
      p.nothing_to_retry = true;
      return p;
    }
  }
  p.tenants = resolve_tenants(*p.control, spec, only);
  if (p.tenants.empty()) {
    if (g.retry_failed) {
      p.nothing_to_retry = true;
      return p;
    }
    throw UsageError(fmt::format("--tenants '{}' names no tenant", g.tenants),
                     spec.kind == TenantSpec::Kind::all
                         ? "  'all' takes schemas/databases that hold the version table; name new tenants by glob or @FILE"
                         : "");
  }
  return p;
}

FanoutOptions fanout_options(const GlobalOptions& g, const Prepared& p, bool creates) {
  FanoutOptions o;
  o.jobs = g.jobs;
  o.fail_fast = g.fail_fast;
  o.canary = g.canary;
  o.one_first = creates && parse_url(p.settings.main_url).dialect == DialectKind::postgresql;
  return o;
}

// The summary table, the counts, and exit 0 / 1.
int report(const GlobalOptions& g, const Workspace& control, const std::string& command, const std::string& target,
           const std::vector<TenantResult>& results) {
  const auto trees = control.selected_trees();
  std::size_t counts[4] = {0, 0, 0, 0};
  std::vector<std::string> failed, not_started;
  for (const auto& r : results) {
    ++counts[static_cast<int>(r.status)];
    if (r.status == TenantResult::Status::failed) failed.push_back(r.tenant);
    if (r.status == TenantResult::Status::not_started) not_started.push_back(r.tenant);
  }
  std::vector<std::vector<std::string>> rows = {{"tenant", "from", "to", "seconds", "outcome", "error"}};
  Json arr = Json::array();
  for (const auto& r : results) {
    rows.push_back({r.tenant, rows_text(trees, r.before), rows_text(trees, r.after), fmt::format("{:.2f}", r.seconds),
                    status_word(r.status), r.error});
    Json e;
    e["tenant"] = r.tenant;
    e["from"] = rows_json(r.before);
    e["to"] = rows_json(r.after);
    e["seconds"] = r.seconds;
    e["outcome"] = status_word(r.status);
    e["exit_code"] = r.status == TenantResult::Status::failed ? Json(r.exit_code) : Json();
    e["error"] = r.error.empty() ? Json() : Json(r.error);
    arr.push_back(e);
  }
  std::vector<std::size_t> width(6, 0);
  for (const auto& row : rows)
    for (std::size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
  std::string text;
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t c = 0; c < row.size(); ++c)
      line += c + 1 < row.size() ? fmt::format("{:<{}}  ", row[c], width[c]) : row[c];
    while (!line.empty() && line.back() == ' ') line.pop_back();
    text += line + "\n";
  }
  text += fmt::format("{} tenant(s): {} ok, {} at target, {} failed, {} not started\n", results.size(), counts[0],
                      counts[1], counts[2], counts[3]);
  if (!failed.empty()) text += fmt::format("failed: {}\n", fmt::join(failed, ", "));
  if (!not_started.empty()) text += fmt::format("not started: {}\n", fmt::join(not_started, ", "));

  Json j;
  j["command"] = command;
  if (!target.empty()) j["target"] = target;
  j["tenants"] = arr;
  Json summary;
  summary["total"] = results.size();
  summary["ok"] = counts[0];
  summary["at_target"] = counts[1];
  summary["failed"] = counts[2];
  summary["not_started"] = counts[3];
  j["summary"] = summary;
  j["failed"] = Json(failed);
  j["not_started"] = Json(not_started);
  emit(g, text, j);
  if (!failed.empty())
    spdlog::error("{} of {} tenant(s) failed: {}", failed.size(), results.size(), fmt::join(failed, ", "));
  if (!not_started.empty()) spdlog::error("{} tenant(s) not started", not_started.size());
  return failed.empty() && not_started.empty() ? 0 : static_cast<int>(ExitCode::migration_failed);
}

int nothing_to_retry(const GlobalOptions& g, const std::string& command) {
  Json j;
  j["command"] = command;
  j["tenants"] = Json::array();
  j["retry_failed"] = "no tenant failed in the last fan-out";
  emit(g, "no tenant failed in the last fan-out: nothing to retry\n", j);
  return 0;
}

// Runs the write command's fan-out with bookkeeping and progress.
int run_write_fanout(const GlobalOptions& g, Prepared& p, const std::string& command, const std::string& target,
                     bool creates, const std::function<TenantResult(const Tenant&)>& work) {
  // Without the bookkeeping table (a user without CREATE in the control schema) the tenants still
  // run: only a later --retry-failed will not know this fan-out.
  std::unique_ptr<FanoutLog> log;
  try {
    log = std::make_unique<FanoutLog>(*p.control, command, target);
  } catch (const std::exception& e) {
    spdlog::warn("cannot record this fan-out in turnstone_migrate_fanout (--retry-failed will not see it): {}",
                 e.what());
  }
  Progress progress(p.tenants.size(), g.quiet);
  auto results = run_fanout(p.tenants, fanout_options(g, p, creates), work, [&](const TenantResult& r, std::size_t done) {
    progress.update(r, done);
    try {
      if (log) log->record(r);
    } catch (const std::exception& e) {
      spdlog::warn("could not record tenants in turnstone_migrate_fanout: {}", e.what());
    }
  });
  try {
    if (log) {
      for (const auto& r : results)
        if (r.status == TenantResult::Status::not_started) log->record(r);
      log->flush();
    }
  } catch (const std::exception& e) {
    spdlog::warn("could not record the fan-out in turnstone_migrate_fanout: {}", e.what());
  }
  return report(g, *p.control, command, target, results);
}

}  // namespace

void check_tenant_options(const GlobalOptions& g, const std::string& command) {
  if (g.tenants.empty()) {
    if (g.jobs_given || g.fail_fast || g.canary > 0 || g.retry_failed)
      throw UsageError("--jobs, --fail-fast, --canary and --retry-failed work with --tenants");
    return;
  }
  if (command != "upgrade" && command != "downgrade" && command != "stamp" && command != "current" &&
      command != "check")
    throw UsageError(fmt::format("--tenants works with upgrade, downgrade, stamp, current and check, not with {}", command));
  if (g.retry_failed && (command == "current" || command == "check"))
    throw UsageError(fmt::format("--retry-failed reruns a write command, not {}", command));
}

int fan_out_migrate(const GlobalOptions& g, Direction direction, const std::string& target) {
  if (target.find(':') != std::string::npos)
    throw UsageError(fmt::format("a '<from>:<to>' range needs --sql (got '{}')", target));
  Prepared p = prepare(g);
  const std::string command = direction_word(direction);
  if (p.nothing_to_retry) return nothing_to_retry(g, command);
  const Workspace& control = *p.control;
  // A target every tenant would refuse (several heads for `head`, a malformed target) stops the
  // run with exit 2 before any tenant is touched.
  if (direction == Direction::up) make_plan(control.graph(), PlanRequest{direction, target, control.selected_trees(), {}});
  auto work = [&](const Tenant& t) {
    TenantResult r;
    if (t.rows) {
      r.before = *t.rows;
      if (all_known(control, *t.rows)) {
        try {
          auto plans = make_plan(control.graph(), PlanRequest{direction, target, control.selected_trees(), *t.rows});
          if (std::all_of(plans.begin(), plans.end(), [](const Plan& plan) { return plan.steps.empty(); })) {
            r.status = TenantResult::Status::unchanged;
            r.after = r.before;
            return r;
          }
        } catch (const UsageError&) {
          // reported by the real run below, with the tenant's own rows read under its lock
        }
      }
    }
    Workspace ws(tenant_settings(p.settings, t));
    if (!r.before) r.before = ws.read_rows(/*missing_ok=*/true);
    if (direction == Direction::up) relocate_embedded_trees(ws);
    MigrateResult result = migrate(ws, direction, target);
    r.after = overlay(r.before, result.heads_after);
    r.status = result.steps.empty() ? TenantResult::Status::unchanged : TenantResult::Status::ok;
    return r;
  };
  return run_write_fanout(g, p, command, target, direction == Direction::up, work);
}

int fan_out_stamp(const GlobalOptions& g, const std::vector<std::string>& targets, bool purge) {
  Prepared p = prepare(g);
  if (p.nothing_to_retry) return nothing_to_retry(g, "stamp");
  const Workspace& control = *p.control;
  resolve_stamp(control.graph(), targets, control.selected_trees(), {}, purge);  // exit 2 for a bad target
  const std::string target = fmt::format("{}", fmt::join(targets, " "));
  auto work = [&](const Tenant& t) {
    TenantResult r;
    if (t.rows) {
      r.before = *t.rows;
      if (all_known(control, *t.rows)) {
        TreeRows want = resolve_stamp(control.graph(), targets, control.selected_trees(), *t.rows, purge);
        if (overlay(r.before, want) == *r.before) {
          r.status = TenantResult::Status::unchanged;
          r.after = r.before;
          return r;
        }
      }
    }
    Workspace ws(tenant_settings(p.settings, t));
    if (!r.before) r.before = ws.read_rows(/*missing_ok=*/true, /*trusted=*/false);
    r.after = overlay(r.before, stamp(ws, targets, purge));
    r.status = r.after == r.before ? TenantResult::Status::unchanged : TenantResult::Status::ok;
    return r;
  };
  return run_write_fanout(g, p, "stamp", target, false, work);
}

int fan_out_current(const GlobalOptions& g) {
  Prepared p = prepare(g);
  const Workspace& control = *p.control;
  const auto trees = control.selected_trees();
  auto work = [&](const Tenant& t) {
    TenantResult r;
    if (t.rows) {
      r.before = *t.rows;
    } else {
      Workspace ws(tenant_settings(p.settings, t));
      r.before = ws.read_rows(/*missing_ok=*/false);
    }
    r.after = r.before;
    r.status = TenantResult::Status::ok;
    return r;
  };
  Progress progress(p.tenants.size(), true);
  auto results = run_fanout(p.tenants, fanout_options(g, p, false), work,
                            [&](const TenantResult& r, std::size_t done) { progress.update(r, done); });

  std::vector<std::vector<std::string>> rows = {{"tenant", "current", "error"}};
  Json arr = Json::array();
  std::vector<std::string> failed;
  for (const auto& r : results) {
    std::string current = rows_text(trees, r.before);
    bool at_head = r.before.has_value();
    if (r.before)
      for (const auto& tree : trees) {
        auto heads = control.graph().heads(tree);
        std::sort(heads.begin(), heads.end());
        auto it = r.before->find(tree);
        if (it == r.before->end() || it->second != heads) at_head = false;
      }
    if (r.before && at_head) current += " (head)";
    if (r.status != TenantResult::Status::ok) failed.push_back(r.tenant);
    rows.push_back({r.tenant, r.status == TenantResult::Status::ok ? current : "-", r.error});
    Json e;
    e["tenant"] = r.tenant;
    e["current"] = rows_json(r.before);
    e["at_head"] = r.before ? Json(at_head) : Json();
    e["outcome"] = status_word(r.status);
    e["error"] = r.error.empty() ? Json() : Json(r.error);
    arr.push_back(e);
  }
  std::vector<std::size_t> width(3, 0);
  for (const auto& row : rows)
    for (std::size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
  std::string text;
  for (const auto& row : rows) {
    std::string line = fmt::format("{:<{}}  {:<{}}  {}", row[0], width[0], row[1], width[1], row[2]);
    while (!line.empty() && line.back() == ' ') line.pop_back();
    text += line + "\n";
  }
  Json j;
  j["command"] = "current";
  j["tenants"] = arr;
  j["failed"] = Json(failed);
  emit(g, text, j);
  if (!failed.empty())
    spdlog::error("{} of {} tenant(s) could not be read: {}", failed.size(), results.size(), fmt::join(failed, ", "));
  return failed.empty() ? 0 : static_cast<int>(ExitCode::migration_failed);
}

int fan_out_check(const GlobalOptions& g) {
  Prepared p = prepare(g);
  auto work = [&](const Tenant& t) {
    TenantResult r;
    Workspace ws(tenant_settings(p.settings, t));
    r.before = t.rows ? *t.rows : ws.read_rows(/*missing_ok=*/false);
    r.after = r.before;
    std::vector<std::string> differences;
    for (const auto& tree : ws.selected_trees()) {
      TreeCheck c = check_tree(ws, tree);
      if (!c.unchecked.empty()) throw AttentionError(fmt::format("tree '{}' cannot be checked: {}", tree, c.unchecked));
      for (const auto& d : c.differences) differences.push_back(tree + ": " + d);
    }
    r.status = TenantResult::Status::ok;
    if (!differences.empty()) {
      r.status = TenantResult::Status::failed;
      r.exit_code = static_cast<int>(ExitCode::drift);
      r.error = fmt::format("drift: {} difference(s), first: {}", differences.size(), differences.front());
    }
    return r;
  };
  Progress progress(p.tenants.size(), g.quiet);
  auto results = run_fanout(p.tenants, fanout_options(g, p, false), work,
                            [&](const TenantResult& r, std::size_t done) { progress.update(r, done); });
  const int code = report(g, *p.control, "check", "", results);
  // Drift alone keeps check's own exit code; any other failure is 1.
  bool only_drift = code != 0;
  for (const auto& r : results)
    if (r.status == TenantResult::Status::not_started ||
        (r.status == TenantResult::Status::failed && r.exit_code != static_cast<int>(ExitCode::drift)))
      only_drift = false;
  return only_drift ? static_cast<int>(ExitCode::drift) : code;
}

}  // namespace tsm::cli
