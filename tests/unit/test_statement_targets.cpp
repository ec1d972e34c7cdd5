// Reading raw SQL for the progress record (core/recovery/statement_targets): which statements
// commit with their record, and which objects a DDL statement names. Both must err only towards
// "don't know" (the caller then takes the general path): a DDL statement read as data would
// lose the fingerprint that judges it after a kill, and a wrong target would judge the wrong object.
#include <catch2/catch.hpp>

#include "core/recovery/statement_targets.h"

using namespace tsm;

namespace {

std::vector<ObjectName> targets(const std::string& sql) {
  auto t = ddl_targets(sql);
  REQUIRE(t);
  return *t;
}

}  // namespace

TEST_CASE("statement targets: data statements commit with their record", "[recovery]") {
  for (const char* sql : {"INSERT INTO t (a) VALUES (1)", "insert into t select * from u", "UPDATE t SET a = 1",
                          "DELETE FROM t WHERE a = 1", "REPLACE INTO t VALUES (1)", "SELECT SLEEP(2)",
                          "(SELECT 1)", "WITH x AS (SELECT 1) SELECT * FROM x", "-- why\nINSERT INTO t VALUES (1)",
                          "/* plain comment */ DELETE FROM t", "# MariaDB comment\nUPDATE t SET a = 2"}) {
    INFO(sql);
    CHECK(commits_with_record(sql));
  }
}

TEST_CASE("statement targets: anything else is not data, executable comments included", "[recovery]") {
  for (const char* sql : {"CREATE TABLE t AS SELECT 1", "CREATE TABLE t (a INT)", "ALTER TABLE t ADD b INT",
                          "SET autocommit = 1", "CALL refresh()", "DO 1", "TRUNCATE t", "LOCK TABLES t WRITE",
                          "/*!50000 CREATE TABLE x (a INT) */", "/*!50000 DELETE */ FROM t",
                          "INSERT /*M!100000 x */ INTO t VALUES (1)", "--x\nINSERT INTO t VALUES (1)", "", "(("}) {
    INFO(sql);
    CHECK_FALSE(commits_with_record(sql));
  }
}

TEST_CASE("statement targets: CREATE names its table, view or the index's table", "[recovery]") {
  CHECK(targets("CREATE TABLE bench_1 (id INTEGER NOT NULL PRIMARY KEY)") == std::vector<ObjectName>{{"bench_1"}});
  CHECK(targets("create or replace temporary table if not exists `a``b`.`c` (x int)") ==
        std::vector<ObjectName>{{"a`b", "c"}});
  CHECK(targets("CREATE TABLE Mixed_Case LIKE other") == std::vector<ObjectName>{{"Mixed_Case"}});
  CHECK(targets("CREATE INDEX ix_a ON bench_1 (name)") == std::vector<ObjectName>{{"bench_1"}});
  CHECK(targets("CREATE UNIQUE INDEX IF NOT EXISTS ix USING BTREE ON db.t (a)") ==
        std::vector<ObjectName>{{"db", "t"}});
  CHECK(targets("CREATE FULLTEXT INDEX ft ON docs (body)") == std::vector<ObjectName>{{"docs"}});
  CHECK(targets("CREATE ALGORITHM=MERGE DEFINER=`tsm`@`%` SQL SECURITY INVOKER VIEW v AS SELECT 1") ==
        std::vector<ObjectName>{{"v"}});
  CHECK(targets("CREATE OR REPLACE DEFINER='u'@'h' VIEW v2 AS SELECT 1") == std::vector<ObjectName>{{"v2"}});
  CHECK(targets("CREATE DEFINER=CURRENT_USER() VIEW \"v3\" AS SELECT 1") == std::vector<ObjectName>{{"v3"}});
  CHECK(targets("-- a comment first\nCREATE TABLE x2 (a INT);") == std::vector<ObjectName>{{"x2"}});
}

TEST_CASE("statement targets: ALTER, DROP, RENAME and TRUNCATE name what they change", "[recovery]") {
  CHECK(targets("ALTER TABLE bench_1 ADD COLUMN note VARCHAR(100)") == std::vector<ObjectName>{{"bench_1"}});
  // A rename shows as the old name gone.
  CHECK(targets("ALTER ONLINE IGNORE TABLE IF EXISTS t RENAME TO u") == std::vector<ObjectName>{{"t"}});
  CHECK(targets("ALTER VIEW v AS SELECT 2") == std::vector<ObjectName>{{"v"}});
  CHECK(targets("DROP TABLE a, `b`, c.d") == std::vector<ObjectName>{{"a"}, {"b"}, {"c", "d"}});
  CHECK(targets("DROP TEMPORARY TABLE IF EXISTS a WAIT 5 CASCADE") == std::vector<ObjectName>{{"a"}});
  CHECK(targets("DROP VIEW IF EXISTS v1, v2") == std::vector<ObjectName>{{"v1"}, {"v2"}});
  CHECK(targets("DROP INDEX IF EXISTS ix ON t") == std::vector<ObjectName>{{"t"}});
  CHECK(targets("RENAME TABLE a TO b, c WAIT 3 TO d") == std::vector<ObjectName>{{"a"}, {"b"}, {"c"}, {"d"}});
  CHECK(targets("TRUNCATE TABLE t") == std::vector<ObjectName>{{"t"}});
  CHECK(targets("TRUNCATE t2") == std::vector<ObjectName>{{"t2"}});
}

TEST_CASE("statement targets: other statements and unknown forms have none", "[recovery]") {
  for (const char* sql : {"CREATE TRIGGER tr BEFORE INSERT ON x FOR EACH ROW SET NEW.a = 1",
                          "CREATE PROCEDURE p() SELECT 1", "CREATE SEQUENCE s", "CREATE DATABASE d",
                          "CREATE OR TABLE t (a INT)", "ALTER DATABASE d CHARACTER SET utf8mb4",
                          "ALTER SEQUENCE s RESTART",
                          "DROP TABLE a FORCE", "DROP TRIGGER tr", "DROP INDEX ix", "RENAME USER a TO b",
                          "RENAME TABLE a b", "CREATE INDEX ix t (a)", "INSERT INTO t VALUES (1)", "SET x = 1",
                          "/*!40101 CREATE TABLE x (a INT) */", "CREATE TABLE x (a INT) /*!50100 COMMENT 'x' */",
                          "CREATE TABLE", "DROP TABLE IF t", ""}) {
    INFO(sql);
    CHECK_FALSE(ddl_targets(sql));
  }
}
