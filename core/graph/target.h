#pragma once
// The target grammar of the CLI contract: parsing, and resolution against a graph with Alembic's
// rules (alembic/script/revision.py). Planning (plan.cpp) and stamping build on these.
#include <string>
#include <unordered_set>
#include <vector>

#include "core/graph/revision_graph.h"

namespace tsm {

struct TargetSpec {
  enum class Kind { head, heads, base, revision, relative };
  Kind kind = Kind::head;
  std::string branch;  // "<branch>@…": a label or a revision; empty when absent
  std::string symbol;  // revision kind: id, prefix or label; relative: start ("" = current rows)
  int steps = 0;       // relative only: +N / -N, never 0
  std::string text;    // as given, for messages
};

// Throws UsageError on anything outside the grammar ("", "+", "-x", "abc@", "@head", "1:2", …).
TargetSpec parse_target(const std::string& text);

// A point of one tree: the revisions it stands for (empty = base) and, for downgrades, the
// revision whose branch restricts what is reverted (Alembic's branch_label).
struct Destination {
  std::vector<const Revision*> revisions;
  const Revision* branch = nullptr;
};

// The tree named by the target's revision or label; empty for head/heads/base/+N/-N.
std::string pinned_tree(const RevisionGraph& graph, const TargetSpec& spec);
// The trees a target concerns: the tree of its revision/label, else every selected tree
// (UsageError for a tree that is not selected, or for "+N"/"-N" with several trees selected).
std::vector<std::string> trees_for_target(const RevisionGraph& graph, const TargetSpec& spec,
                                          const std::vector<std::string>& selected_trees);

// Exact id, then branch label, then unique prefix of >= 4 characters.
const Revision& resolve_symbol(const RevisionGraph& graph, const std::string& symbol);

// What `upgrade <spec>` aims at in `tree`, given the tree's current rows.
Destination resolve_upgrade_target(const RevisionGraph& graph, const TargetSpec& spec, const std::string& tree,
                                   const std::vector<std::string>& rows);
// What `downgrade <spec>` goes down to (at most one revision; none = base).
Destination resolve_downgrade_target(const RevisionGraph& graph, const TargetSpec& spec, const std::string& tree,
                                     const std::vector<std::string>& rows);
// Absolute forms only (stamp, range starts): relative targets need a start symbol.
Destination resolve_absolute_target(const RevisionGraph& graph, const TargetSpec& spec, const std::string& tree);

// Helpers shared with planning.
std::vector<std::string> full_parents(const Revision& r);  // down_revisions + depends_on, once each
// Inclusive ancestors along down_revisions and depends_on of every start (one traversal).
std::unordered_set<std::string> ancestors_of(const RevisionGraph& graph, const std::vector<std::string>& starts);
// Heads of the tree that nothing depends on either (Alembic's "real heads"), topological order.
std::vector<std::string> real_heads(const RevisionGraph& graph, const std::string& tree);

}  // namespace tsm
