#pragma once
// A schema fingerprint: the live schema as introspected by the dialect, rendered to stable text
// (tables, columns, primary keys, indexes, foreign keys, full-text objects; sorted where order
// carries no meaning). Two databases with equal fingerprints have the same schema as far as
// `check` can see. Version and bookkeeping tables are left out.
#include <string>

#include "core/dialect.h"
#include "core/model/schema.h"
#include "tests/support/test_db.h"

namespace tsm::test {

// Stable text of a schema description, one line per object.
std::string render_fingerprint(const SchemaDescription& schema);

// Introspects the connection's database, without the turnstone_* version/bookkeeping tables.
std::string schema_fingerprint(Connection& conn);

// A test database's fingerprint; on SQLite it also covers the context tree's own file
// (<stem>-context.db beside the main file) when that file exists.
std::string database_fingerprint(const TestDatabase& db);

}  // namespace tsm::test
