#pragma once
// `check`: does the live schema still match what the version rows promise? The expected schema
// is replayed from the revisions' operations and compared in the dialect's normalized terms; for
// a tree whose revisions run raw SQL that may change the schema, it is the schema snapshot
// recorded when they were applied (core/run/schema_snapshots.h).
#include <string>
#include <vector>

#include "core/run/workspace.h"

namespace tsm {

struct TreeCheck {
  std::vector<std::string> differences;  // one line each; empty = clean
  std::string unchecked;                 // set: the tree could not be checked, and why (one line)
  std::string remedy;                    // detail lines for `unchecked`
};

// Compares one tree (read-only; exit 5 for version rows this build does not know).
TreeCheck check_tree(const Workspace& ws, const std::string& tree);

// Differences between the schema the version rows promise and the live one (empty = clean);
// AttentionError (exit 5) when the tree cannot be checked.
std::vector<std::string> check_drift(const Workspace& ws, const std::string& tree);

}  // namespace tsm
