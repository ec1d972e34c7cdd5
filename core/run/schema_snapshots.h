#pragma once
// `check` for trees whose revisions run raw SQL (SQL units, Execute) that may change the compared
// schema (core/recovery/schema_sql.h): what such SQL produces is known only by looking, so each
// applied step records the tree's schema in turnstone_migrate_schema_snapshot
// (core/recovery/schema_snapshot.h) and `check` compares the live schema with it. Trees whose raw
// SQL cannot change the compared schema keep nothing and are checked from their operations.
//
// What is recorded is the schema the revisions produced, not merely the live schema: a step
// records the live schema after it, except that objects the step did not touch keep the form
// the previous snapshot gave them. So a hand-made change (drift) made between two runs stays
// drift after the next upgrade instead of becoming part of the snapshot — unless the step changes
// that same object (a column, an index, …) again, in which case the step's result counts.
//
// Which tables are a tree's: every table of its database except the bookkeeping tables and those
// other trees claim (tables their operations create, tables in their snapshots). On PostgreSQL
// and MariaDB all trees share one database; raw SQL of one tree that alters another tree's table
// is drift for that other tree (docs/check.md).
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/recovery/schema_snapshot.h"
#include "core/run/workspace.h"

namespace tsm {

// Revisions applied at `rows` (the tree's own, known to this build) whose upgrade runs raw SQL
// that may change the compared schema on `dialect`, oldest first. Empty: the operations describe
// the tree's schema at `rows`.
std::vector<std::string> schema_sql_revisions(const Workspace& ws, const std::string& tree,
                                              const std::vector<std::string>& rows, DialectKind dialect);

// The tree's part of the live schema: the database's tables without bookkeeping tables and without
// tables another tree claims (unless `also_own` names them too).
SchemaDescription live_schema_of(const Workspace& ws, Connection& conn, const std::string& tree,
                                 const SchemaDescription* also_own = nullptr);

// What the revisions applied at `rows` produce, in the dialect's compared terms: from the
// operations alone when no applied revision runs schema SQL; else from `snapshot`, adjusted by the
// operations of revisions it does not cover when they run no schema SQL. Nothing when that cannot
// be known (no snapshot; revisions that run schema SQL applied without one: `stamp`, an older
// build, an offline --sql script): `why_not` says why, `remedy` how to get out (detail lines).
struct Expectation {
  std::optional<SchemaDescription> schema;
  std::string why_not;
  std::string remedy;
};
Expectation expected_schema(const Workspace& ws, const Dialect& dialect, const std::string& tree,
                            const std::vector<std::string>& rows, const std::optional<SchemaSnapshot>& snapshot);

// Keeps one tree's snapshot during a write command (lives in its TreeSession).
class SnapshotKeeper {
 public:
  // Nothing (nullptr) for a tree none of whose revisions runs schema SQL on this dialect. Else
  // creates the table (outside any transaction) and remembers the live schema as the command finds
  // it; `live_settled` false when a revision left incomplete (MariaDB) makes that a half-way state.
  static std::unique_ptr<SnapshotKeeper> open(const Workspace& ws, Connection& conn, const std::string& tree,
                                              bool live_settled);

  // After a step's statements, inside the transaction of its version-table change: records the
  // schema the revisions at `rows_after` produce (or forgets it when the operations describe it).
  void after_step(const std::vector<std::string>& rows_before, const std::vector<std::string>& rows_after);

  // `stamp --adopt-schema`: the live schema, as it is, is what the revisions at `rows` produce.
  void adopt(const std::vector<std::string>& rows);

 private:
  SnapshotKeeper(const Workspace& ws, Connection& conn, std::string tree);
  void record(const std::vector<std::string>& rows, const SchemaDescription& schema);

  const Workspace& ws_;
  Connection& conn_;
  std::string tree_;
  std::optional<SchemaDescription> live_;   // live schema when the last step ended (or the command began)
  std::optional<SchemaSnapshot> recorded_;  // what this command recorded last
};

// `stamp --adopt-schema`: for each tree (under its lock), the live schema becomes the snapshot of
// its current version rows. Returns the trees that keep a snapshot (the others are checked from
// their operations and have nothing to adopt).
std::vector<std::string> adopt_live_schema(const Workspace& ws, const std::vector<std::string>& trees);

}  // namespace tsm
