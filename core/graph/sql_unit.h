#pragma once
// SQL revision units (--revisions-dir): plain .sql files that join the revision graph.
//
//   -- revision: 1b2c3d4e5f60
//   -- down_revision: 0a1b2c3d4e5f          (comma list; "none" or empty: a base)
//   -- branch_labels: reporting             (optional comma list)
//   -- depends_on: 9f8e7d6c5b4a             (optional comma list)
//   -- message: add reporting views         (optional)
//   -- tree: main                           (optional, default main)
//   -- lint: waive TM201 <reason>           (optional, repeatable: a justified lint waiver)
//   -- +upgrade                             (every dialect)
//   CREATE VIEW v AS SELECT 1;
//   -- +upgrade sqlite                      (replaces the generic section on SQLite)
//   -- +statement-begin                     (a statement containing semicolons)
//   CREATE TRIGGER t AFTER INSERT ON x BEGIN SELECT 1; END;
//   -- +statement-end
//   -- +downgrade
//   DROP VIEW v;
//
// Each statement becomes one op.execute (its final ';' removed). A dialect section replaces
// the generic section of that direction for that dialect: generic statements carry
// Execute::skip = {dialects with their own section}; a dialect's statements carry that dialect's
// text only and skip every dialect that has SQL of its own. With no generic section, a dialect
// without a section of its own is NOT skipped: rendering for it fails ("revision needs SQL").
// A direction with no section at all leaves Revision::upgrade/downgrade unset (no statements).
#include <string>
#include <vector>

#include "core/graph/revision.h"

namespace tsm {

// Loads every `*.sql` file of each directory (non-recursive, sorted by file name; directories
// in the order given). origin = "<dir>/<file>.sql:<line of the revision header>".
// Throws UsageError naming the file and line for a malformed unit, and naming the directory
// when it does not exist. Graph-level problems (duplicate id, unknown parent, cycle) are left
// to RevisionGraph, which reports the origin.
std::vector<Revision> load_sql_units(const std::vector<std::string>& dirs);

// One file's text (exposed for tests and for `revision --sql-unit` round trips).
Revision parse_sql_unit(const std::string& text, const std::string& path);

}  // namespace tsm
