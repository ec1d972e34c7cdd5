#pragma once
// Target resolution and planning: from the version rows a database holds to a target,
// the ordered steps and how the version table changes after each (Alembic semantics).
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/graph/revision_graph.h"

namespace tsm {

enum class Direction { up, down };
// "upgrade" | "downgrade": the word commands, logs and bookkeeping rows use.
const char* direction_word(Direction d);
// The inverse of direction_word; nullopt for any other text (a bookkeeping row from elsewhere).
std::optional<Direction> parse_direction(const std::string& word);

// How the version table changes after one step (Alembic's HeadMaintainer).
struct VersionChange {
  enum class Kind { insert, remove, update } kind;
  std::string from;  // remove, update
  std::string to;    // insert, update
};

struct Step {
  const Revision* revision = nullptr;
  Direction direction = Direction::up;
  std::vector<VersionChange> changes;   // applied in order after the revision's operations
  std::vector<std::string> heads_after;  // version rows after this step, sorted
};

struct Plan {
  std::string tree;
  std::vector<std::string> heads_before;  // sorted
  std::vector<Step> steps;                // in execution order; empty = already at target
  std::vector<std::string> heads_after;   // sorted
};

// Version rows per tree, as read from the version tables (or given by a from:to range).
using TreeRows = std::map<std::string, std::vector<std::string>>;

struct PlanRequest {
  Direction direction = Direction::up;
  std::string target;                       // the contract's grammar (no from:to here)
  std::vector<std::string> selected_trees;  // --tree, or every tree of the graph
  TreeRows current;                         // missing tree = no rows
};

// One Plan per selected tree the target concerns (a revision/label target selects its tree).
// UsageError (exit 2) where Alembic refuses: several heads for `head`/`label@head`, a downgrade
// target not below the current heads, an ambiguous relative walk (an upgrade target already
// applied is an empty plan, as in Alembic),
// a relative target without --tree when several trees are selected, a malformed target.
std::vector<Plan> make_plan(const RevisionGraph& graph, const PlanRequest& request);

// Version rows per tree after `stamp <targets...>` (Alembic: targets replace the rows of their tree;
// `base` empties it; with purge the current rows are ignored). Only trees named by a target or
// selected by `head`/`heads`/`base` appear in the result.
TreeRows resolve_stamp(const RevisionGraph& graph, const std::vector<std::string>& targets,
                       const std::vector<std::string>& selected_trees, const TreeRows& current, bool purge);

// Splits "from:to" (only valid with --sql). Throws UsageError when malformed.
std::pair<std::string, std::string> split_range(const std::string& range);

// Resolves `from` of an offline range to the version rows it stands for ("base" → none).
TreeRows rows_for_range_start(const RevisionGraph& graph, const std::string& from,
                              const std::vector<std::string>& selected_trees);

}  // namespace tsm
