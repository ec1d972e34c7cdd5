#include "core/run/detect.h"

#include <algorithm>
#include <functional>
#include <map>
#include <set>

#include <fmt/format.h>

#include "core/base/errors.h"
#include "core/run/executor.h"

namespace tsm {
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

}  // namespace tsm
