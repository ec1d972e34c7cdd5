// What copy needs from the pure SQLite dialect: canonical values and identities.
// SQLite stores values untyped: what a column holds is whatever was written, and query() returns
// it as text (REAL lossless, see sqlite_connection.cpp; BLOB as its bytes). The shared parsers
// accept every form Turnstone and its users wrote: timestamps with ' ' or 'T', with or without
// fractional seconds, 'Z' or an offset; booleans 0/1 (or true/false text); integral REALs.
#include "core/base/canonical.h"
#include "dialects/sqlite/sqlite_dialect.h"

namespace tsm::sqlite {

std::optional<std::string> SqliteDialect::canonical(const ColumnType& type, const std::optional<std::string>& raw) const {
  if (!raw) return raw;
  return canonical::value(type.kind, *raw);
}

// An AUTOINCREMENT column's sqlite_sequence row follows the largest id inserted, explicit or not.
std::vector<std::string> SqliteDialect::reset_identity_sql(const std::string& table, const std::string& column) const {
  (void)quote(table);  // validates the names
  (void)quote(column);
  return {};
}

}  // namespace tsm::sqlite
