// fuzz_split_sql: split_sql on arbitrary text. The first byte picks how (its value mod 4):
// SQLite, PostgreSQL, MariaDB, or MariaDB without compound bodies (how --sql output for MariaDB
// is read); the rest is the text. One reading per run keeps runs cheap: ten million runs give each
// of the four about 2.5 million.
//
// Invariants: an error is a SqlSyntaxError whose line lies within the text; otherwise every
// statement is non-empty, starts and ends with a non-space character, and occurs in the text
// after the previous one, at or after the line it reports. SQLite and PostgreSQL (with compound
// bodies): a statement ended with ";\n" reads back as that one statement (what --sql prints is
// what the client runs).
#include <string>
#include <vector>

#include "core/graph/sql_lexer.h"
#include "tests/fuzz/harness.h"

namespace tsm::fuzz {
namespace {

constexpr int kFirstLine = 7;  // not 1: line numbers are offsets from the section's first line

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

void split_and_check(const std::string& text, DialectKind dialect, bool compound_bodies, int last_line) {
  const std::string where = std::string(dialect_name(dialect)) + (compound_bodies ? "" : " (no compound bodies)");
  std::vector<SqlStatementText> statements;
  try {
    statements = split_sql(text, dialect, kFirstLine, compound_bodies);
  } catch (const SqlSyntaxError& e) {
    TSM_FUZZ_CHECK(e.line >= kFirstLine && e.line <= last_line, where + ": error line " + std::to_string(e.line));
    return;
  }
  std::size_t from = 0;
  int line = kFirstLine;
  int min_line = kFirstLine;
  for (const auto& st : statements) {
    TSM_FUZZ_CHECK(!st.sql.empty(), where + ": empty statement");
    TSM_FUZZ_CHECK(!is_space(st.sql.front()) && !is_space(st.sql.back()), where + ": untrimmed '" + st.sql + "'");
    const std::size_t pos = text.find(st.sql, from);
    TSM_FUZZ_CHECK(pos != std::string::npos, where + ": '" + st.sql + "' is not in the text after the previous one");
    for (; from < pos; ++from)
      if (text[from] == '\n') ++line;
    // The statement starts at pos or later: its line is at least the line of pos.
    TSM_FUZZ_CHECK(st.line >= line && st.line >= min_line && st.line <= last_line,
                   where + ": '" + st.sql + "' reports line " + std::to_string(st.line));
    min_line = st.line;
    for (; from < pos + st.sql.size(); ++from)
      if (text[from] == '\n') ++line;
    if (compound_bodies && dialect != DialectKind::mariadb) {
      std::vector<SqlStatementText> again;
      try {
        again = split_sql(st.sql + ";\n", dialect, 1, true);
      } catch (const SqlSyntaxError& e) {
        TSM_FUZZ_CHECK(false, where + ": '" + st.sql + ";' does not read back: " + e.what());
      }
      TSM_FUZZ_CHECK(again.size() == 1 && again[0].sql == st.sql,
                     where + ": '" + st.sql + ";' reads back as " + std::to_string(again.size()) + " statement(s)");
    }
  }
}

}  // namespace

int fuzz_split_sql(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  int last_line = kFirstLine;
  for (char c : text)
    if (c == '\n') ++last_line;
  static const DialectKind kDialects[] = {DialectKind::sqlite, DialectKind::postgresql, DialectKind::mariadb,
                                          DialectKind::mariadb};
  const unsigned pick = data[0] % 4;
  split_and_check(text, kDialects[pick], /*compound_bodies=*/pick != 3, last_line);
  return 0;
}

}  // namespace tsm::fuzz
