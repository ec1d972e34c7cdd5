#include "core/detect.h"

#include <algorithm>
#include <functional>
#include <map>
#include <set>

#include <fmt/format.h>

#include "core/errors.h"
#include "core/executor.h"
#include "core/progress.h"

namespace tsm {
namespace {

// Every table a tree ever creates: only those take part in its comparison, since in one
// PostgreSQL or MariaDB database both trees' tables stand side by side.
std::set<std::string> tables_of_tree(const Workspace& ws, const std::string& tree) {
  std::set<std::string> names;
  for (const Revision* rev : ws.graph().topological(tree))
    for (const auto& [name, t] : ws.schema_at(tree, {rev->id}).tables) names.insert(name);
  return names;
}

}  // namespace

std::string schema_fingerprint(Connection& conn) {
  std::string text;
  for (const auto& [name, t] : conn.introspect({}).tables) {
    text += "T " + name + "\n";
    for (const auto& c : t.columns) text += fmt::format("C {} {} {} {}\n", c.name, c.type, c.nullable, c.default_);
    for (const auto& i : t.indexes) text += fmt::format("I {} {} {}\n", i.name, fmt::join(i.columns, ","), i.unique);
    for (const auto& f : t.foreign_keys)
      text += fmt::format("F {} {} {} {}\n", fmt::join(f.columns, ","), f.ref_table, fmt::join(f.ref_columns, ","), f.on_delete);
    for (const auto& o : t.fulltext_objects) text += "X " + o + "\n";
    text += "P " + fmt::format("{}", fmt::join(t.primary_key, ",")) + "\n";
  }
  return fmt::format("{:016x}", std::hash<std::string>{}(text));
}

std::vector<std::string> bookkeeping_tables(const Workspace& ws) {
  std::vector<std::string> out{kProgressTable, "turnstone_migrate_runs", "turnstone_migrate_revisions",
                               "turnstone_migrate_lock"};
  for (const auto& tree : ws.graph().trees()) out.push_back(ws.version_table(tree));
  return out;
}

namespace {

bool file_missing(const Workspace& ws, const std::string& tree) {
  const DatabaseUrl& url = ws.url_for(tree);
  if (url.dialect != DialectKind::sqlite || url.is_memory()) return false;
  try {
    ws.connect(tree, /*for_write=*/false);
    return false;
  } catch (const ConnectError&) {
    return true;
  }
}

// Newest revision of `tree` whose replayed schema equals `live` exactly; else the closest one.
TreeDetection match_tree(const Workspace& ws, const Dialect& d, const std::string& tree, const SchemaDescription& live) {
  TreeDetection det;
  det.tree = tree;
  std::vector<std::optional<std::string>> candidates{std::nullopt};  // base first, then oldest → newest
  for (const Revision* rev : ws.graph().topological(tree)) candidates.push_back(rev->id);
  size_t best = SIZE_MAX;
  for (const auto& cand : candidates) {
    std::vector<std::string> rows = cand ? std::vector<std::string>{*cand} : std::vector<std::string>{};
    auto differences = diff(d.describe(ws.schema_at(tree, rows)), live);
    if (differences.empty()) {
      det.matched = true;
      det.rows = rows;
    } else if (!det.matched && differences.size() <= best) {
      best = differences.size();
      det.closest = cand ? *cand : "base";
      det.differences = differences;
    }
  }
  if (det.matched) det.differences.clear();
  return det;
}

}  // namespace

std::vector<TreeDetection> detect(const Workspace& ws) {
  std::map<std::string, std::set<std::string>> tables;
  std::set<std::string> every_table;
  for (const auto& tree : ws.graph().trees()) {
    tables[tree] = tables_of_tree(ws, tree);
    every_table.insert(tables[tree].begin(), tables[tree].end());
  }
  std::vector<TreeDetection> out;
  for (const auto& tree : ws.selected_trees()) {
    bool embedded = false;
    std::unique_ptr<Connection> conn;
    if (tree != "main" && file_missing(ws, tree)) {
      // Its own file does not exist: Turnstone v0.2 kept the context KB inside turnstone.db.
      conn = ws.connect("main", /*for_write=*/false);
      auto all = conn->introspect(bookkeeping_tables(ws));
      embedded = std::any_of(all.tables.begin(), all.tables.end(),
                             [&](const auto& t) { return tables[tree].count(t.first) > 0; });
      if (!embedded) {
        TreeDetection det;
        det.tree = tree;
        det.where = TreeDetection::Where::missing;
        det.matched = true;
        out.push_back(det);
        continue;
      }
    } else {
      conn = ws.connect(tree, /*for_write=*/false);
    }
    SchemaDescription all = conn->introspect(bookkeeping_tables(ws));
    // The tree's own tables take part; in the main database so do tables no tree knows (an
    // install with unknown tables does not match "exactly").
    SchemaDescription live;
    for (const auto& [name, t] : all.tables)
      if (tables[tree].count(name) || (tree == "main" && !every_table.count(name))) live.tables.emplace(name, t);
    TreeDetection det = match_tree(ws, conn->dialect(), tree, live);
    if (embedded) det.where = TreeDetection::Where::embedded;
    out.push_back(std::move(det));
  }
  return out;
}

void stamp_detected(const Workspace& ws, const std::vector<TreeDetection>& detections) {
  for (const auto& det : detections) {
    if (det.where == TreeDetection::Where::missing) continue;
    std::string target = det.rows.empty() ? "base" : det.rows.front();
    Settings s = ws.settings();
    s.tree = det.tree;
    if (det.where == TreeDetection::Where::embedded) s.context_url = s.main_url;  // its rows go beside its tables
    stamp(Workspace(s), {target}, /*purge=*/false);
  }
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
