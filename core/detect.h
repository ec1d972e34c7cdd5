#pragma once
// Schema comparison against the live database: `stamp --detect` (which revision does this
// unversioned install match?) and `check` (does the live schema still match the version table?).
// The expected schema is always replayed from the revisions' operations, never hand-kept.
#include <optional>
#include <string>
#include <vector>

#include "core/workspace.h"

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

// Differences between the schema the version rows promise and the live one (empty = clean).
std::vector<std::string> check_drift(const Workspace& ws, const std::string& tree);

// A short stable hash of the live schema (every table, bookkeeping included): equal before and
// after a statement that changed no schema object.
std::string schema_fingerprint(Connection& conn);

// Tables that belong to turnstone-migrate itself (version tables, bookkeeping), left out of comparisons.
std::vector<std::string> bookkeeping_tables(const Workspace& ws);

}  // namespace tsm
