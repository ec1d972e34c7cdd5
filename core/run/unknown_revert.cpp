#include "core/run/unknown_revert.h"

#include <algorithm>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/graph/target.h"

namespace tsm {

TreeRows known_rows(const std::map<std::string, Placement>& placed) {
  TreeRows out;
  for (const auto& [tree, p] : placed) out[tree] = p.known_rows;
  return out;
}

std::vector<const StoredRevision*> unknown_to_revert(const RevisionGraph& graph, const Placement& p,
                                                     const std::string& target) {
  TargetSpec spec = parse_target(target);
  if (spec.kind == TargetSpec::Kind::relative)
    throw AttentionError(fmt::format("tree '{}' has revisions this build does not know ({}): a relative downgrade "
                                     "cannot count them; name the target revision",
                                     p.tree, fmt::join(p.unknown_ids(), ", ")));
  Destination dest = resolve_downgrade_target(graph, spec, p.tree, p.known_rows);
  std::vector<const StoredRevision*> out;
  for (const auto& u : p.unknown) {
    bool above_target = dest.revisions.empty();
    for (const auto& k : p.known_below.at(u.revision))
      for (const Revision* d : dest.revisions)
        if (graph.ancestors(k).count(d->id)) above_target = true;
    if (above_target) out.push_back(&u);
  }
  if (out.size() != p.unknown.size())
    throw AttentionError(fmt::format("downgrade {} would leave revisions this build does not know applied in tree '{}'",
                                     target, p.tree),
                         "  use the newer build, or downgrade to a revision below them");
  return out;
}

StepRecord revert_stored(const Workspace& ws, TreeSession& s, const Placement& p, const StoredRevision& u,
                         std::vector<std::string>& rows) {
  auto started = std::chrono::steady_clock::now();
  spdlog::warn("reverting {} with the downgrade SQL stored when it was applied", u.revision);
  const Dialect& d = s.dialect();
  const std::string table = ws.version_table(s.tree);
  const std::vector<std::string> rows_before = rows;
  rows.erase(std::remove(rows.begin(), rows.end(), u.revision), rows.end());
  auto descends_from = [&](const std::string& row, const std::string& parent) {
    if (ws.graph().find(row)) return ws.graph().ancestors(row).count(parent) > 0;
    const auto& below = p.known_below.at(row);
    return std::any_of(below.begin(), below.end(), [&](auto& k) { return ws.graph().ancestors(k).count(parent) > 0; });
  };
  std::vector<std::string> version_changes{d.delete_version(table, u.revision)};
  for (const auto& parent : u.down_revisions) {
    bool covered = std::any_of(rows.begin(), rows.end(), [&](auto& r) { return r == parent || descends_from(r, parent); });
    if (covered) continue;
    version_changes.push_back(d.insert_version(table, parent));
    rows.push_back(parent);
  }
  std::sort(rows.begin(), rows.end());

  s.history->started(u.revision, Direction::down);
  const bool tx = d.transactional_ddl();
  const Statement* current = nullptr;
  try {
    if (tx) s.conn->begin();
    exec_in_transaction(*s.conn, u.downgrade, tx, &current);
    if (!tx) s.conn->begin();
    for (const auto& sql : version_changes) s.conn->execute(sql);
    s.store->forget(u.revision);
    if (s.snapshots) s.snapshots->after_step(rows_before, rows);
    s.conn->commit();
  } catch (const StatementError& e) {
    s.conn->rollback();
    s.history->finished(u.revision, Direction::down, Outcome::failed);
    throw step_failure("downgrade " + u.revision + " (stored SQL)", s.tree, e, current ? current->sql : e.sql,
                       tx ? "its transaction was rolled back" : "statements before it stay applied");
  }
  s.history->finished(u.revision, Direction::down, Outcome::ok);
  return {s.tree, u.revision, Direction::down, seconds_since(started), Outcome::stored_sql};
}

}  // namespace tsm
