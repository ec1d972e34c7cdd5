// The revision graph: one validation pass builds index-based adjacency and a topological rank,
// so every later query is a single traversal (no per-node ancestor sets).
#include "core/graph/revision_graph.h"

#include <algorithm>
#include <functional>
#include <queue>
#include <unordered_map>
#include <unordered_set>

#include "core/base/errors.h"
#include "core/base/text.h"

namespace tsm {
namespace {

std::string where(const Revision& r) {
  return r.origin.empty() ? "revision '" + r.id + "'" : "revision '" + r.id + "' (" + r.origin + ")";
}


}  // namespace

struct RevisionGraph::Impl {
  struct Node {
    Revision rev;
    int tree = 0;
    std::vector<int> down;          // down_revisions
    std::vector<int> parents;       // down_revisions ∪ depends_on, deduplicated
    std::vector<int> children;      // by down_revisions only
    std::vector<int> dependents;    // every revision naming this one as parent or dependency
    int rank = 0;                   // position in the global topological order
  };
  std::vector<Node> nodes;
  std::unordered_map<std::string, int> by_id;
  std::vector<std::pair<std::string, int>> sorted_ids;  // for prefix lookups
  std::unordered_map<std::string, int> by_label;
  std::vector<std::string> tree_names;                  // "main" first, then sorted
  std::vector<std::vector<int>> tree_order;             // per tree, nodes by rank

  int index(const std::string& id) const {
    auto it = by_id.find(id);
    if (it == by_id.end()) throw UsageError("unknown revision '" + id + "'");
    return it->second;
  }
  int tree_index(const std::string& tree) const {
    for (size_t i = 0; i < tree_names.size(); ++i)
      if (tree_names[i] == tree) return static_cast<int>(i);
    throw UsageError("unknown tree '" + tree + "'");
  }

  // Inclusive closure of `start` along `edges` (one traversal).
  std::vector<int> closure(int start, std::vector<int> Node::*edges) const {
    std::vector<char> seen(nodes.size(), 0);
    std::vector<int> todo{start}, out;
    seen[start] = 1;
    while (!todo.empty()) {
      int n = todo.back();
      todo.pop_back();
      out.push_back(n);
      for (int next : nodes[n].*edges)
        if (!seen[next]) seen[next] = 1, todo.push_back(next);
    }
    return out;
  }

  // Is `a` a strict ancestor of `b`? Searches only ranks above a's: any path from b down to a
  // stays there, so merges of short branches cost a few nodes, not the whole graph.
  bool is_strict_ancestor(int a, int b) const {
    if (a == b || nodes[a].rank >= nodes[b].rank) return false;
    std::unordered_set<int> seen{b};
    std::vector<int> todo{b};
    while (!todo.empty()) {
      int n = todo.back();
      todo.pop_back();
      for (int p : nodes[n].parents) {
        if (p == a) return true;
        if (nodes[p].rank > nodes[a].rank && seen.insert(p).second) todo.push_back(p);
      }
    }
    return false;
  }

  void build(std::vector<Revision> revisions);
  void check_identity();
  void link();
  void rank_or_find_cycle();
  std::string describe_cycle(const std::vector<int>& indegree) const;
};

void RevisionGraph::Impl::build(std::vector<Revision> revisions) {
  nodes.reserve(revisions.size());
  for (auto& r : revisions) {
    Node n;
    n.rev = std::move(r);
    nodes.push_back(std::move(n));
  }
  check_identity();
  link();
  rank_or_find_cycle();
}

void RevisionGraph::Impl::check_identity() {
  std::vector<std::string> trees;
  by_id.reserve(nodes.size() * 2);
  for (size_t i = 0; i < nodes.size(); ++i) {
    const Revision& r = nodes[i].rev;
    if (!is_valid_revision_id(r.id))
      throw UsageError("invalid revision id '" + r.id + "'" + (r.origin.empty() ? "" : " (" + r.origin + ")") +
                       ": use 1 to 32 letters, digits or underscores");
    if (!is_valid_tree_name(r.tree))
      throw UsageError(where(r) + ": invalid tree name '" + r.tree + "': use [a-z][a-z0-9_]{0,30}");
    auto [it, fresh] = by_id.emplace(r.id, static_cast<int>(i));
    if (!fresh) throw UsageError(where(r) + ": duplicate revision id, also defined by " + where(nodes[it->second].rev));
    trees.push_back(r.tree);
  }
  std::sort(trees.begin(), trees.end());
  trees.erase(std::unique(trees.begin(), trees.end()), trees.end());
  auto main_it = std::find(trees.begin(), trees.end(), "main");
  if (main_it != trees.end()) std::rotate(trees.begin(), main_it, main_it + 1);
  tree_names = trees;
  for (auto& n : nodes) n.tree = tree_index(n.rev.tree);

  for (size_t i = 0; i < nodes.size(); ++i) {
    const Revision& r = nodes[i].rev;
    for (const auto& label : r.branch_labels) {
      if (!is_valid_branch_label(label))
        throw UsageError(where(r) + ": invalid branch label '" + label +
                         "': use letters, digits, '_', '-', '.'; not head/heads/base; no trailing +N/-N");
      if (by_id.count(label) && by_id.at(label) != static_cast<int>(i))
        throw UsageError(where(r) + ": branch label '" + label + "' is also a revision id");
      auto [it, fresh] = by_label.emplace(label, static_cast<int>(i));
      if (!fresh && it->second != static_cast<int>(i))
        throw UsageError(where(r) + ": branch label '" + label + "' already used by " + where(nodes[it->second].rev));
    }
  }
  sorted_ids.reserve(nodes.size());
  for (const auto& [id, i] : by_id) sorted_ids.emplace_back(id, i);
  std::sort(sorted_ids.begin(), sorted_ids.end());
}

void RevisionGraph::Impl::link() {
  for (size_t i = 0; i < nodes.size(); ++i) {
    Node& n = nodes[i];
    auto resolve = [&](const std::string& ref, const char* what, bool allow_label) {
      auto it = by_id.find(ref);
      int target = -1;
      if (it != by_id.end()) target = it->second;
      else if (allow_label && by_label.count(ref)) target = by_label.at(ref);  // Alembic: depends_on may name a label
      if (target < 0) throw UsageError(where(n.rev) + ": unknown " + what + " '" + ref + "'");
      if (target == static_cast<int>(i))
        throw UsageError(where(n.rev) + ": cycle: the revision names itself as " + what);
      if (nodes[target].tree != n.tree)
        throw UsageError(where(n.rev) + ": " + what + " '" + ref + "' belongs to tree '" + nodes[target].rev.tree +
                         "', not '" + n.rev.tree + "'");
      return target;
    };
    auto add_unique = [](std::vector<int>& v, int x) {
      if (std::find(v.begin(), v.end(), x) == v.end()) v.push_back(x);
    };
    for (const auto& d : n.rev.down_revisions) add_unique(n.down, resolve(d, "parent", false));
    n.parents = n.down;
    std::vector<std::string> deps;
    for (const auto& d : n.rev.depends_on) {
      int t = resolve(d, "dependency", true);
      add_unique(n.parents, t);
      deps.push_back(nodes[t].rev.id);
    }
    // Keep the stored revision in resolved, deduplicated form so callers see plain ids.
    n.rev.depends_on.clear();
    for (const auto& d : deps)
      if (std::find(n.rev.depends_on.begin(), n.rev.depends_on.end(), d) == n.rev.depends_on.end())
        n.rev.depends_on.push_back(d);
    n.rev.down_revisions.clear();
    for (int d : n.down) n.rev.down_revisions.push_back(nodes[d].rev.id);
  }
  for (size_t i = 0; i < nodes.size(); ++i) {
    for (int d : nodes[i].down) nodes[d].children.push_back(static_cast<int>(i));
    for (int p : nodes[i].parents) nodes[p].dependents.push_back(static_cast<int>(i));
  }
}

// Kahn's algorithm with the smallest id first: O(n log n), deterministic. Whatever is left over
// sits on or above a cycle.
void RevisionGraph::Impl::rank_or_find_cycle() {
  std::vector<int> indegree(nodes.size());
  auto later = [&](int a, int b) { return nodes[a].rev.id > nodes[b].rev.id; };
  std::priority_queue<int, std::vector<int>, decltype(later)> ready(later);
  for (size_t i = 0; i < nodes.size(); ++i) {
    indegree[i] = static_cast<int>(nodes[i].parents.size());
    if (indegree[i] == 0) ready.push(static_cast<int>(i));
  }
  int next_rank = 0;
  tree_order.assign(tree_names.size(), {});
  while (!ready.empty()) {
    int n = ready.top();
    ready.pop();
    nodes[n].rank = next_rank++;
    tree_order[nodes[n].tree].push_back(n);
    for (int c : nodes[n].dependents)
      if (--indegree[c] == 0) ready.push(c);
  }
  if (next_rank != static_cast<int>(nodes.size())) throw UsageError(describe_cycle(indegree));
  for (auto& n : nodes) {
    auto by_rank = [&](int a, int b) { return nodes[a].rank < nodes[b].rank; };
    std::sort(n.children.begin(), n.children.end(), by_rank);
    std::sort(n.dependents.begin(), n.dependents.end(), by_rank);
  }
}

std::string RevisionGraph::Impl::describe_cycle(const std::vector<int>& indegree) const {
  // Every unranked node has an unranked parent: walking parents must revisit a node, which is
  // then on a cycle. Start from the smallest id for a stable message.
  int start = -1;
  for (size_t i = 0; i < nodes.size(); ++i)
    if (indegree[i] > 0 && (start < 0 || nodes[i].rev.id < nodes[start].rev.id)) start = static_cast<int>(i);
  std::unordered_map<int, size_t> position;
  std::vector<int> path;
  int n = start;
  while (!position.count(n)) {
    position[n] = path.size();
    path.push_back(n);
    for (int p : nodes[n].parents)
      if (indegree[p] > 0) { n = p; break; }
  }
  std::vector<std::string> cycle;
  for (size_t i = position[n]; i < path.size(); ++i) cycle.push_back(nodes[path[i]].rev.id);
  cycle.push_back(nodes[n].rev.id);
  return where(nodes[n].rev) + ": cycle in the revision graph: " + join(cycle, " -> ");
}

RevisionGraph::RevisionGraph(std::vector<Revision> revisions) {
  auto impl = std::make_shared<Impl>();
  impl->build(std::move(revisions));
  impl_ = std::move(impl);
}

std::vector<std::string> RevisionGraph::trees() const { return impl_->tree_names; }

bool RevisionGraph::has_tree(const std::string& tree) const {
  const auto& t = impl_->tree_names;
  return std::find(t.begin(), t.end(), tree) != t.end();
}

const Revision* RevisionGraph::find(const std::string& id) const {
  auto it = impl_->by_id.find(id);
  return it == impl_->by_id.end() ? nullptr : &impl_->nodes[it->second].rev;
}

const Revision& RevisionGraph::get(const std::string& id) const { return impl_->nodes[impl_->index(id)].rev; }

const Revision& RevisionGraph::resolve_id(const std::string& id_or_prefix) const {
  if (const Revision* r = find(id_or_prefix)) return *r;
  if (id_or_prefix.size() < 4)
    throw UsageError("no such revision '" + id_or_prefix + "' (a partial id needs at least 4 characters)");
  const auto& ids = impl_->sorted_ids;
  auto it = std::lower_bound(ids.begin(), ids.end(), std::make_pair(id_or_prefix, -1));
  std::vector<std::string> candidates;
  for (; it != ids.end() && it->first.compare(0, id_or_prefix.size(), id_or_prefix) == 0; ++it)
    candidates.push_back(it->first);
  if (candidates.empty()) throw UsageError("no such revision '" + id_or_prefix + "'");
  if (candidates.size() > 1)
    throw UsageError("revision prefix '" + id_or_prefix + "' is ambiguous: " + join(candidates) +
                     "; give more characters");
  return get(candidates.front());
}

const Revision& RevisionGraph::by_label(const std::string& label) const {
  auto it = impl_->by_label.find(label);
  if (it == impl_->by_label.end()) throw UsageError("no such branch label '" + label + "'");
  return impl_->nodes[it->second].rev;
}

bool RevisionGraph::is_label(const std::string& label) const { return impl_->by_label.count(label) > 0; }

std::vector<std::string> RevisionGraph::heads(const std::string& tree) const {
  std::vector<std::string> out;
  for (int n : impl_->tree_order[impl_->tree_index(tree)])
    if (impl_->nodes[n].children.empty()) out.push_back(impl_->nodes[n].rev.id);
  return out;
}

std::vector<std::string> RevisionGraph::bases(const std::string& tree) const {
  std::vector<std::string> out;
  for (int n : impl_->tree_order[impl_->tree_index(tree)])
    if (impl_->nodes[n].down.empty()) out.push_back(impl_->nodes[n].rev.id);
  return out;
}

std::vector<std::string> RevisionGraph::branch_points(const std::string& tree) const {
  std::vector<std::string> out;
  for (int n : impl_->tree_order[impl_->tree_index(tree)])
    if (impl_->nodes[n].children.size() >= 2) out.push_back(impl_->nodes[n].rev.id);
  return out;
}

std::vector<std::string> RevisionGraph::children(const std::string& id) const {
  std::vector<std::string> out;
  for (int c : impl_->nodes[impl_->index(id)].children) out.push_back(impl_->nodes[c].rev.id);
  return out;
}

std::set<std::string> RevisionGraph::ancestors(const std::string& id) const {
  std::set<std::string> out;
  for (int n : impl_->closure(impl_->index(id), &Impl::Node::parents)) out.insert(impl_->nodes[n].rev.id);
  return out;
}

std::set<std::string> RevisionGraph::descendants(const std::string& id) const {
  std::set<std::string> out;
  for (int n : impl_->closure(impl_->index(id), &Impl::Node::dependents)) out.insert(impl_->nodes[n].rev.id);
  return out;
}

std::vector<const Revision*> RevisionGraph::topological(const std::string& tree) const {
  std::vector<const Revision*> out;
  const auto& order = impl_->tree_order[impl_->tree_index(tree)];
  out.reserve(order.size());
  for (int n : order) out.push_back(&impl_->nodes[n].rev);
  return out;
}

std::vector<std::string> RevisionGraph::normalized_parents(const std::string& id) const {
  const auto& node = impl_->nodes[impl_->index(id)];
  std::vector<std::string> out;
  for (int p : node.parents) {
    bool implied = false;
    for (int q : node.parents)
      if (q != p && impl_->is_strict_ancestor(p, q)) { implied = true; break; }
    if (!implied) out.push_back(impl_->nodes[p].rev.id);
  }
  return out;
}

}  // namespace tsm
