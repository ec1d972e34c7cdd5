// Target parsing and resolution, following Alembic's RevisionMap (_parse_upgrade_target,
// _parse_downgrade_target, _walk, filter_for_lineage) with refusals instead of its warnings.
#include "core/graph/target.h"

#include <algorithm>

#include "core/base/errors.h"
#include "core/base/text.h"

namespace tsm {
namespace {

bool is_symbol_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
         c == '.';
}

// A revision id, prefix or label: starts with a word character, no grammar punctuation.
bool is_symbol(const std::string& s) {
  if (s.empty() || s[0] == '-' || s[0] == '.') return false;
  return std::all_of(s.begin(), s.end(), is_symbol_char);
}

bool all_digits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

UsageError malformed(const std::string& text, const std::string& why) {
  return UsageError("malformed target '" + text + "': " + why +
                    " (expected head, heads, base, <rev>, <label>@head, <label>@base, +N, -N, <rev>+N, "
                    "<rev>-N, <label>@+N or <label>@-N)");
}

bool is_keyword(const std::string& s) { return s == "head" || s == "heads" || s == "base"; }

// Revisions sharing a line with `branch` along down_revisions (ancestors or descendants),
// Alembic's filter_for_lineage without dependencies.
class Lineage {
 public:
  Lineage(const RevisionGraph& graph, const Revision& branch) {
    std::vector<std::string> todo{branch.id};
    while (!todo.empty()) {
      std::string id = todo.back();
      todo.pop_back();
      if (!members_.insert(id).second) continue;
      for (const auto& p : graph.get(id).down_revisions) todo.push_back(p);
    }
    members_.erase(branch.id);
    todo = {branch.id};
    while (!todo.empty()) {
      std::string id = todo.back();
      todo.pop_back();
      if (!members_.insert(id).second) continue;
      for (const auto& c : graph.children(id)) todo.push_back(c);
    }
  }
  bool contains(const std::string& id) const { return members_.count(id) > 0; }
  std::vector<std::string> filter(const std::vector<std::string>& ids) const {
    std::vector<std::string> out;
    for (const auto& id : ids)
      if (contains(id)) out.push_back(id);
    return out;
  }

 private:
  std::unordered_set<std::string> members_;
};

const Revision* optional_branch(const RevisionGraph& graph, const TargetSpec& spec) {
  return spec.branch.empty() ? nullptr : &resolve_symbol(graph, spec.branch);
}

UsageError multiple_heads(const std::string& tree, const std::string& branch, const std::vector<std::string>& heads) {
  if (branch.empty())
    return UsageError("Multiple heads are present for tree '" + tree + "': " + join(heads) +
                      "; use 'heads' or '<label>@head'");
  return UsageError("Multiple heads are present for '" + branch + "@head': " + join(heads) + "; use '" + branch +
                    "@heads' or name one revision");
}

std::vector<std::string> branch_heads(const RevisionGraph& graph, const std::string& tree, const Revision* branch) {
  if (!branch) return graph.heads(tree);
  return Lineage(graph, *branch).filter(graph.heads(tree));
}

std::string single_head(const RevisionGraph& graph, const std::string& tree, const Revision* branch,
                        const std::string& branch_text) {
  auto heads = branch_heads(graph, tree, branch);
  if (heads.size() > 1) throw multiple_heads(tree, branch_text, heads);
  if (heads.empty()) throw UsageError("tree '" + tree + "' has no head");
  return heads.front();
}

void check_member(const RevisionGraph& graph, const Revision& rev, const Revision* branch, const std::string& text) {
  if (branch && !Lineage(graph, *branch).contains(rev.id))
    throw UsageError("revision '" + rev.id + "' is not on the branch of '" + text + "'");
}

void check_tree(const Revision& rev, const std::string& tree) {
  if (rev.tree != tree)
    throw UsageError("revision '" + rev.id + "' belongs to tree '" + rev.tree + "', not '" + tree + "'");
}

// One start point of a walk: a revision, or nullptr for base. `heads` is refused when plural.
const Revision* start_point(const RevisionGraph& graph, const TargetSpec& spec, const std::string& tree,
                            const Revision* branch) {
  if (spec.symbol == "base") return nullptr;
  if (spec.symbol == "head" || spec.symbol == "heads") return &graph.get(single_head(graph, tree, branch, spec.branch));
  const Revision& rev = resolve_symbol(graph, spec.symbol);
  check_tree(rev, tree);
  return &rev;
}

// Alembic's _walk: up along children (restricted to the branch's line when given), down along
// down_revisions; nullptr stands for base. Any fork is ambiguous.
const Revision* walk(const RevisionGraph& graph, const std::string& tree, const Revision* start, int steps,
                     const Revision* branch, const std::string& text) {
  const Revision* at = start;
  bool at_base = start == nullptr;
  for (int i = 0; i < std::abs(steps); ++i) {
    std::vector<std::string> next;
    if (steps > 0) {
      next = at_base ? graph.bases(tree) : graph.children(at->id);
      if (branch) next = Lineage(graph, *branch).filter(next);
      if (next.size() > 1)
        throw UsageError("ambiguous relative target '" + text + "': " + (at_base ? std::string("base") : at->id) +
                         " leads to several revisions (" + join(next) + "); use a revision or '<label>@+N'");
      if (next.empty())
        throw UsageError("relative target '" + text + "' walks past the head" + (branch ? " of its branch" : "") +
                         " (" + std::to_string(i) + " step(s) available)");
      at = &graph.get(next.front());
      at_base = false;
    } else {
      if (at_base)
        throw UsageError("relative target '" + text + "' walks past the base (" + std::to_string(i) +
                         " step(s) available)");
      const auto& down = at->down_revisions;
      if (down.size() > 1)
        throw UsageError("ambiguous relative target '" + text + "': " + at->id + " is a merge of " + join(down) +
                         "; name the revision to go to");
      if (down.empty()) {
        at = nullptr;
        at_base = true;
      } else {
        at = &graph.get(down.front());
      }
    }
  }
  return at;
}

Destination destination_of(const Revision* rev, const Revision* branch) {
  Destination d;
  if (rev) d.revisions.push_back(rev);
  d.branch = branch;
  return d;
}

// Revisions of `set` that are no revision's down_revision within the set.
std::vector<std::string> tips(const RevisionGraph& graph, const std::vector<std::string>& set) {
  std::unordered_set<std::string> below;
  for (const auto& id : set)
    for (const auto& p : graph.get(id).down_revisions) below.insert(p);
  std::vector<std::string> out;
  for (const auto& id : set)
    if (!below.count(id)) out.push_back(id);
  return out;
}

std::vector<std::string> sorted_set(const std::unordered_set<std::string>& s) {
  std::vector<std::string> v(s.begin(), s.end());
  std::sort(v.begin(), v.end());
  return v;
}

}  // namespace

TargetSpec parse_target(const std::string& text) {
  TargetSpec spec;
  spec.text = text;
  if (text.empty()) throw malformed(text, "empty");
  if (text.find(':') != std::string::npos)
    throw malformed(text, "a <from>:<to> range is only valid with --sql");
  std::string rest = text;
  size_t at = text.find('@');
  if (at != std::string::npos) {
    if (text.find('@', at + 1) != std::string::npos) throw malformed(text, "more than one '@'");
    spec.branch = text.substr(0, at);
    rest = text.substr(at + 1);
    if (spec.branch.empty()) throw malformed(text, "nothing before '@'");
    if (rest.empty()) throw malformed(text, "nothing after '@'");
    if (!is_symbol(spec.branch) || is_keyword(spec.branch)) throw malformed(text, "'" + spec.branch + "' is not a branch");
  }
  // Relative: [symbol](+|-)digits, the sign being the last one in the text.
  size_t sign = rest.find_last_of("+-");
  if (sign != std::string::npos && all_digits(rest.substr(sign + 1))) {
    std::string symbol = rest.substr(0, sign);
    std::string digits = rest.substr(sign + 1);
    if (!symbol.empty() && !is_symbol(symbol)) throw malformed(text, "'" + symbol + "' is not a revision");
    if (digits.size() > 6) throw malformed(text, "step count too large");
    int n = std::stoi(digits);
    if (n == 0) throw malformed(text, "a relative step count must be at least 1");
    spec.kind = TargetSpec::Kind::relative;
    spec.symbol = symbol;
    spec.steps = rest[sign] == '+' ? n : -n;
    return spec;
  }
  if (!is_symbol(rest)) throw malformed(text, "'" + rest + "' is not a revision, label or keyword");
  if (rest == "head") spec.kind = TargetSpec::Kind::head;
  else if (rest == "heads") spec.kind = TargetSpec::Kind::heads;
  else if (rest == "base") spec.kind = TargetSpec::Kind::base;
  else spec.kind = TargetSpec::Kind::revision, spec.symbol = rest;
  return spec;
}

const Revision& resolve_symbol(const RevisionGraph& graph, const std::string& symbol) {
  if (const Revision* r = graph.find(symbol)) return *r;
  if (graph.is_label(symbol)) return graph.by_label(symbol);
  if (symbol.size() < 4)
    throw UsageError("no such revision or branch label '" + symbol +
                     "' (a partial revision id needs at least 4 characters)");
  try {
    return graph.resolve_id(symbol);
  } catch (const UsageError& e) {
    if (std::string(e.what()).find("ambiguous") != std::string::npos) throw;
    throw UsageError("no such revision or branch label '" + symbol + "'");
  }
}

std::string pinned_tree(const RevisionGraph& graph, const TargetSpec& spec) {
  std::string named;  // a symbol that pins the tree
  if (!spec.branch.empty()) named = spec.branch;
  else if (spec.kind == TargetSpec::Kind::revision) named = spec.symbol;
  else if (spec.kind == TargetSpec::Kind::relative && !spec.symbol.empty() && !is_keyword(spec.symbol))
    named = spec.symbol;
  return named.empty() ? std::string() : resolve_symbol(graph, named).tree;
}

std::vector<std::string> trees_for_target(const RevisionGraph& graph, const TargetSpec& spec,
                                          const std::vector<std::string>& selected_trees) {
  for (const auto& t : selected_trees)
    if (!graph.has_tree(t)) throw UsageError("unknown tree '" + t + "'");
  const std::string tree = pinned_tree(graph, spec);
  if (!tree.empty()) {
    if (std::find(selected_trees.begin(), selected_trees.end(), tree) == selected_trees.end())
      throw UsageError("target '" + spec.text + "' belongs to tree '" + tree + "', which is not selected (use --tree " +
                       tree + ")");
    return {tree};
  }
  if (spec.kind == TargetSpec::Kind::relative && spec.symbol.empty() && selected_trees.size() > 1)
    throw UsageError("relative target '" + spec.text + "' needs --tree when several trees are selected (" +
                     join(selected_trees) + ")");
  return selected_trees;
}

Destination resolve_absolute_target(const RevisionGraph& graph, const TargetSpec& spec, const std::string& tree) {
  const Revision* branch = optional_branch(graph, spec);
  if (branch) check_tree(*branch, tree);
  switch (spec.kind) {
    case TargetSpec::Kind::head:
      return destination_of(&graph.get(single_head(graph, tree, branch, spec.branch)), branch);
    case TargetSpec::Kind::heads: {
      Destination d;
      d.branch = branch;
      for (const auto& h : branch ? branch_heads(graph, tree, branch) : real_heads(graph, tree))
        d.revisions.push_back(&graph.get(h));
      return d;
    }
    case TargetSpec::Kind::base:
      return destination_of(nullptr, branch);
    case TargetSpec::Kind::revision: {
      const Revision& rev = resolve_symbol(graph, spec.symbol);
      check_tree(rev, tree);
      check_member(graph, rev, branch, spec.text);
      return destination_of(&rev, branch);
    }
    case TargetSpec::Kind::relative:
      if (spec.symbol.empty())
        throw UsageError("relative target '" + spec.text + "' needs a revision here, e.g. '<rev>" +
                         (spec.steps > 0 ? "+" : "") + std::to_string(spec.steps) + "'");
      // Up: walk from the symbol, staying on the branch. Down: the symbol must be on the branch.
      const Revision* start = start_point(graph, spec, tree, branch);
      if (start && spec.steps < 0) check_member(graph, *start, branch, spec.text);
      return destination_of(walk(graph, tree, start, spec.steps, spec.steps > 0 ? branch : nullptr, spec.text),
                            branch);
  }
  return {};
}

namespace {

// Alembic's upgrade walks each requested revision's ancestors with check=True and refuses when
// one requested revision is an ancestor of another: only "<branch>@heads" can ask for that, as a
// branch's heads follow down_revisions and one of them may depend on another.
void refuse_overlapping(const RevisionGraph& graph, const Destination& d, const std::string& text) {
  if (d.revisions.size() < 2) return;
  for (const Revision* r : d.revisions) {
    std::vector<std::string> parents = full_parents(*r);
    auto below = ancestors_of(graph, parents);
    for (const Revision* other : d.revisions)
      if (other != r && below.count(other->id))
        throw UsageError("target '" + text + "' names overlapping revisions: " + r->id + " depends on " + other->id +
                         " (Alembic refuses this too); upgrade to " + r->id + ", or to 'heads'");
  }
}

}  // namespace

Destination resolve_upgrade_target(const RevisionGraph& graph, const TargetSpec& spec, const std::string& tree,
                                   const std::vector<std::string>& rows) {
  if (spec.kind == TargetSpec::Kind::heads) {
    Destination d = resolve_absolute_target(graph, spec, tree);
    refuse_overlapping(graph, d, spec.text);
    return d;
  }
  if (spec.kind != TargetSpec::Kind::relative || !spec.symbol.empty()) return resolve_absolute_target(graph, spec, tree);
  if (spec.steps < 0)
    throw UsageError("relative target '" + spec.text + "' goes down: use downgrade, or '<rev>" +
                     std::to_string(spec.steps) + "'");
  const Revision* branch = optional_branch(graph, spec);
  if (branch) check_tree(*branch, tree);
  std::vector<std::string> starts = rows;
  if (branch) {
    Lineage line(graph, *branch);
    starts = line.filter(rows);
    if (starts.empty()) {
      // The branch has no row of its own: start from its newest applied revisions, or base.
      starts = tips(graph, line.filter(sorted_set(ancestors_of(graph, rows))));
    }
  }
  if (starts.size() > 1)
    throw UsageError("ambiguous relative target '" + spec.text + "': tree '" + tree +
                     "' has several current revisions (" + join(starts) + "); use a revision or '<label>@+N'");
  const Revision* start = starts.empty() ? nullptr : &graph.get(starts.front());
  return destination_of(walk(graph, tree, start, spec.steps, branch, spec.text), branch);
}

Destination resolve_downgrade_target(const RevisionGraph& graph, const TargetSpec& spec, const std::string& tree,
                                     const std::vector<std::string>& rows) {
  if (spec.kind != TargetSpec::Kind::relative && !spec.branch.empty()) {
    // Alembic's _parse_downgrade_target: "<branch>@<symbol>" goes down to <symbol> resolved on its
    // own (a revision off the branch is fine; `head` is the tree's single head); the branch only
    // narrows which of the target's children are reverted (plan_downgrade).
    const Revision* branch = optional_branch(graph, spec);
    check_tree(*branch, tree);
    TargetSpec plain = spec;
    plain.branch.clear();
    Destination d = resolve_downgrade_target(graph, plain, tree, rows);
    d.branch = branch;
    return d;
  }
  if (spec.kind == TargetSpec::Kind::heads) {
    // Alembic resolves a downgrade target to one revision: "heads" only works when it is one.
    Destination d = resolve_absolute_target(graph, spec, tree);
    if (d.revisions.size() > 1) {
      std::vector<std::string> ids;
      for (auto* r : d.revisions) ids.push_back(r->id);
      throw multiple_heads(tree, spec.branch, ids);
    }
    return d;
  }
  if (spec.kind != TargetSpec::Kind::relative || !spec.symbol.empty()) return resolve_absolute_target(graph, spec, tree);
  if (spec.steps > 0)
    throw UsageError("relative target '" + spec.text + "' goes up: use upgrade, or '<rev>+" +
                     std::to_string(spec.steps) + "'");
  const Revision* branch = optional_branch(graph, spec);
  if (branch) check_tree(*branch, tree);
  std::vector<std::string> starts;
  if (branch) {
    Lineage line(graph, *branch);
    starts = line.filter(rows);
    if (starts.empty()) starts = line.filter(tips(graph, sorted_set(ancestors_of(graph, rows))));
  } else {
    starts = rows;
  }
  if (starts.empty())
    throw UsageError("relative target '" + spec.text + "': nothing of " +
                     (branch ? "branch '" + spec.branch + "'" : "tree '" + tree + "'") + " is applied");
  if (starts.size() > 1)
    throw UsageError("ambiguous relative target '" + spec.text + "': tree '" + tree +
                     "' has several current revisions (" + join(starts) + "); use a revision or '<label>@-N'");
  const Revision& start = graph.get(starts.front());
  // Like Alembic, a plain -N stays on the branch of the revision it starts from.
  return destination_of(walk(graph, tree, &start, spec.steps, nullptr, spec.text), branch ? branch : &start);
}

std::vector<std::string> full_parents(const Revision& r) {
  std::vector<std::string> out = r.down_revisions;
  for (const auto& d : r.depends_on)
    if (std::find(out.begin(), out.end(), d) == out.end()) out.push_back(d);
  return out;
}

std::unordered_set<std::string> ancestors_of(const RevisionGraph& graph, const std::vector<std::string>& starts) {
  std::unordered_set<std::string> seen;
  std::vector<const Revision*> todo;
  for (const auto& s : starts)
    if (seen.insert(s).second) todo.push_back(&graph.get(s));
  while (!todo.empty()) {
    const Revision* r = todo.back();
    todo.pop_back();
    for (const auto& p : r->down_revisions)
      if (seen.insert(p).second) todo.push_back(&graph.get(p));
    for (const auto& p : r->depends_on)
      if (seen.insert(p).second) todo.push_back(&graph.get(p));
  }
  return seen;
}

std::vector<std::string> real_heads(const RevisionGraph& graph, const std::string& tree) {
  auto order = graph.topological(tree);
  std::unordered_set<std::string> named;
  for (const Revision* r : order)
    for (const auto& p : full_parents(*r)) named.insert(p);
  std::vector<std::string> out;
  for (const Revision* r : order)
    if (!named.count(r->id)) out.push_back(r->id);
  return out;
}

}  // namespace tsm
