#pragma once
// Splits the SQL of a unit's section into statements, reading it as the dialect's own client
// would: a ';' ends a statement only outside comments, quotes, dollar quotes and the BEGIN … END
// body of a trigger or stored routine, and on MariaDB the DELIMITER directive changes the
// terminator exactly as the `mariadb` client reads it. The rules per dialect:
//
//   comments        -- … (MariaDB: only when followed by a space or control character),
//                   /* … */ (nested on PostgreSQL), # … (MariaDB)
//   quotes          '…' with '' doubled (MariaDB also \-escapes; PostgreSQL E'…' too),
//                   "…" and `…` (SQLite also […]); $tag$ … $tag$ (PostgreSQL)
//   compound bodies CREATE … TRIGGER|PROCEDURE|FUNCTION|EVENT … BEGIN … END, BEGIN NOT ATOMIC …
//                   END (MariaDB), BEGIN ATOMIC … END (PostgreSQL); CASE … END nests inside;
//                   END IF / END LOOP / END WHILE / END REPEAT close blocks that opened
//                   without BEGIN and do not count
//   DELIMITER x     MariaDB, at the start of a statement: statements end with x until
//                   DELIMITER ; (x is not part of the statement)
#include <stdexcept>
#include <string>
#include <vector>

#include "core/base/types.h"

namespace tsm {

struct SqlStatementText {
  std::string sql;  // from its first significant character to its last, terminator excluded
  int line = 0;     // the line it starts on
};

// A lexical error (unterminated quote or comment, a statement without its terminator, an
// unclosed BEGIN … END body) at `line`.
struct SqlSyntaxError : std::runtime_error {
  SqlSyntaxError(int line, const std::string& why) : std::runtime_error(why), line(line) {}
  int line;
};

// The statements of `text`, whose first line is `first_line`. Comments between statements are
// dropped, comments inside a statement stay. Empty statements (";;") are skipped.
// `compound_bodies` false: a ';' inside a BEGIN … END body ends the statement too, as the
// `mariadb` client reads a script without DELIMITER (for --sql output).
std::vector<SqlStatementText> split_sql(const std::string& text, DialectKind dialect, int first_line = 1,
                                        bool compound_bodies = true);

}  // namespace tsm
