#pragma once
// What the progress record keeps before a raw SQL statement runs where DDL commits implicitly
// (MariaDB), so that a later run can tell whether a statement left in doubt by a kill took effect.
//
//   data statement (INSERT, UPDATE, …)  nothing: it commits with its record, never in doubt
//   CREATE/ALTER/DROP TABLE|VIEW|INDEX,  "t1:<hash>" of the server's definitions of the tables and
//   RENAME TABLE, TRUNCATE               views it names (statement_targets.h): one SHOW CREATE each
//   anything else, or a backend that     the whole-schema fingerprint below (one pass over
//   cannot say                           information_schema, growing with the schema)
#include <optional>
#include <string>

#include "core/dialect.h"

namespace tsm {

// A short stable hash of a live schema: every table (bookkeeping included), column, index,
// foreign key and full-text object.
std::string schema_fingerprint(Connection& conn);

// What to record before `sql` runs (see the table above); "" when nothing is needed.
std::string fingerprint_before(Connection& conn, const std::string& sql);

// Whether the schema changed since `before` was recorded for `sql` (either kind, or a record of
// an older build, which held the whole-schema fingerprint); nullopt when it cannot be told
// (nothing recorded, or the statement no longer reads as naming its objects).
std::optional<bool> changed_since(Connection& conn, const std::string& sql, const std::string& before);

}  // namespace tsm
