#pragma once
// One normal form for declared types and column defaults, used by both describe() (expected
// schema) and introspection (live schema), so the two compare equal for the same schema.
//
// Types:    lower case, whitespace collapsed, no space before '(' ("VARCHAR (64)" → "varchar(64)").
// Defaults: outer parentheses stripped; string literals re-quoted with single quotes (a
//           double-quoted default is a string in SQLite); numbers canonical (1.0 → 1, +5 → 5,
//           1e3 → 1000); TRUE/FALSE → 1/0; CURRENT_TIMESTAMP/DATE/TIME upper case; NULL → none.
#include <string>

namespace tsm::sqlite {

std::string normalize_type(const std::string& declared);
std::string normalize_default(const std::string& sql);

// SQL string literal with single quotes doubled. NUL characters are rejected by the caller.
std::string quote_string(const std::string& text);
// Canonical text of a double (shortest round trip, always with '.' or an exponent).
std::string double_sql(double value);

}  // namespace tsm::sqlite
