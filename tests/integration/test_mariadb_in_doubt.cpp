// MariaDB: what the progress record keeps before a raw SQL statement (core/recovery/
// schema_fingerprint): nothing for data, the definitions of the named objects for DDL, the whole
// schema for anything else, and that each kind tells a statement that ran from one that did not.
#include <catch2/catch.hpp>

#include "core/recovery/schema_fingerprint.h"
#include "tests/support/test_db.h"

using namespace tsm;

namespace {

bool scoped(const std::string& fingerprint) { return fingerprint.rfind("t1:", 0) == 0; }

}  // namespace

TEST_CASE("mariadb: a DDL statement's fingerprint moves when it runs, not when rows are written",
          "[mariadb][integration][recovery]") {
  if (!test::backend_available(DialectKind::mariadb)) return;
  test::TestDatabase db(DialectKind::mariadb);
  auto conn = db.connect();
  conn->execute("CREATE TABLE base_t (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(20) NOT NULL)");
  conn->execute("CREATE TABLE gone (id INT PRIMARY KEY)");
  conn->execute("CREATE TABLE renamed (id INT PRIMARY KEY)");
  const std::vector<std::string> statements{
      "CREATE TABLE new_t (id INT PRIMARY KEY)",
      "CREATE INDEX ix_base_name ON base_t (name)",
      "ALTER TABLE base_t ADD COLUMN note VARCHAR(10)",
      "ALTER TABLE base_t COMMENT 'described'",
      "ALTER TABLE base_t ADD CONSTRAINT ck_name CHECK (name <> '')",
      "CREATE VIEW base_v AS SELECT id, name FROM base_t",
      "CREATE OR REPLACE VIEW base_v AS SELECT id FROM base_t",
      "RENAME TABLE renamed TO renamed_2",
      "ALTER TABLE renamed_2 RENAME TO renamed_3",
      "DROP INDEX ix_base_name ON base_t",
      "DROP VIEW base_v",
      "DROP TABLE gone"};
  int row = 0;
  for (const auto& sql : statements) {
    INFO(sql);
    const std::string before = fingerprint_before(*conn, sql);
    CHECK(scoped(before));
    // Rows written meanwhile (AUTO_INCREMENT moves) and another session mode change nothing.
    conn->execute("INSERT INTO base_t (name) VALUES ('row " + std::to_string(++row) + "')");
    conn->execute("SET SESSION sql_mode = 'ANSI_QUOTES,NO_TABLE_OPTIONS,NO_KEY_OPTIONS'");
    CHECK(changed_since(*conn, sql, before) == std::optional<bool>(false));
    conn->execute("SET SESSION sql_mode = DEFAULT");
    conn->execute(sql);
    CHECK(changed_since(*conn, sql, before) == std::optional<bool>(true));
  }
}

TEST_CASE("mariadb: data statements record nothing, other statements the whole schema",
          "[mariadb][integration][recovery]") {
  if (!test::backend_available(DialectKind::mariadb)) return;
  test::TestDatabase db(DialectKind::mariadb);
  auto conn = db.connect();
  conn->execute("CREATE TABLE t (id INT PRIMARY KEY)");
  CHECK(fingerprint_before(*conn, "INSERT INTO t (id) VALUES (1)").empty());
  CHECK(fingerprint_before(*conn, "UPDATE t SET id = 2").empty());
  CHECK_FALSE(changed_since(*conn, "INSERT INTO t (id) VALUES (1)", ""));  // nothing recorded: cannot tell

  // Not read as naming its objects (an executable comment): the whole-schema fingerprint.
  const std::string opaque = "CREATE TABLE t2 (a INT) /*!50100 COMMENT 'x' */";
  const std::string whole = fingerprint_before(*conn, opaque);
  CHECK_FALSE(scoped(whole));
  CHECK(whole == schema_fingerprint(*conn));
  CHECK(changed_since(*conn, opaque, whole) == std::optional<bool>(false));
  conn->execute(opaque);
  CHECK(changed_since(*conn, opaque, whole) == std::optional<bool>(true));

  // A record written by an older build holds the whole-schema fingerprint for every statement.
  const std::string older = schema_fingerprint(*conn);
  CHECK(changed_since(*conn, "CREATE TABLE t3 (a INT)", older) == std::optional<bool>(false));
  conn->execute("CREATE TABLE t3 (a INT)");
  CHECK(changed_since(*conn, "CREATE TABLE t3 (a INT)", older) == std::optional<bool>(true));

  // A scoped record against a statement that no longer reads as naming its objects: cannot tell.
  const std::string scoped_record = fingerprint_before(*conn, "DROP TABLE t3");
  REQUIRE(scoped(scoped_record));
  CHECK_FALSE(changed_since(*conn, "CALL something()", scoped_record));
}

TEST_CASE("mariadb: object definitions come from the server, absent ones empty", "[mariadb][integration][recovery]") {
  if (!test::backend_available(DialectKind::mariadb)) return;
  test::TestDatabase db(DialectKind::mariadb);
  auto conn = db.connect();
  conn->execute("CREATE TABLE `odd``name` (id INT AUTO_INCREMENT PRIMARY KEY)");
  conn->execute("CREATE VIEW plain_v AS SELECT id FROM `odd``name`");
  auto table = conn->object_definition({"odd`name"});
  REQUIRE(table);
  CHECK(table->find("CREATE TABLE `odd``name`") == 0);
  conn->execute("INSERT INTO `odd``name` () VALUES (), (), ()");
  CHECK(conn->object_definition({"odd`name"}) == table);  // AUTO_INCREMENT=4 left out
  auto view = conn->object_definition({db.name(), "plain_v"});
  REQUIRE(view);
  CHECK(view->find("VIEW `plain_v`") != std::string::npos);
  CHECK(conn->object_definition({"no_such_table"}) == std::optional<std::string>(""));
  CHECK(conn->object_definition({"no_such_database", "t"}) == std::optional<std::string>(""));
}
