#pragma once
// What the target and version-row harnesses share: one fixed revision graph with every shape the
// planner knows (two trees, branches, a merge, a cross-branch dependency, labels, ids sharing a
// prefix), and the checks every plan must pass.
#include <string>
#include <vector>

#include "core/graph/plan.h"

namespace tsm::fuzz {

// main:    1000aa (label core) ─┬─ 2000bb ── 3000cc (label feat) ─┬─ 4000dd (merge) ── 5000ee ── 9000cc
//                               └─ 2000bc ─────────────────────────┘
//                                     └──── 8000bb (depends_on 7000aa)
//          6000ff (label net) ── 7000aa
// context: c100 (label ctx) ─┬─ c200 ── c300
//                            └─ c201
const RevisionGraph& fixed_graph();
// The checks below work on fixed_graph() only (they precompute its ancestry as bit masks).

// Checks a plan against the rows it was made from (`current` of make_plan, for plan.tree):
// heads_before are those rows; each step's version changes turn the rows before it into its
// heads_after (no row inserted twice, none removed that is absent); the rows always stand for
// exactly what is applied (an upgrade step adds its revision and nothing else, a downgrade step
// removes it); rows are never ancestors of each other; every revision runs at most once, in the
// plan's tree and direction; the last step's rows are heads_after.
void check_plan(const RevisionGraph& graph, const Plan& plan, Direction direction,
                const std::vector<std::string>& current);

// For rows that are revisions of the graph: whether none is an ancestor of another (version rows
// hold heads only), whatever their trees; whether `id` is applied (one of them or below one).
bool are_heads(const RevisionGraph& graph, const std::vector<std::string>& rows);
bool is_applied(const RevisionGraph& graph, const std::vector<std::string>& rows, const std::string& id);

// Rows that name no revision of the graph's tree, or are ancestors of another row, are not
// version rows the planner promises anything for; true when `rows` are fine for `tree`.
bool is_consistent(const RevisionGraph& graph, const std::string& tree, const std::vector<std::string>& rows);

}  // namespace tsm::fuzz
