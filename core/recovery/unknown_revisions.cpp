#include "core/recovery/unknown_revisions.h"

#include <algorithm>
#include <functional>
#include <set>

#include <fmt/format.h>

#include "core/base/errors.h"

namespace tsm {

std::vector<std::string> Placement::unknown_ids() const {
  std::vector<std::string> out;
  for (const auto& s : unknown) out.push_back(s.revision);
  return out;
}

namespace {

// Keeps only rows that are not ancestors of another row (the version table holds heads only).
std::vector<std::string> heads_only(const RevisionGraph& graph, const std::set<std::string>& rows) {
  std::vector<std::string> out;
  for (const auto& r : rows) {
    bool below_other = std::any_of(rows.begin(), rows.end(),
                                   [&](const std::string& o) { return o != r && graph.ancestors(o).count(r); });
    if (!below_other) out.push_back(r);
  }
  return out;
}

}  // namespace

Placement place_rows(const RevisionGraph& graph, const std::string& tree, const std::vector<std::string>& rows,
                     const std::map<std::string, StoredRevision>& store) {
  Placement p;
  p.tree = tree;
  std::set<std::string> known;
  std::vector<std::string> problems;
  std::set<std::string> visited;
  std::set<std::string> on_path;  // being walked: reaching one again is a cycle in the stored edges
  std::vector<std::string> oldest_first;  // post-order: parents before children

  // Walks an unknown revision's stored edges; returns the known revisions below it.
  std::function<std::set<std::string>(const std::string&)> walk = [&](const std::string& id) -> std::set<std::string> {
    if (graph.find(id)) return {id};
    auto it = store.find(id);
    if (it == store.end()) {
      problems.push_back(fmt::format("{} (not in {})", id, kRevisionsTable));
      return {};
    }
    if (on_path.count(id)) {
      // A store no release writes (found by fuzz_version_rows): placed anyway, a revision would
      // be reverted after its own parent.
      problems.push_back(fmt::format("{} (its stored parents lead back to it)", id));
      return {};
    }
    if (visited.count(id)) return {p.known_below[id].begin(), p.known_below[id].end()};
    visited.insert(id);
    on_path.insert(id);
    std::set<std::string> below;
    std::vector<std::string> parents = it->second.down_revisions;
    parents.insert(parents.end(), it->second.depends_on.begin(), it->second.depends_on.end());
    for (const auto& parent : parents)
      for (const auto& k : walk(parent)) below.insert(k);
    on_path.erase(id);
    if (below.empty()) problems.push_back(fmt::format("{} (on a branch that does not descend from this build's revisions)", id));
    p.known_below[id] = {below.begin(), below.end()};
    oldest_first.push_back(id);
    return below;
  };

  for (const auto& row : rows) {
    if (graph.find(row)) {
      known.insert(row);
      continue;
    }
    for (const auto& k : walk(row)) known.insert(k);
  }
  if (!problems.empty()) {
    std::sort(problems.begin(), problems.end());
    problems.erase(std::unique(problems.begin(), problems.end()), problems.end());
    throw AttentionError(
        fmt::format("the version table of tree '{}' names revision(s) this build does not know and cannot place: {}",
                    tree, fmt::join(problems, ", ")),
        "  a newer release may have upgraded this database on another branch, or a revision unit is missing "
        "(pass --revisions-dir for SQL units)");
  }
  for (auto it = oldest_first.rbegin(); it != oldest_first.rend(); ++it) p.unknown.push_back(store.at(*it));
  // Known rows only: plan with the rows as they are, so that a row another row implies (left by
  // Alembic before 1.13.1, its bug #1373) is removed by the plan's first step, not kept forever.
  // Under unknown rows, the known revisions below them stand in: only their heads.
  p.known_rows = p.unknown.empty() ? std::vector<std::string>(known.begin(), known.end()) : heads_only(graph, known);
  return p;
}

}  // namespace tsm
