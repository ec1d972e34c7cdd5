#pragma once
// Alembic-style text for revisions: "a1b2 -> c3d4 (label) (head), message".
#include <set>
#include <string>
#include <vector>

#include "cli/global_options.h"
#include "core/graph/revision_graph.h"

namespace tsm::cli {

// " (label) (head) (branchpoint) (mergepoint)" — the markers Alembic prints after an id.
std::string markers(const RevisionGraph& g, const Revision& r, bool current = false);
// One history line: "<base> -> id (head), message".
std::string history_line(const RevisionGraph& g, const Revision& r, bool current = false);
// A revision as JSON (id, parents, labels, depends_on, message, tree, is_head…).
Json revision_json(const RevisionGraph& g, const Revision& r);
bool is_head(const RevisionGraph& g, const Revision& r);
// "tree: " prefix when more than one tree is shown, so single-tree output stays Alembic's.
std::string tree_prefix(const std::vector<std::string>& trees, const std::string& tree);

}  // namespace tsm::cli
