#pragma once
// `stamp --detect`: which revision does an unversioned install match? The expected schema is
// replayed from the revisions' operations, never hand-kept (see drift.h for `check`).
#include <optional>
#include <string>
#include <vector>

#include "core/run/workspace.h"

namespace tsm {

struct TreeDetection {
  enum class Where {
    own,       // the tree's own database
    embedded,  // inside the main database while its own is missing (Turnstone v0.2's context KB)
    missing,   // its own database does not exist and nothing is embedded: nothing to stamp
  };
  std::string tree;
  Where where = Where::own;
  bool matched = false;
  std::vector<std::string> rows;         // the revision matched ({} = base: none of its tables)
  std::string closest;                   // when unmatched: the closest revision ("base" for none)
  std::vector<std::string> differences;  // when unmatched: live vs closest
};

// Never writes. One entry per selected tree.
std::vector<TreeDetection> detect(const Workspace& ws);

// Writes the detected rows: into each tree's version table, or for an embedded tree into its
// version table inside the main database (the marker `upgrade` moves it by).
void stamp_detected(const Workspace& ws, const std::vector<TreeDetection>& detections);

}  // namespace tsm
