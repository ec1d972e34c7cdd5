// `-- +session` statements: what each dialect accepts, how values are kept and put back, and
// which statements a resumed revision runs again.
#include <catch2/catch.hpp>

#include "core/base/errors.h"
#include "core/dialect.h"
#include "core/graph/sql_unit.h"
#include "core/run/session_setup.h"

using namespace tsm;
using Names = std::optional<std::vector<std::string>>;

TEST_CASE("session setup: MariaDB accepts SET of session and user variables only", "[session]") {
  const Dialect& d = dialect_for(DialectKind::mariadb);
  CHECK(d.session_variables("SET FOREIGN_KEY_CHECKS = 0") == Names{{"foreign_key_checks"}});
  CHECK(d.session_variables("set session unique_checks=0, @@SESSION.sql_mode = 'ANSI', @x := CONCAT('a,', 'b')") ==
        Names{{"unique_checks", "sql_mode", "@x"}});
  CHECK(d.session_variables("SET @@foreign_key_checks = 1") == Names{{"foreign_key_checks"}});
  for (const char* refused : {"SET GLOBAL foreign_key_checks = 0", "SET @@global.max_connections = 5", "SET NAMES utf8mb4",
                              "SET PASSWORD = PASSWORD('x')", "CREATE TABLE t (id INT)", "SET x", "SET `weird` = 1",
                              "SET STATEMENT max_statement_time=1 FOR SELECT 1"})
    CHECK_FALSE(d.session_variables(refused));
  auto keep = d.save_session_variable("foreign_key_checks", 2);
  REQUIRE(keep);
  CHECK(keep->save == "SET @__tsm_session_2 = @@SESSION.foreign_key_checks");
  CHECK(keep->restore == "SET SESSION foreign_key_checks = @__tsm_session_2");
  CHECK(d.save_session_variable("@x", 1)->restore == "SET @x = @__tsm_session_1");
}

TEST_CASE("session setup: PostgreSQL accepts SET of settings except search_path and role", "[session]") {
  const Dialect& d = dialect_for(DialectKind::postgresql);
  CHECK(d.session_variables("SET statement_timeout TO '5min'") == Names{{"statement_timeout"}});
  CHECK(d.session_variables("set session work_mem = '64MB'") == Names{{"work_mem"}});
  CHECK(d.session_variables("SET myapp.flag = 'on'") == Names{{"myapp.flag"}});
  CHECK(d.session_variables("SET TIME ZONE 'UTC'") == Names{{"timezone"}});
  for (const char* refused : {"SET LOCAL work_mem = '1MB'", "SET search_path = other", "SET ROLE admin",
                              "SET SESSION AUTHORIZATION bob", "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE",
                              "SET CONSTRAINTS ALL DEFERRED", "VACUUM", "SET work_mem"})
    CHECK_FALSE(d.session_variables(refused));
  auto keep = d.save_session_variable("work_mem", 1);
  REQUIRE(keep);
  CHECK(keep->save == "SELECT set_config('tsm.session_1', coalesce(current_setting('work_mem', true), ''), false)");
  CHECK(keep->restore == "SELECT set_config('work_mem', current_setting('tsm.session_1'), false)");
}

TEST_CASE("session setup: SQLite accepts PRAGMA of connection settings, read and written back", "[session]") {
  const Dialect& d = dialect_for(DialectKind::sqlite);
  CHECK(d.session_variables("PRAGMA foreign_keys = OFF") == Names{{"foreign_keys"}});
  CHECK(d.session_variables("pragma legacy_alter_table(ON)") == Names{{"legacy_alter_table"}});
  for (const char* refused : {"PRAGMA foreign_keys", "PRAGMA optimize", "PRAGMA main.foreign_keys = OFF",
                              "PRAGMA writable_schema = ON", "DROP TABLE t"})
    CHECK_FALSE(d.session_variables(refused));
  CHECK_FALSE(d.save_session_variable("foreign_keys", 1));
  CHECK(d.read_session_variable_sql("foreign_keys") == "PRAGMA foreign_keys");
  CHECK(d.restore_session_variable_sql("foreign_keys", std::string("1")) == "PRAGMA foreign_keys = 1");
  CHECK(d.restore_session_variable_sql("cache_size", std::string("-2000")) == "PRAGMA cache_size = -2000");
  CHECK(d.restore_session_variable_sql("foreign_keys", std::nullopt) == "PRAGMA foreign_keys = ON");
  CHECK(d.restore_session_variable_sql("cache_size", std::nullopt).empty());
  CHECK(d.foreign_keys_variable() == "foreign_keys");
}

TEST_CASE("session setup: a unit's session plan is checked per dialect before anything runs", "[session]") {
  auto r = parse_sql_unit(R"(-- revision: sess01
-- +session mariadb
SET FOREIGN_KEY_CHECKS = 0;
SET @a = 1, FOREIGN_KEY_CHECKS = 0;
-- +session sqlite
DELETE FROM t;
-- +upgrade
SELECT 1;
)",
                          "s.sql");
  auto maria = session_plan(r, dialect_for(DialectKind::mariadb));
  CHECK(maria.statements.size() == 2);
  CHECK(maria.variables == std::vector<std::string>{"foreign_key_checks", "@a"});
  CHECK(session_plan(r, dialect_for(DialectKind::postgresql)).empty());  // no section of its own
  CHECK_THROWS_AS(session_plan(r, dialect_for(DialectKind::sqlite)), UsageError);
  // --sql: keep, set, … then put back in reverse order.
  CHECK(offline_session_open(dialect_for(DialectKind::mariadb), maria) ==
        std::vector<std::string>{"SET @__tsm_session_1 = @@SESSION.foreign_key_checks", "SET @__tsm_session_2 = @a",
                                 "SET FOREIGN_KEY_CHECKS = 0", "SET @a = 1, FOREIGN_KEY_CHECKS = 0"});
  CHECK(offline_session_close(dialect_for(DialectKind::mariadb), maria) ==
        std::vector<std::string>{"SET @a = @__tsm_session_2", "SET SESSION foreign_key_checks = @__tsm_session_1"});
}

TEST_CASE("session setup: a resume runs again what set session state", "[session]") {
  for (const char* again : {"SET @ddl = 'x'", "set foreign_key_checks = 0", "PREPARE s FROM @ddl", "prepare p (int) AS SELECT $1",
                            "DEALLOCATE PREPARE s", "DEALLOCATE p", "SET SESSION sql_mode = ''", "SET statement_timeout TO 0"})
    CHECK(replays_on_resume(again));
  for (const char* not_again : {"EXECUTE s", "SET GLOBAL x = 1", "SET @@global.x = 1", "SET PASSWORD = 'x'",
                                "SET TRANSACTION READ ONLY", "CREATE TABLE settings (id INT)",
                                "INSERT INTO t VALUES (1)"})
    CHECK_FALSE(replays_on_resume(not_again));
}
