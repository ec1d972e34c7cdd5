#pragma once
// Turnstone v0.2 kept the context knowledge base inside turnstone.db; since v0.3 it has its own
// database (SQLite has one writer per file). `stamp --detect` records such an embedded tree by
// stamping its version table inside the main database; `upgrade` then moves it, exactly once:
//   1. bring the tree's own database to the embedded revision (creates its tables),
//   2. replace that database's rows with the embedded ones (idempotent),
//   3. drop the embedded tables and version table from the main database, in one transaction.
// A crash anywhere before 3 commits leaves the marker in place, so a rerun repeats 2 and 3; after
// 3 the marker is gone and nothing is left to move.
#include <string>
#include <vector>

#include "core/run/workspace.h"

namespace tsm {

// Trees whose tables live embedded in the main database while their own database is elsewhere.
struct EmbeddedTree {
  std::string tree;
  std::vector<std::string> rows;  // the embedded version rows
};
std::vector<EmbeddedTree> find_embedded_trees(const Workspace& ws);

// Moves every embedded tree to its own database (no-op when there is none). Returns the trees moved.
std::vector<std::string> relocate_embedded_trees(const Workspace& ws);

}  // namespace tsm
