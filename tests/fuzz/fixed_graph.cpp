#include "tests/fuzz/fixed_graph.h"

#include <algorithm>
#include <cstdint>
#include <set>
#include <stdexcept>
#include <unordered_map>

#include "tests/fuzz/harness.h"

namespace tsm::fuzz {
namespace {

Revision rev(std::string id, std::vector<std::string> down, std::vector<std::string> labels = {},
             std::vector<std::string> depends = {}, std::string tree = "main") {
  Revision r;
  r.id = std::move(id);
  r.down_revisions = std::move(down);
  r.branch_labels = std::move(labels);
  r.depends_on = std::move(depends);
  r.tree = std::move(tree);
  r.origin = "tests/fuzz/fixed_graph.cpp:" + r.id;
  return r;
}

std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ",") + s;
  return "[" + out + "]";
}

std::vector<std::string> sorted_unique(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

// Each revision of a graph as a bit, with the bits of its ancestors (itself included): the checks
// run after every step of every plan, so they must not allocate.
class Closure {
 public:
  explicit Closure(const RevisionGraph& graph) {
    std::vector<std::string> ids;
    for (const auto& tree : graph.trees())
      for (const Revision* r : graph.topological(tree)) ids.push_back(r->id);
    if (ids.size() > 64) throw std::logic_error("fuzz graphs have at most 64 revisions");
    for (std::size_t i = 0; i < ids.size(); ++i) bit_[ids[i]] = std::uint64_t{1} << i;
    for (const auto& id : ids) {
      std::uint64_t mask = 0;
      for (const auto& a : graph.ancestors(id)) mask |= bit_.at(a);
      below_[id] = mask;
    }
  }
  std::uint64_t bit(const std::string& id) const { return bit_.at(id); }
  // The revisions applied when `rows` are the version rows.
  template <typename Rows>
  std::uint64_t applied(const Rows& rows) const {
    std::uint64_t mask = 0;
    for (const auto& r : rows) mask |= below_.at(r);
    return mask;
  }
  bool below(const std::string& id, const std::string& other) const { return id != other && (below_.at(other) & bit(id)); }

 private:
  std::unordered_map<std::string, std::uint64_t> bit_, below_;
};

const Closure& closure_of(const RevisionGraph& graph) {
  static const Closure fixed(fixed_graph());
  if (&graph != &fixed_graph()) throw std::logic_error("the fuzz checks work on fixed_graph() only");
  return fixed;
}

}  // namespace

const RevisionGraph& fixed_graph() {
  static const RevisionGraph graph({
      rev("1000aa", {}, {"core"}),
      rev("2000bb", {"1000aa"}),
      rev("2000bc", {"1000aa"}),
      rev("3000cc", {"2000bb"}, {"feat"}),
      rev("4000dd", {"3000cc", "2000bc"}),
      rev("5000ee", {"4000dd"}),
      rev("9000cc", {"5000ee"}),
      rev("6000ff", {}, {"net"}),
      rev("7000aa", {"6000ff"}),
      rev("8000bb", {"2000bc"}, {}, {"7000aa"}),
      rev("c100", {}, {"ctx"}, {}, "context"),
      rev("c200", {"c100"}, {}, {}, "context"),
      rev("c300", {"c200"}, {}, {}, "context"),
      rev("c201", {"c100"}, {}, {}, "context"),
  });
  return graph;
}

bool are_heads(const RevisionGraph& graph, const std::vector<std::string>& rows) {
  const Closure& c = closure_of(graph);
  for (const auto& r : rows)
    for (const auto& other : rows)
      if (c.below(r, other)) return false;
  return true;
}

bool is_applied(const RevisionGraph& graph, const std::vector<std::string>& rows, const std::string& id) {
  const Closure& c = closure_of(graph);
  return (c.applied(rows) & c.bit(id)) != 0;
}

bool is_consistent(const RevisionGraph& graph, const std::string& tree, const std::vector<std::string>& rows) {
  for (const auto& r : rows) {
    const Revision* found = graph.find(r);
    if (!found || found->tree != tree) return false;
  }
  return are_heads(graph, rows);
}

void check_plan(const RevisionGraph& graph, const Plan& plan, Direction direction,
                const std::vector<std::string>& current) {
  const Closure& c = closure_of(graph);
  TSM_FUZZ_CHECK(graph.has_tree(plan.tree), plan.tree);
  TSM_FUZZ_CHECK(plan.heads_before == sorted_unique(current), joined(plan.heads_before) + " vs " + joined(current));
  const bool consistent = is_consistent(graph, plan.tree, current);
  std::set<std::string> rows(plan.heads_before.begin(), plan.heads_before.end());
  std::set<std::string> seen;
  std::uint64_t applied = c.applied(rows);
  for (const Step& step : plan.steps) {
    TSM_FUZZ_CHECK(step.revision != nullptr, "a step without a revision");
    const std::string& id = step.revision->id;
    TSM_FUZZ_CHECK(step.revision->tree == plan.tree, id + " is not in tree " + plan.tree);
    TSM_FUZZ_CHECK(step.direction == direction, id + " runs the other way");
    TSM_FUZZ_CHECK(seen.insert(id).second, id + " runs twice");
    for (const VersionChange& change : step.changes) {
      switch (change.kind) {
        case VersionChange::Kind::insert:
          TSM_FUZZ_CHECK(rows.insert(change.to).second, id + ": inserts present row " + change.to);
          break;
        case VersionChange::Kind::remove:
          TSM_FUZZ_CHECK(rows.erase(change.from) == 1, id + ": removes absent row " + change.from);
          break;
        case VersionChange::Kind::update:
          TSM_FUZZ_CHECK(rows.erase(change.from) == 1, id + ": updates absent row " + change.from);
          TSM_FUZZ_CHECK(rows.insert(change.to).second, id + ": updates to present row " + change.to);
          break;
      }
    }
    TSM_FUZZ_CHECK(std::equal(step.heads_after.begin(), step.heads_after.end(), rows.begin(), rows.end()),
                   id + ": heads_after " + joined(step.heads_after) + " but the changes give " +
                       joined({rows.begin(), rows.end()}));
    const std::uint64_t now = c.applied(rows);
    if (direction == Direction::up) {
      TSM_FUZZ_CHECK(!(applied & c.bit(id)), id + " is applied already");
      applied |= c.bit(id);
    } else {
      TSM_FUZZ_CHECK(applied & c.bit(id), id + " is not applied");
      applied &= ~c.bit(id);
    }
    if (consistent) {
      TSM_FUZZ_CHECK(now == applied, id + ": the rows " + joined(step.heads_after) + " do not stand for what is applied");
      TSM_FUZZ_CHECK(is_consistent(graph, plan.tree, step.heads_after),
                     id + ": rows " + joined(step.heads_after) + " are not heads");
    }
    applied = now;
  }
  TSM_FUZZ_CHECK(std::equal(plan.heads_after.begin(), plan.heads_after.end(), rows.begin(), rows.end()),
                 "heads_after " + joined(plan.heads_after) + " is not where the steps end");
}

}  // namespace tsm::fuzz
