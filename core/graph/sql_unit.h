#pragma once
// SQL revision units (--revisions-dir): plain .sql files that join the revision graph.
// The whole format is documented in docs/sql-units.md.
//
//   -- revision: 1b2c3d4e5f60
//   -- down_revision: 0a1b2c3d4e5f          (comma list; "none" or empty: a base)
//   -- branch_labels: reporting             (optional comma list)
//   -- depends_on: 9f8e7d6c5b4a             (optional comma list)
//   -- message: add reporting views         (optional)
//   -- tree: main                           (optional, default main)
//   -- transaction: none                    (optional; default 'revision': one transaction per
//                                            revision; 'none': each statement commits on its own)
//   -- lint: waive TM201 <reason>           (optional, repeatable: a justified lint waiver)
//   -- +session mariadb                     (optional: session setup, SET/PRAGMA statements)
//   SET FOREIGN_KEY_CHECKS = 0;
//   -- +upgrade                             (every dialect)
//   CREATE VIEW v AS SELECT 1;  -- comments after ';' are fine
//   -- +upgrade sqlite                      (replaces the generic section on SQLite)
//   CREATE TRIGGER t AFTER INSERT ON x BEGIN SELECT 1; END;
//   -- +statement-begin                     (the rare statement the lexer cannot split)
//   …
//   -- +statement-end
//   -- +downgrade
//   DROP VIEW v;
//
// Sections are split into statements by core/graph/sql_lexer.h with each dialect's own rules
// (comments, quotes, dollar quotes, BEGIN … END bodies, MariaDB's DELIMITER). Each statement
// becomes one op.execute (without its terminator). A dialect section replaces the generic
// section of that direction for that dialect: generic statements carry Execute::skip = {dialects
// with their own section}; a dialect's statements carry that dialect's text only and skip every
// dialect that has SQL of its own. With no generic section, a dialect without a section of its
// own is NOT skipped: rendering for it fails ("revision needs SQL"). A direction with no section
// at all leaves Revision::upgrade/downgrade unset (no statements). `+session` sections follow the
// same replacement rule and fill Revision::session.
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
