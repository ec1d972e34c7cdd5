#pragma once
// Which raw SQL (Execute operations, every statement of a SQL unit) may change the schema that
// `check` compares: tables, columns, keys, indexes, full-text objects. Operations tell the schema
// model what they do; raw SQL does not, so the trees whose revisions run such SQL are checked
// against a recorded schema snapshot instead (core/run/schema_snapshots.h, docs/check.md).
//
// Data statements (INSERT, UPDATE, WITH … , SELECT, SET …) and DDL on objects introspection does
// not describe (views, triggers, routines, policies, roles, temporary tables…) leave the
// compared schema alone: a tree whose raw SQL is only of those kinds — Turnstone's own trees —
// is still checked from its operations alone, as before. Anything not recognised counts as
// schema SQL (CALL, DO, EXECUTE, an unknown keyword): a needless snapshot costs little, a
// missing one makes `check` report what the SQL created as drift.
// Known blind spot: a SELECT that calls a function which runs DDL is taken as a data statement.
#include <string>

#include "core/base/types.h"
#include "core/graph/revision.h"

namespace tsm {

// Whether one statement may change the compared schema when it runs on `dialect`.
bool may_change_compared_schema(const std::string& sql, DialectKind dialect);

// Whether the revision's upgrade runs such a statement on `dialect`.
bool runs_schema_sql(const Revision& revision, DialectKind dialect);

}  // namespace tsm
