#include "core/run/executor.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/run/incomplete_revision.h"
#include "core/run/step_runner.h"
#include "core/run/unknown_revert.h"

namespace tsm {
namespace {

std::vector<Plan> plan_for(const Workspace& ws, Direction direction, const std::string& target, const TreeRows& rows) {
  PlanRequest req;
  req.direction = direction;
  req.target = target;
  req.selected_trees = ws.selected_trees();
  req.current = rows;
  return make_plan(ws.graph(), req);
}

bool has_steps(const std::vector<Plan>& plans) {
  return std::any_of(plans.begin(), plans.end(), [](const Plan& p) { return !p.steps.empty(); });
}

// Work that planning alone does not show: unknown revisions a downgrade reverts, and (on
// dialects without transactional DDL) a progress record only a locked run can read.
bool may_have_hidden_work(const Workspace& ws, const std::vector<Plan>& plans,
                          const std::map<std::string, Placement>& placed, Direction direction) {
  for (const auto& p : plans) {
    auto it = placed.find(p.tree);
    if (direction == Direction::down && it != placed.end() && it->second.ahead()) return true;
    if (!dialect_for(ws.url_for(p.tree).dialect).transactional_ddl()) return true;
  }
  return false;
}

// An upgrade on a database ahead of this build: fine when there is nothing to do, else refused
// (the version table holds rows this build cannot plan from).
void check_ahead_upgrade(const std::vector<Plan>& plans, const std::map<std::string, Placement>& placed,
                         MigrateResult& result) {
  for (const auto& p : plans) {
    auto it = placed.find(p.tree);
    if (it == placed.end() || !it->second.ahead()) continue;
    auto ids = it->second.unknown_ids();
    if (!p.steps.empty())
      throw AttentionError(fmt::format("tree '{}' is ahead of this build ({}) and the target needs revisions it "
                                       "does not have applied",
                                       p.tree, fmt::join(ids, ", ")),
                           "  use the newer build, or downgrade to this build's head first");
    spdlog::warn("database is ahead of this build: {}; nothing to do", fmt::join(ids, ", "));
    result.ahead.insert(result.ahead.end(), ids.begin(), ids.end());
  }
}

}  // namespace

MigrateResult migrate(const Workspace& ws, Direction direction, const std::string& target) {
  // Plan once without locks to learn which trees the target concerns (creates nothing) …
  TreeRows rows = ws.read_rows(/*missing_ok=*/true);
  auto placed = ws.place(rows);
  std::vector<Plan> plans = plan_for(ws, direction, target, known_rows(placed));
  MigrateResult result;
  if (!has_steps(plans) && !may_have_hidden_work(ws, plans, placed, direction)) {
    if (direction == Direction::up) check_ahead_upgrade(plans, placed, result);
    for (const auto& p : plans) result.heads_after[p.tree] = p.heads_after;
    return result;
  }

  // … then lock each concerned tree, re-read its rows under the lock and plan again: a process
  // that waited for another one finds the work done and does nothing.
  std::vector<TreeSession> sessions;
  for (const auto& p : plans) {
    sessions.push_back(open_locked(ws, p.tree));
    TreeSession& s = sessions.back();
    rows[p.tree] = ws.read_rows(*s.conn, p.tree);
    placed[p.tree] = ws.place(*s.conn, p.tree, rows[p.tree]);
    if (direction == Direction::down && placed[p.tree].ahead()) {
      for (const StoredRevision* u : unknown_to_revert(ws.graph(), placed[p.tree], target))
        result.steps.push_back(revert_stored(ws, s, placed[p.tree], *u, rows[p.tree]));
      placed[p.tree] = ws.place(*s.conn, p.tree, rows[p.tree]);
    }
  }
  plans = plan_for(ws, direction, target, known_rows(placed));
  if (direction == Direction::up) check_ahead_upgrade(plans, placed, result);

  std::vector<std::unique_ptr<StepRunner>> runners;
  for (size_t i = 0; i < plans.size(); ++i) {
    auto it = std::find_if(sessions.begin(), sessions.end(), [&](auto& s) { return s.tree == plans[i].tree; });
    // Every dialect: on PostgreSQL and SQLite a `-- transaction: none` revision keeps the record.
    auto incomplete = it->progress ? it->progress->incomplete() : std::vector<IncompleteRevision>{};
    if (incomplete.size() == 1 && ws.settings().resume) settle_in_doubt(ws, *it, incomplete[0], rows[plans[i].tree]);
    // Downgrading past an upgrade that stopped half-way: undo exactly what ran, then go on.
    if (incomplete.size() == 1 && incomplete[0].direction == Direction::up && direction == Direction::down &&
        ws.settings().resume && ws.graph().find(incomplete[0].revision)) {
      result.steps.push_back(undo_incomplete(ws, *it, incomplete[0], rows[plans[i].tree]));
      incomplete.clear();
    }
    runners.push_back(std::make_unique<StepRunner>(ws, *it, ws.settings().single_transaction));
    runners.back()->render(plans[i]);
    if (incomplete.size() > 1)
      refuse_incomplete(ws, it->dialect(), incomplete[0], rows[plans[i].tree],
                        "several revisions are incomplete; resolve them by hand");
    if (incomplete.size() == 1) runners.back()->adopt_incomplete(incomplete[0], rows[plans[i].tree]);
  }
  try {
    for (auto& r : runners) r->run(result);
    for (auto& r : runners) r->finish();
  } catch (...) {
    for (auto& r : runners) r->abort();
    throw;
  }
  for (const auto& p : plans) result.heads_after[p.tree] = p.heads_after;
  return result;
}

TreeRows stamp(const Workspace& ws, const std::vector<std::string>& targets, bool purge) {
  TreeRows before = ws.read_rows(/*missing_ok=*/true, /*trusted=*/!purge);
  if (!purge) ws.check_known(before);
  TreeRows wanted = resolve_stamp(ws.graph(), targets, ws.selected_trees(), before, purge);
  for (const auto& [tree, rows] : wanted) {
    TreeSession s = open_locked(ws, tree);
    const std::string table = ws.version_table(tree);
    auto current = ws.read_rows(*s.conn, tree, /*trusted=*/!purge);
    if (!purge) ws.check_known({{tree, current}});
    // Resolve again under the lock: the rows may have moved while we waited.
    TreeRows recomputed = resolve_stamp(ws.graph(), targets, {tree}, {{tree, current}}, purge);
    const auto& target_rows = recomputed.count(tree) ? recomputed.at(tree) : rows;
    const Dialect& d = s.dialect();
    s.conn->begin();
    try {
      s.conn->execute("DELETE FROM " + d.quote(table));
      for (const auto& rev : target_rows) s.conn->execute(d.insert_version(table, rev));
      s.conn->commit();
    } catch (const StatementError& e) {
      s.conn->rollback();
      throw MigrationError(fmt::format("stamp of tree '{}' failed: {}", tree, e.what()),
                           "  statement: " + e.sql);
    }
    spdlog::info("stamped tree '{}': {}", tree, target_rows.empty() ? "base" : fmt::format("{}", fmt::join(target_rows, ", ")));
  }
  return wanted;
}

}  // namespace tsm
