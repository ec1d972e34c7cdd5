#include "core/detect.h"

#include <set>

#include <fmt/format.h>

#include "core/errors.h"
#include "core/progress.h"

namespace tsm {
namespace {

// Only the tables a tree ever creates take part in its comparison: in one PostgreSQL or MariaDB
// database both trees' tables stand side by side.
SchemaDescription restrict_to(const SchemaDescription& live, const std::set<std::string>& tables) {
  SchemaDescription out;
  for (const auto& [name, t] : live.tables)
    if (tables.count(name)) out.tables.emplace(name, t);
  return out;
}

std::set<std::string> tables_of_tree(const Workspace& ws, const std::string& tree) {
  std::set<std::string> names;
  for (const Revision* rev : ws.graph().topological(tree))
    for (const auto& [name, t] : ws.schema_at(tree, {rev->id}).tables) names.insert(name);
  return names;
}

}  // namespace

std::vector<std::string> bookkeeping_tables(const Workspace& ws) {
  std::vector<std::string> out{kProgressTable, "turnstone_migrate_runs", "turnstone_migrate_revisions"};
  for (const auto& tree : ws.graph().trees()) out.push_back(ws.version_table(tree));
  return out;
}

std::vector<TreeDetection> detect(const Workspace& ws) {
  std::vector<TreeDetection> out;
  for (const auto& tree : ws.selected_trees()) {
    auto conn = ws.connect(tree, /*for_write=*/false);
    const Dialect& d = conn->dialect();
    std::set<std::string> own = tables_of_tree(ws, tree);
    SchemaDescription live = restrict_to(conn->introspect(bookkeeping_tables(ws)), own);

    TreeDetection det;
    det.tree = tree;
    // Candidates oldest first; the newest exact match wins. Base (nothing) is a candidate too.
    std::vector<std::optional<std::string>> candidates{std::nullopt};
    for (const Revision* rev : ws.graph().topological(tree)) candidates.push_back(rev->id);
    size_t best_count = SIZE_MAX;
    for (const auto& cand : candidates) {
      std::vector<std::string> rows = cand ? std::vector<std::string>{*cand} : std::vector<std::string>{};
      auto differences = diff(d.describe(ws.schema_at(tree, rows)), live);
      if (differences.empty()) {
        det.matched = true;
        det.rows = rows;
      } else if (!det.matched && differences.size() <= best_count) {
        best_count = differences.size();
        det.closest = cand ? *cand : "base";
        det.differences = differences;
      }
    }
    if (det.matched) det.differences.clear();
    out.push_back(std::move(det));
  }
  return out;
}

std::vector<std::string> check_drift(const Workspace& ws, const std::string& tree) {
  auto conn = ws.connect(tree, /*for_write=*/false);
  auto rows = ws.read_rows(*conn, tree);
  ws.check_known({{tree, rows}});
  std::set<std::string> own = tables_of_tree(ws, tree);
  SchemaDescription live = conn->introspect(bookkeeping_tables(ws));
  SchemaDescription expected = conn->dialect().describe(ws.schema_at(tree, rows));
  // Tables of other trees in the same database are theirs to check; unknown tables are drift.
  SchemaDescription mine;
  for (const auto& [name, t] : live.tables) {
    bool other_tree = !own.count(name) && !expected.tables.count(name);
    bool known_elsewhere = false;
    if (other_tree)
      for (const auto& other : ws.graph().trees())
        if (other != tree && tables_of_tree(ws, other).count(name)) known_elsewhere = true;
    if (!known_elsewhere) mine.tables.emplace(name, t);
  }
  return diff(expected, mine);
}

}  // namespace tsm
