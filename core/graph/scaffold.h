#pragma once
// `revision` and `merge`: write a new revision unit (C++ under versions/<tree>/, or a SQL unit)
// that builds and runs unchanged.
#include <optional>
#include <string>
#include <vector>

#include "core/graph/revision_graph.h"

namespace tsm {

struct ScaffoldRequest {
  std::string message;
  std::string tree = "main";
  std::vector<std::string> parents;  // resolved ids; empty = a new base
  std::vector<std::string> branch_labels;
  std::vector<std::string> depends_on;
  std::optional<std::string> rev_id;  // else random 12 hex digits
  std::optional<std::string> sql_dir;  // write a SQL unit there instead of C++
  std::string versions_dir = "versions";
};

struct ScaffoldResult {
  std::string id;
  std::string path;
};

// Validates (id free and well-formed, parents in `tree`), writes the file, never overwrites.
ScaffoldResult write_revision_unit(const RevisionGraph& graph, const ScaffoldRequest& req);

// Resolves --head (rev, prefix, label, label@head, "head", "base") to the parents of a new revision.
std::vector<std::string> resolve_new_parents(const RevisionGraph& graph, const std::string& tree,
                                             const std::optional<std::string>& head);

}  // namespace tsm
