// Planning with Alembic's semantics: which revisions run (RevisionMap._collect_upgrade_revisions /
// _collect_downgrade_revisions) and how the version rows move after each (HeadMaintainer).
//
// The version rows this writes are always the maximal revisions of what is applied (no row implies
// another). That lets the HeadMaintainer's "ancestor of another head" tests become O(1) lookups: a
// parent d of the reverted revision stays implied by another row exactly when another applied
// revision still names d as parent or dependency. It is what Alembic writes since 1.13.1; older
// Alembic (Debian 12 ships 1.8.1) can leave a redundant row when it downgrades a merge whose
// parents are linked by depends_on (its issue #1373: rows {G, H} with H depending on G), after which
// it refuses every upgrade. Rows like that are read as what they imply: the first step of any plan
// removes them.
#include "core/graph/plan.h"

#include <algorithm>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "core/base/errors.h"
#include "core/graph/target.h"
#include "core/base/text.h"

namespace tsm {

const char* direction_word(Direction d) { return d == Direction::up ? "upgrade" : "downgrade"; }

std::optional<Direction> parse_direction(const std::string& word) {
  if (word == "upgrade") return Direction::up;
  if (word == "downgrade") return Direction::down;
  return std::nullopt;
}
namespace {

std::vector<std::string> sorted(const std::unordered_set<std::string>& s) {
  std::vector<std::string> v(s.begin(), s.end());
  std::sort(v.begin(), v.end());
  return v;
}

// The rows of `tree`, checked against the graph: a row the graph cannot place needs attention.
std::vector<std::string> rows_of(const RevisionGraph& graph, const TreeRows& current, const std::string& tree) {
  auto it = current.find(tree);
  if (it == current.end()) return {};
  for (const auto& id : it->second) {
    const Revision* r = graph.find(id);
    if (!r) throw AttentionError("the version table of tree '" + tree + "' names unknown revision '" + id + "'");
    if (r->tree != tree)
      throw AttentionError("the version table of tree '" + tree + "' names revision '" + id + "' of tree '" + r->tree +
                           "'");
  }
  std::vector<std::string> rows = it->second;
  std::sort(rows.begin(), rows.end());
  rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
  return rows;
}

AttentionError inconsistent(const std::string& tree, const std::string& why) {
  return AttentionError("the version rows of tree '" + tree + "' are inconsistent (" + why +
                        "); repair them with 'stamp'");
}

// Rows that are a strict ancestor of another row: one traversal from the rows' parents.
std::vector<std::string> redundant_rows(const RevisionGraph& graph, const std::vector<std::string>& rows) {
  if (rows.size() < 2) return {};
  std::vector<std::string> starts;
  for (const auto& row : rows) {
    auto parents = full_parents(graph.get(row));
    starts.insert(starts.end(), parents.begin(), parents.end());
  }
  auto implied = ancestors_of(graph, starts);
  std::vector<std::string> out;
  for (const auto& row : rows)
    if (implied.count(row)) out.push_back(row);
  return out;
}

// The version rows while a plan runs, recording each change like Alembic's HeadMaintainer.
class HeadMaintainer {
 public:
  HeadMaintainer(std::string tree, const std::vector<std::string>& rows) : tree_(std::move(tree)), heads_(rows.begin(), rows.end()) {}

  void insert(Step& step, const std::string& rev) {
    if (!heads_.insert(rev).second) throw inconsistent(tree_, rev + " is already a row");
    step.changes.push_back({VersionChange::Kind::insert, "", rev});
  }
  void remove(Step& step, const std::string& rev) {
    if (!heads_.erase(rev)) throw inconsistent(tree_, rev + " is not a row");
    step.changes.push_back({VersionChange::Kind::remove, rev, ""});
  }
  void update(Step& step, const std::string& from, const std::string& to) {
    if (heads_.count(to)) throw inconsistent(tree_, to + " is already a row");
    if (!heads_.erase(from)) throw inconsistent(tree_, from + " is not a row");
    heads_.insert(to);
    step.changes.push_back({VersionChange::Kind::update, from, to});
  }
  bool has(const std::string& rev) const { return heads_.count(rev) > 0; }
  // Removes the rows another row implies (left by Alembic < 1.13.1), recording it on `step`.
  void drop_redundant(const RevisionGraph& graph, Step& step) {
    for (const auto& rev : redundant_rows(graph, rows())) remove(step, rev);
  }
  std::vector<std::string> rows() const { return sorted(heads_); }

 private:
  std::string tree_;
  std::unordered_set<std::string> heads_;
};

// Upgrade: should_create_branch, should_merge_branches, else update the one parent row.
void apply_upgrade(const RevisionGraph& graph, HeadMaintainer& heads, Step& step) {
  const Revision& rev = *step.revision;
  std::vector<std::string> present;
  for (const auto& d : graph.normalized_parents(rev.id))
    if (heads.has(d)) present.push_back(d);
  if (present.empty()) {
    heads.insert(step, rev.id);
  } else {
    for (size_t i = 0; i + 1 < present.size(); ++i) heads.remove(step, present[i]);
    heads.update(step, present.back(), rev.id);
  }
}

// Downgrade: should_delete_branch, should_unmerge_branches, else update the row to its parent.
// `named_by` counts, per applied revision, the applied revisions naming it as parent/dependency.
void apply_downgrade(const RevisionGraph& graph, HeadMaintainer& heads, Step& step,
                     std::unordered_map<std::string, int>& named_by) {
  const Revision& rev = *step.revision;
  for (const auto& p : full_parents(rev)) --named_by[p];
  std::vector<std::string> down = graph.normalized_parents(rev.id);
  std::vector<std::string> unmerge_to;  // parents no other applied revision implies
  for (const auto& d : down)
    if (named_by[d] == 0) unmerge_to.push_back(d);
  if (unmerge_to.empty()) {
    heads.remove(step, rev.id);
  } else {
    for (size_t i = 0; i + 1 < unmerge_to.size(); ++i) heads.insert(step, unmerge_to[i]);
    heads.update(step, rev.id, unmerge_to.back());
  }
}

Plan plan_upgrade(const RevisionGraph& graph, const std::string& tree, const std::vector<std::string>& rows,
                  const Destination& dest) {
  Plan plan;
  plan.tree = tree;
  plan.heads_before = rows;
  std::vector<std::string> targets;
  for (const Revision* r : dest.revisions) targets.push_back(r->id);
  auto applied = ancestors_of(graph, rows);
  auto wanted = ancestors_of(graph, targets);
  HeadMaintainer heads(tree, rows);
  // Below or at the current rows, nothing is wanted that is not applied: no steps (Alembic).
  for (const Revision* r : graph.topological(tree)) {
    if (!wanted.count(r->id) || applied.count(r->id)) continue;
    Step step;
    step.revision = r;
    step.direction = Direction::up;
    if (plan.steps.empty()) heads.drop_redundant(graph, step);
    apply_upgrade(graph, heads, step);
    step.heads_after = heads.rows();
    plan.steps.push_back(std::move(step));
  }
  plan.heads_after = heads.rows();
  return plan;
}

Plan plan_downgrade(const RevisionGraph& graph, const std::string& tree, const std::vector<std::string>& rows,
                    const Destination& dest, const std::string& target_text) {
  Plan plan;
  plan.tree = tree;
  plan.heads_before = rows;
  const Revision* target = dest.revisions.empty() ? nullptr : dest.revisions.front();

  // What to drop starts at the target's children (or the tree's bases), narrowed to the branch.
  std::vector<std::string> roots = target ? graph.children(target->id) : graph.bases(tree);
  if (dest.branch && roots.size() > 1) {
    std::unordered_set<std::string> line;
    std::vector<std::string> todo{dest.branch->id};
    while (!todo.empty()) {
      std::string id = todo.back();
      todo.pop_back();
      if (line.insert(id).second)
        for (const auto& p : graph.get(id).down_revisions) todo.push_back(p);
    }
    roots.erase(std::remove_if(roots.begin(), roots.end(), [&](const std::string& r) { return !line.count(r); }),
                roots.end());
    if (roots.empty())
      throw UsageError("Destination " + target_text + " is not a valid downgrade target from current head(s) " +
                       (rows.empty() ? "(none)" : join(rows)));
  }
  const std::unordered_set<std::string> root_set(roots.begin(), roots.end());

  // Applied descendants of the roots, in topological order (one pass instead of a descendant walk).
  auto applied = ancestors_of(graph, rows);
  std::unordered_set<std::string> dropped;
  std::vector<const Revision*> order;
  std::unordered_map<std::string, int> named_by;
  for (const Revision* r : graph.topological(tree)) {
    if (!applied.count(r->id)) continue;
    auto parents = full_parents(*r);
    for (const auto& p : parents) ++named_by[p];
    bool drop = root_set.count(r->id) > 0 ||
                std::any_of(parents.begin(), parents.end(), [&](const std::string& p) { return dropped.count(p) > 0; });
    if (drop) dropped.insert(r->id), order.push_back(r);
  }
  if (target && order.empty() && !std::binary_search(rows.begin(), rows.end(), target->id))
    throw UsageError("Destination " + target->id + " is not a valid downgrade target from current head(s) " +
                     (rows.empty() ? "(none)" : join(rows)) + ": it is not applied; use 'current' to see what is");

  HeadMaintainer heads(tree, rows);
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    Step step;
    step.revision = *it;
    step.direction = Direction::down;
    if (plan.steps.empty()) heads.drop_redundant(graph, step);
    if (!heads.has((*it)->id)) throw inconsistent(tree, (*it)->id + " is applied below another row");
    apply_downgrade(graph, heads, step, named_by);
    step.heads_after = heads.rows();
    plan.steps.push_back(std::move(step));
  }
  plan.heads_after = heads.rows();
  return plan;
}

// Keeps only the revisions no other one of the list descends from (e.g. "heads" with depends_on).
std::vector<std::string> maximal(const RevisionGraph& graph, std::vector<std::string> ids) {
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  std::unordered_set<std::string> below;
  for (const auto& id : ids) {
    auto anc = graph.ancestors(id);
    for (const auto& other : ids)
      if (other != id && anc.count(other)) below.insert(other);
  }
  std::vector<std::string> out;
  for (const auto& id : ids)
    if (!below.count(id)) out.push_back(id);
  return out;
}

// Everything on a line with `rev` along any edge: its ancestors and descendants, itself included.
std::set<std::string> related_to(const RevisionGraph& graph, const std::string& rev) {
  std::set<std::string> out = graph.ancestors(rev);
  auto desc = graph.descendants(rev);
  out.insert(desc.begin(), desc.end());
  return out;
}

}  // namespace

std::vector<Plan> make_plan(const RevisionGraph& graph, const PlanRequest& request) {
  TargetSpec spec = parse_target(request.target);
  std::vector<Plan> plans;
  for (const auto& tree : trees_for_target(graph, spec, request.selected_trees)) {
    std::vector<std::string> rows = rows_of(graph, request.current, tree);
    if (request.direction == Direction::up) {
      plans.push_back(plan_upgrade(graph, tree, rows, resolve_upgrade_target(graph, spec, tree, rows)));
    } else {
      plans.push_back(
          plan_downgrade(graph, tree, rows, resolve_downgrade_target(graph, spec, tree, rows), request.target));
    }
  }
  return plans;
}

TreeRows resolve_stamp(const RevisionGraph& graph, const std::vector<std::string>& targets,
                       const std::vector<std::string>& selected_trees, const TreeRows& current, bool purge) {
  if (targets.empty()) throw UsageError("stamp needs at least one target");
  // Per tree: rows the targets replace (cleared, or related to a destination) and new rows.
  struct Change {
    bool clear = false;
    std::vector<const Revision*> lineage_cleared;  // label@base: rows on that branch go
    std::vector<std::string> dests;
  };
  std::map<std::string, Change> changes;
  std::vector<std::string> skipped;
  for (const auto& text : targets) {
    TargetSpec spec = parse_target(text);
    if (spec.kind == TargetSpec::Kind::relative && spec.symbol.empty())
      throw UsageError("stamp cannot use the relative target '" + text + "': name a revision, e.g. '<rev>" +
                       (spec.steps > 0 ? "+" : "") + std::to_string(spec.steps) + "'");
    const std::string pinned = pinned_tree(graph, spec);
    if (!pinned.empty() && std::find(selected_trees.begin(), selected_trees.end(), pinned) == selected_trees.end()) {
      skipped.push_back(text);  // a revision of a tree outside the selection: the caller may stamp tree by tree
      continue;
    }
    std::vector<std::string> trees = trees_for_target(graph, spec, selected_trees);
    for (const auto& tree : trees) {
      Destination d = resolve_absolute_target(graph, spec, tree);
      Change& c = changes[tree];
      if (d.revisions.empty()) {
        if (d.branch) c.lineage_cleared.push_back(d.branch);
        else c.clear = true;
      }
      for (const Revision* r : d.revisions) c.dests.push_back(r->id);
    }
  }
  if (changes.empty() && !skipped.empty())
    throw UsageError("stamp target(s) " + join(skipped) + " belong to no selected tree");

  TreeRows out;
  for (auto& [tree, c] : changes) {
    std::vector<std::string> rows = purge ? std::vector<std::string>{} : rows_of(graph, current, tree);
    std::vector<std::string> dests = maximal(graph, c.dests);
    std::set<std::string> replaced;
    for (const Revision* b : c.lineage_cleared) {
      auto line = related_to(graph, b->id);
      replaced.insert(line.begin(), line.end());
    }
    for (const auto& d : dests) {
      auto line = related_to(graph, d);
      replaced.insert(line.begin(), line.end());
    }
    std::vector<std::string> kept;
    for (const auto& row : rows)
      if (!c.clear && !replaced.count(row)) kept.push_back(row);
    kept.insert(kept.end(), dests.begin(), dests.end());
    out[tree] = maximal(graph, kept);
  }
  return out;
}

std::pair<std::string, std::string> split_range(const std::string& range) {
  size_t colon = range.find(':');
  if (colon == std::string::npos || range.find(':', colon + 1) != std::string::npos)
    throw UsageError("malformed range '" + range + "': expected <from>:<to>, e.g. 'base:head'");
  std::string from = range.substr(0, colon), to = range.substr(colon + 1);
  if (from.empty() || to.empty())
    throw UsageError("malformed range '" + range + "': both <from> and <to> are needed, e.g. 'base:head'");
  parse_target(from);
  parse_target(to);
  return {from, to};
}

TreeRows rows_for_range_start(const RevisionGraph& graph, const std::string& from,
                              const std::vector<std::string>& selected_trees) {
  TreeRows rows = resolve_stamp(graph, {from}, selected_trees, {}, /*purge=*/true);
  return rows;
}

}  // namespace tsm
