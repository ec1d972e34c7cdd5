#pragma once
// Internal to core/lint: raw SQL as tokens, with comments gone and literals opaque, so that no
// rule ever fires on text inside a comment or a string.
#include <string>
#include <vector>

namespace tsm::lint {

struct Token {
  enum class Kind { word, identifier, literal, number, punct } kind;
  std::string text;  // word: upper-cased; identifier: unquoted name; literal: empty; punct: the char
  std::string raw;   // word: as written (table names keep their case); otherwise = text
};

// '…' (with '', and backslash escapes on MariaDB), E'…', $tag$…$tag$
// become one literal token; "…" and `…` one identifier token; -- … and /* … */ (nested, as in
// PostgreSQL) and, on MariaDB, # … vanish. An unterminated literal or comment runs to the end.
std::vector<Token> tokenize(const std::string& sql, bool mariadb = false);

// Statements split on top-level ';'. A CREATE TRIGGER … BEGIN … END body stays one statement.
std::vector<std::vector<Token>> split_statements(const std::vector<Token>& tokens);

}  // namespace tsm::lint
