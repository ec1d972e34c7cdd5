// --sql scripts run through the real clients, read-only users, --single-transaction.
#include <cstdlib>
#include <fstream>

#include "tests/support/e2e_fixture.h"
#include "tests/support/native_client.h"

using namespace tsm::test;

namespace {
bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

int run_client(const TestDatabase& db, const std::string& script_path) { return run_native_client(db, script_path); }

std::string env_or_empty(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}
}  // namespace

TEMPLATE_TEST_CASE("upgrade --sql through the dialect's client gives the tool's schema and version rows", "[e2e]",
                   TSM_BACKENDS) {
  TSM_REQUIRE_BACKEND(TestType::kind);
  Cli by_tool(TestType::kind);
  Cli by_script(TestType::kind);
  REQUIRE(by_tool.run({"upgrade", "head", "--tree", "main"}).exit_code == 0);

  auto sql = by_script.run({"upgrade", "head", "--sql", "--tree", "main"});
  INFO(sql.err);
  REQUIRE(sql.exit_code == 0);
  CHECK(contains(sql.out, "turnstone_version"));
  auto path = by_script.dir() + "/upgrade.sql";
  std::ofstream(path) << sql.out;
  REQUIRE(run_client(by_script.db(), path) == 0);

  CHECK(by_script.versions() == by_tool.versions());
  // The tool's own bookkeeping (run history, revision store) is not part of the offline script.
  const std::vector<std::string> bookkeeping{"turnstone_migrate_runs", "turnstone_migrate_revisions",
                                             "turnstone_migrate_progress", "turnstone_migrate_lock"};
  auto live_tool = by_tool.db().connect()->introspect(bookkeeping);
  auto live_script = by_script.db().connect()->introspect(bookkeeping);
  CHECK(tsm::diff(live_tool, live_script).empty());
  for (const auto& line : tsm::diff(live_tool, live_script)) UNSCOPED_INFO(line);

  // --dialect renders without any connection, from a range.
  auto offline = by_script.run({"upgrade", "base:head", "--sql", "--tree", "main", "--dialect",
                                tsm::dialect_name(TestType::kind), "--url", "postgresql://nobody@127.0.0.1:1/none"});
  INFO(offline.err);
  REQUIRE(offline.exit_code == 0);
  CHECK(contains(offline.out, "turnstone_version"));
  CHECK(contains(offline.out, "CREATE TABLE"));
  auto down = by_script.run({"downgrade", "head:base", "--sql", "--tree", "main"});
  REQUIRE(down.exit_code == 0);
  auto down_path = by_script.dir() + "/downgrade.sql";
  std::ofstream(down_path) << down.out;
  REQUIRE(run_client(by_script.db(), down_path) == 0);
  CHECK(by_script.versions().empty());
  CHECK_FALSE(by_script.has_table("log_entries"));
}

TEMPLATE_TEST_CASE("a read-only user runs current, heads and history", "[e2e]", OnPostgres, OnMariadb) {
  TSM_REQUIRE_BACKEND(TestType::kind);
  Cli cli(TestType::kind);
  REQUIRE(cli.run({"upgrade", "head"}).exit_code == 0);
  std::string reader = env_or_empty(TestType::kind == tsm::DialectKind::postgresql ? "TSM_TEST_PG_READER"
                                                                                  : "TSM_TEST_MARIADB_READER");
  if (reader.empty()) reader = "tsm_reader:reader-secret";
  auto user = reader.substr(0, reader.find(':'));
  auto conn = cli.db().connect();
  if (TestType::kind == tsm::DialectKind::postgresql) {
    conn->execute("GRANT CONNECT ON DATABASE \"" + cli.db().name() + "\" TO " + user);
    conn->execute("GRANT USAGE ON SCHEMA public TO " + user);
    conn->execute("GRANT SELECT ON ALL TABLES IN SCHEMA public TO " + user);
  } else {
    // REFERENCES writes nothing; without a privilege beyond SELECT, MariaDB's information_schema
    // hides foreign keys, which `check` compares (README: read-only users).
    conn->execute("GRANT SELECT, REFERENCES ON `" + cli.db().name() + "`.* TO '" + user + "'@'%'");
  }
  auto url = tsm::parse_url(cli.db().url());
  std::string scheme = TestType::kind == tsm::DialectKind::postgresql ? "postgresql" : "mariadb";
  std::string ro_url = scheme + "://" + reader + "@" + url.host + ":" + std::to_string(*url.port) + "/" + url.database;
  auto cur = cli.run({"current", "--url", ro_url});
  INFO(cur.err);
  REQUIRE(cur.exit_code == 0);
  CHECK(contains(cur.out, "main: " + tool_heads(cli, "main")[0] + " (head)"));
  CHECK(cli.run({"heads", "--url", ro_url}).exit_code == 0);
  CHECK(cli.run({"history", "--indicate-current", "--url", ro_url}).exit_code == 0);
  auto check = cli.run({"check", "--url", ro_url});
  INFO(check.out + check.err);
  CHECK(check.exit_code == 0);
  // MariaDB hides triggers from a user without the TRIGGER privilege: not checked, and said so.
  if (TestType::kind == tsm::DialectKind::mariadb)
    CHECK(contains(check.err, "cannot see triggers (no TRIGGER privilege)"));
  // A write command as the reader fails without changing anything.
  CHECK(cli.run({"downgrade", "base", "--url", ro_url}).exit_code != 0);
  CHECK(cli.versions() == tool_heads(cli, "main"));
}

TEMPLATE_TEST_CASE("with single-transaction the whole upgrade applies or nothing", "[e2e]", OnSqlite, OnPostgres) {
  TSM_REQUIRE_BACKEND(TestType::kind);
  Cli cli(TestType::kind);
  cli.unit("a.sql", "-- revision: st0000000001\n-- down_revision: none\n-- tree: e2e\n-- +upgrade\n"
                    "CREATE TABLE st_one (id INTEGER);\n-- +downgrade\nDROP TABLE st_one;\n");
  auto dir = cli.unit("b.sql", "-- revision: st0000000002\n-- down_revision: st0000000001\n-- tree: e2e\n"
                               "-- +upgrade\nSELECT * FROM st_no_such_table;\n-- +downgrade\n");
  auto r = cli.run({"--revisions-dir", dir, "--tree", "e2e", "--single-transaction", "upgrade", "head"});
  CHECK(r.exit_code == 1);
  CHECK(cli.versions("turnstone_e2e_version").empty());
  CHECK_FALSE(cli.has_table("st_one"));  // the first revision was rolled back too
  auto ok = cli.run({"--revisions-dir", dir, "--tree", "e2e", "--single-transaction", "upgrade", "st0000000001"});
  INFO(ok.err);
  CHECK(ok.exit_code == 0);
  CHECK(cli.versions("turnstone_e2e_version") == std::vector<std::string>{"st0000000001"});
}
