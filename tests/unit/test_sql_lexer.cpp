#include <catch2/catch.hpp>

#include "core/graph/sql_lexer.h"

using namespace tsm;

namespace {

std::vector<std::string> split(const std::string& text, DialectKind d) {
  std::vector<std::string> out;
  for (auto& st : split_sql(text, d)) out.push_back(st.sql);
  return out;
}

std::string error_of(const std::string& text, DialectKind d, int* line = nullptr) {
  try {
    split_sql(text, d, 10);
  } catch (const SqlSyntaxError& e) {
    if (line) *line = e.line;
    return e.what();
  }
  return "";
}

using V = std::vector<std::string>;
constexpr auto kSqlite = DialectKind::sqlite;
constexpr auto kPg = DialectKind::postgresql;
constexpr auto kMaria = DialectKind::mariadb;

}  // namespace

TEST_CASE("sql lexer: a comment after the terminator belongs to no statement", "[sql_lexer]") {
  for (auto d : {kSqlite, kPg, kMaria}) {
    CHECK(split("CREATE TABLE a (id INT); -- first\nCREATE TABLE b (id INT); -- last of its section\n", d) ==
          V{"CREATE TABLE a (id INT)", "CREATE TABLE b (id INT)"});
    CHECK(split("SELECT 1 /* one; two */ + 1 ; SELECT 2;", d) == V{"SELECT 1 /* one; two */ + 1", "SELECT 2"});
    CHECK(split("-- only a comment; really\n", d).empty());
    CHECK(split("SELECT 1;;\n;SELECT 2;", d) == V{"SELECT 1", "SELECT 2"});  // empty statements vanish
  }
  // Trailing comments before the terminator are not part of the statement (a rendered ';' would
  // otherwise land inside them).
  CHECK(split("SELECT 1 -- why\n;", kPg) == V{"SELECT 1"});
}

TEST_CASE("sql lexer: statements end where text ends only with their terminator", "[sql_lexer]") {
  int line = 0;
  CHECK(error_of("SELECT 1;\n\nSELECT 2 -- no terminator; here\n", kPg, &line) ==
        "statement without a terminating ';' at the end of its section");
  CHECK(line == 12);
  CHECK(error_of("SELECT 'abc;\n", kSqlite, &line) == "unterminated string literal (opened here)");
  CHECK(line == 10);
  CHECK(error_of("SELECT 1 /* open\n", kMaria) == "unterminated /* comment");
  CHECK(error_of("SELECT $x$ body;\n", kPg) == "unterminated dollar-quoted string $x$");
  CHECK(error_of("SELECT \"abc;\n", kPg) == "unterminated quoted identifier (opened here)");
}

TEST_CASE("sql lexer: quotes follow each dialect's escapes", "[sql_lexer]") {
  // '' doubles everywhere; a backslash escapes only on MariaDB (and in PostgreSQL E'…').
  CHECK(split("SELECT 'it''s; fine'; SELECT 2;", kSqlite) == V{"SELECT 'it''s; fine'", "SELECT 2"});
  CHECK(split(R"(SELECT 'a\'; b'; SELECT 2;)", kMaria) == V{R"(SELECT 'a\'; b')", "SELECT 2"});
  CHECK(split(R"(SELECT 'a\'; SELECT 2;)", kPg) == V{R"(SELECT 'a\')", "SELECT 2"});
  CHECK(split(R"(SELECT E'a\'; b'; SELECT 2;)", kPg) == V{R"(SELECT E'a\'; b')", "SELECT 2"});
  CHECK(split(R"(SELECT "x;y", `p;q`; SELECT 2;)", kMaria) == V{R"(SELECT "x;y", `p;q`)", "SELECT 2"});
  CHECK(split("SELECT [a;b] FROM t; SELECT 2;", kSqlite) == V{"SELECT [a;b] FROM t", "SELECT 2"});
}

TEST_CASE("sql lexer: comment syntax is per dialect", "[sql_lexer]") {
  // '#' starts a comment on MariaDB only; '--' needs a space after it on MariaDB.
  CHECK(split("SELECT 1 # one; two\n; SELECT 2;", kMaria) == V{"SELECT 1", "SELECT 2"});
  CHECK(split("SELECT 5 #- 1; SELECT 2;", kPg) == V{"SELECT 5 #- 1", "SELECT 2"});
  CHECK(split("SELECT 5--1;\nSELECT 2;", kMaria) == V{"SELECT 5--1", "SELECT 2"});
  CHECK(split("SELECT 5--1;\nSELECT 2;", kPg) == V{"SELECT 5--1;\nSELECT 2"});  // "--1;" is a comment
  // Nested block comments on PostgreSQL only.
  CHECK(split("SELECT 1 /* a /* b */ ; c */ + 1; SELECT 2;", kPg) == V{"SELECT 1 /* a /* b */ ; c */ + 1", "SELECT 2"});
  CHECK(split("SELECT 1 /* a /* b */ + 1; SELECT 2;", kSqlite) == V{"SELECT 1 /* a /* b */ + 1", "SELECT 2"});
  // A MariaDB executable comment is SQL.
  CHECK(split("/*!40101 SET NAMES utf8mb4 */;\nSELECT 2;", kMaria) == V{"/*!40101 SET NAMES utf8mb4 */", "SELECT 2"});
}

TEST_CASE("sql lexer: PostgreSQL dollar quotes with and without tags nest", "[sql_lexer]") {
  const std::string fn =
      "CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $body$\n"
      "BEGIN\n  PERFORM $$ inner; text $$;\n  RETURN 1;\nEND;\n$body$";
  CHECK(split(fn + ";\nDO $$ BEGIN RAISE NOTICE 'x;'; END $$;\nSELECT $1::int, a$b$c FROM t;", kPg) ==
        V{fn, "DO $$ BEGIN RAISE NOTICE 'x;'; END $$", "SELECT $1::int, a$b$c FROM t"});
}

TEST_CASE("sql lexer: trigger and routine bodies stay whole", "[sql_lexer]") {
  const std::string trig =
      "CREATE TRIGGER t_ai AFTER INSERT ON t WHEN CASE WHEN new.x > 0 THEN 1 END BEGIN\n"
      "  INSERT INTO log VALUES (new.id, CASE new.x WHEN 1 THEN 'a' ELSE 'b' END);\n"
      "  UPDATE t SET y = 1 WHERE id = new.id;\nEND";
  CHECK(split(trig + ";\nCREATE INDEX ix ON t (y);", kSqlite) == V{trig, "CREATE INDEX ix ON t (y)"});
  const std::string proc =
      "CREATE DEFINER=`root`@`localhost` PROCEDURE p(IN n INT)\n"
      "BEGIN\n"
      "  DECLARE i INT DEFAULT 0;\n"
      "  lbl: WHILE i < n DO\n"
      "    IF i % 2 = 0 THEN INSERT INTO t VALUES (i); ELSE BEGIN SET i = i; END; END IF;\n"
      "    CASE i WHEN 3 THEN SET i = i + 1; ELSE BEGIN END; END CASE;\n"
      "    REPEAT SET i = i + 1; UNTIL i > 0 END REPEAT;\n"
      "  END WHILE lbl;\n"
      "  DROP TABLE IF EXISTS scratch;\n"
      "END";
  CHECK(split(proc + ";\nCALL p(3);", kMaria) == V{proc, "CALL p(3)"});
  CHECK(split("BEGIN NOT ATOMIC SELECT 1; SELECT 2; END;\nSELECT 3;", kMaria) ==
        V{"BEGIN NOT ATOMIC SELECT 1; SELECT 2; END", "SELECT 3"});
  CHECK(split("CREATE FUNCTION f() RETURNS int BEGIN ATOMIC SELECT 1; END;\nSELECT 2;", kPg) ==
        V{"CREATE FUNCTION f() RETURNS int BEGIN ATOMIC SELECT 1; END", "SELECT 2"});
  // A table named like a routine keyword, a CASE in a view: plain statements.
  CHECK(split("CREATE TABLE event (x INT); CREATE VIEW v AS SELECT CASE WHEN 1 THEN 2 END AS c; SELECT 1;", kMaria) ==
        V{"CREATE TABLE event (x INT)", "CREATE VIEW v AS SELECT CASE WHEN 1 THEN 2 END AS c", "SELECT 1"});
  // A transaction BEGIN is a statement of its own.
  CHECK(split("BEGIN; SELECT 1; COMMIT;", kSqlite) == V{"BEGIN", "SELECT 1", "COMMIT"});
  int line = 0;
  CHECK(error_of("SELECT 0;\nCREATE TRIGGER x AFTER INSERT ON t BEGIN SELECT 1;\n", kSqlite, &line) ==
        "unclosed BEGIN … END body (a compound statement needs its END and the terminator after it)");
  CHECK(line == 11);
}

TEST_CASE("sql lexer: DELIMITER on MariaDB reads as the mariadb client reads it", "[sql_lexer]") {
  const std::string text =
      "DELIMITER //\n"
      "CREATE PROCEDURE p() BEGIN SELECT 1; SELECT ';'; END//\n"
      "CREATE TRIGGER t_bi BEFORE INSERT ON t FOR EACH ROW SET NEW.x = 1//\n"
      "delimiter ;\n"
      "CALL p();\n"
      "DELIMITER $$\n"
      "SELECT 2 $$\n"
      "  DELIMITER ;\n"
      "SELECT 3;\n";
  CHECK(split(text, kMaria) == V{"CREATE PROCEDURE p() BEGIN SELECT 1; SELECT ';'; END",
                                 "CREATE TRIGGER t_bi BEFORE INSERT ON t FOR EACH ROW SET NEW.x = 1", "CALL p()",
                                 "SELECT 2", "SELECT 3"});
  // Only at the start of a statement, on its own line, with exactly one delimiter.
  CHECK(error_of("DELIMITER\n", kMaria) == "DELIMITER without a delimiter");
  CHECK(error_of("DELIMITER // x\n", kMaria) == "DELIMITER takes one delimiter and nothing after it on its line");
  int line = 0;
  CHECK(error_of("DELIMITER //\nSELECT 1;\n", kMaria, &line) ==
        "statement without the terminating '//' (DELIMITER) at the end of its section");
  CHECK(line == 11);
  // Elsewhere DELIMITER is not a directive.
  CHECK(error_of("DELIMITER //\nSELECT 1//\n", kPg) == "statement without a terminating ';' at the end of its section");
}
