// Real clusters (issue 16), started by scripts/test-servers: a PostgreSQL hot standby streaming
// from the primary, pgbouncer in transaction and in session pooling in front of the primary, and
// a three-node MariaDB Galera cluster. A cluster that is not configured is skipped loudly, and is
// a failure under CI=true.
#include <chrono>
#include <cstdlib>
#include <sstream>
#include <thread>

#include <unistd.h>

#include "tests/support/e2e_fixture.h"
#include "tests/support/parallel_run.h"

using namespace tsm::test;

namespace {

bool contains(const std::string& haystack, const std::string& needle) { return haystack.find(needle) != std::string::npos; }

bool in_ci() {
  const char* ci = std::getenv("CI");
  return ci && (std::string(ci) == "true" || std::string(ci) == "1");
}

// A cluster's variable from scripts/test-servers, or "" (skipped; a failure under CI=true).
std::string cluster_env(const char* name) {
  const char* v = std::getenv(name);
  if (v && *v) return v;
  if (in_ci()) FAIL(std::string("CI=true and the cluster variable ") + name + " is not set: the cluster did not start");
  WARN(std::string(name) + " is not set: cluster test skipped");
  return "";
}

// `url` (a server URL of scripts/test-servers) pointed at another database.
std::string on_database(const std::string& url, const std::string& database) {
  const auto slash = url.find('/', url.find('@'));
  return url.substr(0, slash) + "/" + database;
}

RunResult run_on(const std::string& url, std::vector<std::string> args) {
  args.insert(args.begin(), {"--url", url});
  RunOptions o;
  o.env["TURNSTONE_DATABASE_URL"] = "";
  return run_tool(args, o);
}

std::vector<std::string> split(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> out;
  for (std::string word; in >> word;) out.push_back(word);
  return out;
}

}  // namespace

TEST_CASE("clusters: pgbouncer in transaction pooling refuses write commands with exit 4 and reads work", "[e2e]") {
  TSM_REQUIRE_BACKEND(tsm::DialectKind::postgresql);
  const std::string pool = cluster_env("TSM_TEST_PGBOUNCER_TRANSACTION_URL");
  if (pool.empty()) return;
  Cli cli(tsm::DialectKind::postgresql);
  const std::string url = on_database(pool, cli.db().name());
  for (const std::vector<std::string>& args : {std::vector<std::string>{"upgrade", "head"}, {"stamp", "head"}}) {
    auto r = run_on(url, args);
    INFO(r.err);
    CHECK(r.exit_code == 4);
    CHECK(contains(r.err, "pooler in transaction mode"));
    CHECK(contains(r.err, "session-mode pool"));
  }
  CHECK_FALSE(cli.has_table("turnstone_version"));  // refused before any statement
  // Migrated directly, the database reads fine through the pool.
  REQUIRE(cli.run({"upgrade", "head"}).exit_code == 0);
  auto current = run_on(url, {"current", "--tree", "main"});
  INFO(current.err);
  CHECK(current.exit_code == 0);
  CHECK(contains(current.out, tool_heads(cli, "main").at(0)));
}

TEST_CASE("clusters: pgbouncer in session pooling works like a direct connection", "[e2e]") {
  TSM_REQUIRE_BACKEND(tsm::DialectKind::postgresql);
  const std::string pool = cluster_env("TSM_TEST_PGBOUNCER_SESSION_URL");
  if (pool.empty()) return;
  Cli cli(tsm::DialectKind::postgresql);
  const std::string url = on_database(pool, cli.db().name());
  // Three at once through the pool: every revision applied exactly once.
  RunOptions o;
  o.env["TURNSTONE_DATABASE_URL"] = "";
  const std::vector<std::string> args{"--url", url, "upgrade", "head"};
  for (const auto& r : run_parallel({args, args, args}, o)) {
    INFO(r.err);
    CHECK(r.exit_code == 0);
  }
  CHECK(cli.versions() == tool_heads(cli, "main"));
  const auto applied = cli.db().column("SELECT COUNT(*) FROM turnstone_migrate_runs WHERE outcome = 'ok'");
  const auto distinct = cli.db().column("SELECT COUNT(DISTINCT tree || revision) FROM turnstone_migrate_runs");
  CHECK(applied == distinct);
  auto down = run_on(url, {"downgrade", "-1", "--tree", "main"});
  INFO(down.err);
  CHECK(down.exit_code == 0);
  CHECK(cli.versions() != tool_heads(cli, "main"));
}

TEST_CASE("clusters: a PostgreSQL hot standby reads, refuses writes at once and follows the primary", "[e2e]") {
  TSM_REQUIRE_BACKEND(tsm::DialectKind::postgresql);
  const std::string standby = cluster_env("TSM_TEST_PG_STANDBY_URL");
  if (standby.empty()) return;
  Cli cli(tsm::DialectKind::postgresql);
  const std::string url = on_database(standby, cli.db().name());
  const auto heads = tool_heads(cli, "main");
  // The primary's upgrade says what standby readers may see.
  auto up = cli.run({"upgrade", "head"});
  INFO(up.err);
  REQUIRE(up.exit_code == 0);
  CHECK(contains(up.err, "streaming standby(s) attached"));
  CHECK(contains(up.err, "max_standby_streaming_delay"));
  // The standby reaches head within a bounded wait (the database itself arrives by replay too).
  RunResult current;
  for (int i = 0; i < 60; ++i) {
    current = run_on(url, {"current", "--tree", "main"});
    if (current.exit_code == 0 && contains(current.out, heads.at(0))) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  INFO(current.err);
  CHECK(current.exit_code == 0);
  CHECK(contains(current.out, heads.at(0) + " (head)"));
  CHECK(run_on(url, {"history", "--tree", "main"}).exit_code == 0);
  auto check = run_on(url, {"check"});
  INFO(check.out << check.err);
  CHECK(check.exit_code == 0);
  // Write commands fail at once (no lock taken, nothing half-run) with a clear line. (An upgrade
  // with nothing to do reads only, and says "already at target" there as anywhere.)
  REQUIRE(cli.run({"downgrade", "-1", "--tree", "main"}).exit_code == 0);
  for (int i = 0; i < 60 && contains(run_on(url, {"current", "--tree", "main"}).out, heads.at(0)); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const auto rows = cli.versions();
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"downgrade", "-1", "--tree", "main"}, {"stamp", "base"}, {"upgrade", "head"}}) {
    const auto started = std::chrono::steady_clock::now();
    auto r = run_on(url, args);
    INFO(args[0] << ": " << r.err);
    CHECK(r.exit_code == 3);
    CHECK(contains(r.err, "hot standby"));
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(20));
  }
  CHECK(cli.versions() == rows);
  CHECK(rows != heads);
}

TEST_CASE("clusters: Galera - concurrent upgrades through all three nodes apply every revision once", "[e2e]") {
  TSM_REQUIRE_BACKEND(tsm::DialectKind::mariadb);
  const auto nodes = split(cluster_env("TSM_TEST_GALERA_URLS"));
  if (nodes.empty()) return;
  REQUIRE(nodes.size() == 3);
  const std::string database = "tsm_test_galera_" + std::to_string(::getpid());
  {
    auto admin = tsm::backend_for(tsm::DialectKind::mariadb).connect(tsm::parse_url(nodes[0]), tsm::ConnectOptions{});
    admin->execute("DROP DATABASE IF EXISTS `" + database + "`");
    admin->execute("CREATE DATABASE `" + database + "`");
  }
  std::vector<std::vector<std::string>> through_each;
  for (const auto& node : nodes) through_each.push_back({"--url", on_database(node, database), "upgrade", "head"});
  RunOptions o;
  o.env["TURNSTONE_DATABASE_URL"] = "";
  int said_galera = 0;
  for (const auto& r : run_parallel(through_each, o)) {
    INFO(r.err);
    CHECK(r.exit_code == 0);
    if (contains(r.err, "Galera cluster (wsrep_on")) ++said_galera;
  }
  CHECK(said_galera == 3);  // detected without --lock-mode, and said so
  // Every node ends identical: the same version rows, one successful run per revision.
  std::vector<std::string> fingerprints;
  for (const auto& node : nodes) {
    auto conn = tsm::backend_for(tsm::DialectKind::mariadb).connect(tsm::parse_url(on_database(node, database)),
                                                                     tsm::ConnectOptions{});
    std::string text;
    for (const auto& row : conn->query("SELECT version_num FROM turnstone_version ORDER BY 1")) text += *row[0] + ";";
    for (const auto& row : conn->query("SELECT tree, revision, COUNT(*) FROM turnstone_migrate_runs WHERE outcome = 'ok' "
                                       "GROUP BY tree, revision HAVING COUNT(*) <> 1"))
      text += "applied twice: " + *row[1] + ";";
    for (const auto& row : conn->query("SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() "
                                       "ORDER BY 1"))
      text += *row[0] + ",";
    fingerprints.push_back(text);
  }
  INFO(fingerprints[0]);
  CHECK_FALSE(contains(fingerprints[0], "applied twice"));
  CHECK(contains(fingerprints[0], "log_entries"));
  CHECK(fingerprints[0] == fingerprints[1]);
  CHECK(fingerprints[1] == fingerprints[2]);
  auto admin = tsm::backend_for(tsm::DialectKind::mariadb).connect(tsm::parse_url(nodes[0]), tsm::ConnectOptions{});
  admin->execute("DROP DATABASE IF EXISTS `" + database + "`");
}
