#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "core/base/errors.h"
#include "core/graph/sql_unit.h"

using namespace tsm;
namespace fs = std::filesystem;

namespace {

// A fresh directory under the system temp dir, removed when the test ends.
struct TempDir {
  fs::path path;
  TempDir() {
    static std::atomic<int> counter{0};
    path = fs::temp_directory_path() /
           ("tsm_sql_unit_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(path / name, std::ios::binary) << text;
    return (path / name).string();
  }
};

// The statements a dialect would run: skipped Executes vanish, the rest must have SQL.
std::vector<std::string> statements_for(const std::vector<Operation>& ops, DialectKind d) {
  std::vector<std::string> out;
  for (const auto& op : ops) {
    const auto& e = std::get<Execute>(op);
    if (e.skips(d)) continue;
    auto sql = e.for_dialect(d);
    out.push_back(sql ? *sql : "<no SQL for " + std::string(dialect_name(d)) + ">");
  }
  return out;
}

std::string load_error(const TempDir& dir) {
  try {
    load_sql_units({dir.path.string()});
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

const char* const kBase = R"(-- revision: base0001
-- down_revision: none
-- message: reporting tables
-- +upgrade
CREATE TABLE report (
  id INTEGER PRIMARY KEY,
  title TEXT NOT NULL
);
-- a comment between statements
INSERT INTO report (id, title) VALUES (1, 'a');

-- +downgrade
DROP TABLE report;
)";

}  // namespace

TEST_CASE("sql unit: a base unit with headers, upgrade and downgrade", "[sql_unit]") {
  TempDir dir;
  std::string file = dir.write("0001_base.sql", kBase);
  auto revs = load_sql_units({dir.path.string()});
  REQUIRE(revs.size() == 1);
  const Revision& r = revs[0];
  CHECK(r.id == "base0001");
  CHECK(r.down_revisions.empty());
  CHECK(r.message == "reporting tables");
  CHECK(r.tree == "main");
  CHECK(r.origin == file + ":1");
  auto up = r.upgrade_ops();
  CHECK(statements_for(up, DialectKind::postgresql) ==
        std::vector<std::string>{"CREATE TABLE report (\n  id INTEGER PRIMARY KEY,\n  title TEXT NOT NULL\n)",
                                 "INSERT INTO report (id, title) VALUES (1, 'a')"});
  CHECK(statements_for(up, DialectKind::sqlite) == statements_for(up, DialectKind::mariadb));
  CHECK(statements_for(r.downgrade_ops(), DialectKind::sqlite) == std::vector<std::string>{"DROP TABLE report"});
}

TEST_CASE("sql unit: a merge unit with labels, dependencies and its own tree", "[sql_unit]") {
  TempDir dir;
  dir.write("0002_merge.sql",
            "-- a free comment before the headers\n"
            "-- revision: merge0002\n"
            "-- down_revision: aaaa1111, bbbb2222\n"
            "-- branch_labels: reporting, audit\n"
            "-- depends_on: cccc3333\n"
            "-- tree: plugin_x\n"
            "-- message:\n");
  dir.write("notes.txt", "-- revision: ignored\n");
  auto revs = load_sql_units({dir.path.string()});
  REQUIRE(revs.size() == 1);
  const Revision& r = revs[0];
  CHECK(r.id == "merge0002");
  CHECK(r.down_revisions == std::vector<std::string>{"aaaa1111", "bbbb2222"});
  CHECK(r.branch_labels == std::vector<std::string>{"reporting", "audit"});
  CHECK(r.depends_on == std::vector<std::string>{"cccc3333"});
  CHECK(r.tree == "plugin_x");
  CHECK(r.message.empty());
  CHECK(r.origin == (dir.path / "0002_merge.sql").string() + ":2");
  CHECK_FALSE(r.upgrade);  // no section: no statements, like a compiled merge
  CHECK_FALSE(r.downgrade);
  CHECK(r.upgrade_ops().empty());
}

TEST_CASE("sql unit: files load sorted by name, directories in order", "[sql_unit]") {
  TempDir a, b;
  a.write("b.sql", "-- revision: r_b\n-- down_revision: r_a\n");
  a.write("a.sql", "-- revision: r_a\n-- down_revision:\n");
  a.write("z.sql", "-- revision: r_z\n-- down_revision: None\n");
  b.write("c.sql", "-- revision: r_c\n-- down_revision: r_b\n");
  fs::create_directories(a.path / "nested.sql");  // a directory is not a unit
  auto revs = load_sql_units({b.path.string(), a.path.string()});
  REQUIRE(revs.size() == 4);
  CHECK(revs[0].id == "r_c");
  CHECK(revs[1].id == "r_a");
  CHECK(revs[1].down_revisions.empty());
  CHECK(revs[2].id == "r_b");
  CHECK(revs[2].down_revisions == std::vector<std::string>{"r_a"});
  CHECK(revs[3].id == "r_z");
  CHECK(revs[3].down_revisions.empty());
  CHECK(load_sql_units({}).empty());
}

TEST_CASE("sql unit: a dialect section replaces the generic one for that dialect only", "[sql_unit]") {
  TempDir dir;
  dir.write("u.sql", R"(-- revision: dial0001
-- down_revision: base0001
-- +upgrade
CREATE VIEW v AS SELECT 1 AS one;
CREATE INDEX ix_a ON report (title);
-- +upgrade sqlite
CREATE VIEW v AS SELECT 1 AS one;
-- +upgrade postgresql
CREATE VIEW v AS SELECT 1::int AS one;
CREATE INDEX ix_a ON report (title);
ANALYZE report;
-- +downgrade mariadb
DROP VIEW v;
-- +downgrade postgresql
-- +downgrade sqlite
DROP VIEW IF EXISTS v;
)");
  auto revs = load_sql_units({dir.path.string()});
  REQUIRE(revs.size() == 1);
  auto up = revs[0].upgrade_ops();
  CHECK(statements_for(up, DialectKind::mariadb) ==
        std::vector<std::string>{"CREATE VIEW v AS SELECT 1 AS one", "CREATE INDEX ix_a ON report (title)"});
  CHECK(statements_for(up, DialectKind::sqlite) == std::vector<std::string>{"CREATE VIEW v AS SELECT 1 AS one"});
  CHECK(statements_for(up, DialectKind::postgresql) ==
        std::vector<std::string>{"CREATE VIEW v AS SELECT 1::int AS one", "CREATE INDEX ix_a ON report (title)",
                                 "ANALYZE report"});
  // No generic downgrade: each dialect has its own section (postgresql's is empty on purpose).
  auto down = revs[0].downgrade_ops();
  CHECK(statements_for(down, DialectKind::mariadb) == std::vector<std::string>{"DROP VIEW v"});
  CHECK(statements_for(down, DialectKind::sqlite) == std::vector<std::string>{"DROP VIEW IF EXISTS v"});
  CHECK(statements_for(down, DialectKind::postgresql).empty());
}

TEST_CASE("sql unit: a dialect without SQL of its own is not silently skipped", "[sql_unit]") {
  auto r = parse_sql_unit("-- revision: only_pg\n-- +upgrade postgresql\nCREATE EXTENSION pg_trgm;\n", "x.sql");
  auto up = r.upgrade_ops();
  CHECK(statements_for(up, DialectKind::postgresql) == std::vector<std::string>{"CREATE EXTENSION pg_trgm"});
  CHECK(statements_for(up, DialectKind::sqlite) == std::vector<std::string>{"<no SQL for sqlite>"});
  CHECK(statements_for(up, DialectKind::mariadb) == std::vector<std::string>{"<no SQL for mariadb>"});
}

TEST_CASE("sql unit: statement blocks keep trigger bodies whole", "[sql_unit]") {
  auto r = parse_sql_unit(R"(-- revision: trig0001
-- down_revision: base0001
-- +upgrade sqlite
-- +statement-begin
CREATE TRIGGER report_ai AFTER INSERT ON report BEGIN
  INSERT INTO report_log (id) VALUES (new.id);
  UPDATE report SET title = trim(title) WHERE id = new.id;
END;
-- +statement-end
CREATE INDEX ix_b ON report (id);
-- +upgrade postgresql
-- +statement-begin
CREATE FUNCTION f() RETURNS trigger AS $$
BEGIN
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
-- +statement-end
-- +upgrade mariadb
SELECT 1;
)",
                          "t.sql");
  auto up = r.upgrade_ops();
  CHECK(statements_for(up, DialectKind::sqlite) ==
        std::vector<std::string>{"CREATE TRIGGER report_ai AFTER INSERT ON report BEGIN\n"
                                 "  INSERT INTO report_log (id) VALUES (new.id);\n"
                                 "  UPDATE report SET title = trim(title) WHERE id = new.id;\n"
                                 "END",
                                 "CREATE INDEX ix_b ON report (id)"});
  CHECK(statements_for(up, DialectKind::postgresql) ==
        std::vector<std::string>{"CREATE FUNCTION f() RETURNS trigger AS $$\nBEGIN\n  RETURN NEW;\nEND;\n$$ LANGUAGE plpgsql"});
  CHECK(statements_for(up, DialectKind::mariadb) == std::vector<std::string>{"SELECT 1"});
}

TEST_CASE("sql unit: CRLF line endings and comments inside statements", "[sql_unit]") {
  // Only a line ending in ';' ends a statement; a whole-line comment never does.
  auto r = parse_sql_unit("-- revision: crlf\r\n-- +upgrade\r\nSELECT 1 -- one\r\n  -- still inside;\r\n  , 2;\r\n",
                          "c.sql");
  CHECK(statements_for(r.upgrade_ops(), DialectKind::sqlite) ==
        std::vector<std::string>{"SELECT 1 -- one\n  -- still inside;\n  , 2"});
}

TEST_CASE("sql unit: malformed units name the file and line", "[sql_unit]") {
  struct Case {
    std::string text;
    std::string where;  // ":<line>: "
    std::string reason;
  };
  std::vector<Case> cases = {
      {"-- revison: abc\n", ":1: ", "unknown header 'revison'"},
      {"-- down_revision: none\n-- message: x\n", ":1: ", "missing '-- revision:' header"},
      {"-- revision:\n", ":1: ", "empty revision id"},
      {"-- revision: a\n-- revision: b\n", ":2: ", "header 'revision' given twice (first at line 1)"},
      {"-- revision: a\n-- down_revision: x,,y\n", ":2: ", "empty item in a comma list"},
      {"-- revision: a\n-- down_revision: none, x\n", ":2: ", "'none' cannot be combined"},
      {"-- revision: a\n-- +upgrade\nSELECT 1;\n-- message: late\n", ":4: ",
       "header 'message' after the first section: headers come first"},
      {"-- revision: a\nSELECT 1;\n", ":2: ", "SQL before the first '-- +upgrade', '-- +downgrade' or '-- +session' section"},
      {"-- revision: a\n-- +upgrade oracle\n", ":2: ", "unknown dialect 'oracle'"},
      {"-- revision: a\n-- +upgrade sqlite postgresql\n", ":2: ", "takes at most one dialect"},
      {"-- revision: a\n-- +sideways\n", ":2: ", "unknown directive '-- +sideways'"},
      {"-- revision: a\n-- +upgrade\nSELECT 1;\n-- +upgrade\n", ":4: ", "second '-- +upgrade' section (the first is at line 2)"},
      {"-- revision: a\n-- +upgrade\n-- +statement-begin\nCREATE TRIGGER x BEGIN SELECT 1; END;\n", ":3: ",
       "unclosed '-- +statement-begin'"},
      {"-- revision: a\n-- +upgrade\n-- +statement-begin\nSELECT 1;\n-- +downgrade\n", ":3: ",
       "unclosed '-- +statement-begin' (a new section starts at line 5)"},
      {"-- revision: a\n-- +upgrade\n-- +statement-end\n", ":3: ", "'-- +statement-end' without '-- +statement-begin'"},
      {"-- revision: a\n-- +upgrade\n-- +statement-begin\n-- +statement-end\n", ":3: ", "empty '-- +statement-begin' block"},
      {"-- revision: a\n-- +upgrade\nSELECT 1\n\nFROM t\n-- +downgrade\nSELECT 2;\n", ":3: ",
       "statement without a terminating ';' at the end of its section"},
      {"-- revision: a\n-- +downgrade\nDROP TABLE t", ":3: ", "statement without a terminating ';' at the end of its section"},
      {"-- revision: a\n-- +upgrade\nSELECT 'x;\n", ":3: ", "unterminated string literal"},
      {"-- revision: a\n-- transaction: maybe\n", ":2: ", "expected 'revision' (the default"},
      {"-- revision: a\n-- +upgrade sqlite\nCREATE TRIGGER t AFTER INSERT ON x BEGIN SELECT 1;\n", ":3: ",
       "unclosed BEGIN … END body"},
      {"-- revision: a\n-- +upgrade\nSELECT 1; -- fine\nDELIMITER //\nSELECT 2//\n", ":4: ",
       "as sqlite reads the generic section; give sqlite a section of its own"},
      {"-- revision: a\n-- +statement-begin\n", ":2: ", "'-- +statement-begin' before the first"},
  };
  for (const auto& c : cases) {
    INFO(c.text);
    TempDir dir;
    std::string file = dir.write("bad.sql", c.text);
    std::string message = load_error(dir);
    CHECK_THAT(message, Catch::StartsWith(file + c.where));
    CHECK_THAT(message, Catch::Contains(c.reason));
  }
}

TEST_CASE("sql unit: a missing directory is a usage error naming it", "[sql_unit]") {
  TempDir dir;
  std::string missing = (dir.path / "nope").string();
  CHECK_THROWS_WITH(load_sql_units({missing}), "--revisions-dir " + missing + ": no such directory");
  std::string file = dir.write("plain.sql", "-- revision: x\n");
  CHECK_THROWS_AS(load_sql_units({file}), UsageError);
}

TEST_CASE("sql unit: a comment after the last statement of a section does not break loading", "[sql_unit]") {
  // Issue 12.1: "SELECT 1; -- comment" as the last line of a section failed to load, and in the
  // middle of one sent two statements as one.
  auto r = parse_sql_unit("-- revision: cmt\n-- +upgrade\nCREATE TABLE a (id INT); -- the first\n"
                          "CREATE TABLE b (id INT); -- the last\n-- +downgrade\nDROP TABLE b; DROP TABLE a; -- both\n",
                          "c.sql");
  for (auto d : {DialectKind::sqlite, DialectKind::postgresql, DialectKind::mariadb}) {
    CHECK(statements_for(r.upgrade_ops(), d) == std::vector<std::string>{"CREATE TABLE a (id INT)", "CREATE TABLE b (id INT)"});
    CHECK(statements_for(r.downgrade_ops(), d) == std::vector<std::string>{"DROP TABLE b", "DROP TABLE a"});
  }
}

TEST_CASE("sql unit: a generic section read differently by the dialects runs each reading", "[sql_unit]") {
  auto r = parse_sql_unit("-- revision: gen\n-- +upgrade\nSELECT 1 # hash; SELECT 2\n;\n", "g.sql");
  auto up = r.upgrade_ops();
  CHECK(statements_for(up, DialectKind::mariadb) == std::vector<std::string>{"SELECT 1"});
  CHECK(statements_for(up, DialectKind::postgresql) == std::vector<std::string>{"SELECT 1 # hash", "SELECT 2"});
  CHECK(statements_for(up, DialectKind::sqlite) == std::vector<std::string>{"SELECT 1 # hash", "SELECT 2"});
}

TEST_CASE("sql unit: routines with and without DELIMITER in a MariaDB section", "[sql_unit]") {
  auto r = parse_sql_unit(R"(-- revision: rout
-- +upgrade mariadb
CREATE PROCEDURE a() BEGIN SELECT 1; SELECT 2; END;
DELIMITER $$
CREATE FUNCTION f() RETURNS INT DETERMINISTIC BEGIN RETURN 1; END $$
DELIMITER ;
CALL a(); # done
)",
                          "r.sql");
  CHECK(statements_for(r.upgrade_ops(), DialectKind::mariadb) ==
        std::vector<std::string>{"CREATE PROCEDURE a() BEGIN SELECT 1; SELECT 2; END",
                                 "CREATE FUNCTION f() RETURNS INT DETERMINISTIC BEGIN RETURN 1; END", "CALL a()"});
}

TEST_CASE("sql unit: transaction header and session sections", "[sql_unit]") {
  auto r = parse_sql_unit(R"(-- revision: sess
-- transaction: none
-- +session sqlite
PRAGMA foreign_keys = OFF;
-- +session mariadb
SET FOREIGN_KEY_CHECKS = 0, @x = 1;
-- +upgrade
SELECT 1;
)",
                          "s.sql");
  CHECK_FALSE(r.transactional);
  std::vector<Operation> session(r.session.begin(), r.session.end());
  CHECK(statements_for(session, DialectKind::sqlite) == std::vector<std::string>{"PRAGMA foreign_keys = OFF"});
  CHECK(statements_for(session, DialectKind::mariadb) == std::vector<std::string>{"SET FOREIGN_KEY_CHECKS = 0, @x = 1"});
  // PostgreSQL has no session section and no generic one: its statements are absent or lack SQL.
  for (const auto& e : r.session) CHECK_FALSE(e.for_dialect(DialectKind::postgresql));
  CHECK(parse_sql_unit("-- revision: dflt\n-- transaction: revision\n", "d.sql").transactional);
  CHECK(parse_sql_unit("-- revision: dflt\n", "d.sql").transactional);
}
