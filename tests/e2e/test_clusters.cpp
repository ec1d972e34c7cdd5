// Real clusters (issue 16), started by scripts/test-servers: a PostgreSQL hot standby streaming
// from the primary, pgbouncer in transaction and in session pooling in front of the primary, and
// a three-node MariaDB Galera cluster. A cluster that is not configured is skipped loudly, and is
// a failure under CI=true.
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include <fcntl.h>
#include <sys/file.h>
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

// A connection to one Galera node whose reads wait until the node has applied every write set
// committed before them (wsrep_sync_wait): other nodes apply a moment after the writer's commit.
std::unique_ptr<tsm::Connection> galera_connect(const std::string& url) {
  auto conn = tsm::backend_for(tsm::DialectKind::mariadb).connect(tsm::parse_url(url), tsm::ConnectOptions{});
  conn->execute("SET SESSION wsrep_sync_wait = 1");
  return conn;
}

// CREATE DATABASE through the first node, then wait until every node has it.
void create_galera_database(const std::vector<std::string>& nodes, const std::string& database) {
  auto admin = galera_connect(nodes.at(0));
  admin->execute("DROP DATABASE IF EXISTS `" + database + "`");
  admin->execute("CREATE DATABASE `" + database + "`");
  for (const auto& node : nodes) {
    bool there = false;
    for (int i = 0; i < 100 && !there; ++i) {
      try {
        galera_connect(on_database(node, database));
        there = true;
      } catch (const std::exception&) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    }
    REQUIRE(there);
  }
}

// The Galera tests change the cluster for everyone (one kills and restarts node 3, the other
// lowers wsrep_max_ws_size on node 1), and ctest -j2 runs them in two processes at once. Seen in
// CI: node 1, donating the state transfer to the restarted node 3 just after a write set had
// failed against the lowered limit ("rbr write fail"), grew to 24 GB and was killed by the
// kernel, and node 3 never rejoined. One at a time: an exclusive flock on a file of the
// cluster's directory, held until the test ends.
class GaleraTurn {
 public:
  GaleraTurn() {
    const std::string dir = cluster_env("TSM_TEST_GALERA_DIR");
    if (dir.empty()) return;
    fd_ = ::open((dir + "/e2e-test.lock").c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600);
    if (fd_ >= 0) ::flock(fd_, LOCK_EX);
  }
  ~GaleraTurn() {
    if (fd_ >= 0) ::close(fd_);  // releases the lock
  }
  GaleraTurn(const GaleraTurn&) = delete;
  GaleraTurn& operator=(const GaleraTurn&) = delete;

 private:
  int fd_ = -1;
};

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

TEST_CASE("clusters: Galera - concurrent upgrades through three nodes apply each revision once and a killed node converges", "[e2e]") {
  TSM_REQUIRE_BACKEND(tsm::DialectKind::mariadb);
  const auto nodes = split(cluster_env("TSM_TEST_GALERA_URLS"));
  if (nodes.empty()) return;
  GaleraTurn turn;
  REQUIRE(nodes.size() == 3);
  const std::string database = "tsm_test_galera_" + std::to_string(::getpid());
  create_galera_database(nodes, database);
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
    auto conn = galera_connect(on_database(node, database));
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

  // Kill the node a migration runs through; rerun through another node; the cluster converges,
  // and the killed node rejoins (IST) with the same schema. In the same test case as the
  // concurrency part: the Galera tests must not kill a node under each other.
  const std::string galera_dir = cluster_env("TSM_TEST_GALERA_DIR");
  if (galera_dir.empty()) return;
  auto connect_node = [&](size_t i) { return galera_connect(on_database(nodes[i], database)); };
  REQUIRE(run_on(on_database(nodes[0], database), {"downgrade", "base"}).exit_code == 0);
  RunOptions quiet;
  quiet.env["TURNSTONE_DATABASE_URL"] = "";
  ToolProcess victim({"--url", on_database(nodes[2], database), "upgrade", "head"}, quiet);
  // Wait until the run through node 3 has applied something, then SIGKILL node 3.
  auto watcher = connect_node(0);
  for (int i = 0; i < 400; ++i) {
    auto rows = watcher->query("SELECT COUNT(*) FROM turnstone_version");
    if (!rows.empty() && rows[0][0] && *rows[0][0] != "0") break;  // the first revision is in
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  const std::string pid_file = galera_dir + "/node3/pid";
  std::string pid_text;
  std::ifstream(pid_file) >> pid_text;
  REQUIRE_FALSE(pid_text.empty());
  REQUIRE(::kill(static_cast<pid_t>(std::stol(pid_text)), SIGKILL) == 0);
  auto killed = victim.wait();
  INFO("run through the killed node: exit " << killed.exit_code << "\n" << killed.err);
  CHECK(killed.exit_code < 128);  // the tool itself is not killed: it reports the lost node
  // Rerun through node 1 converges (a row left by the run on the dead node is released: its
  // process on this host is gone), and nodes 1 and 2 agree.
  auto rerun = run_on(on_database(nodes[0], database), {"upgrade", "head"});
  INFO(rerun.err);
  CHECK(rerun.exit_code == 0);
  auto heads_of = [&](size_t i) {
    std::string text;
    auto conn = connect_node(i);
    for (const auto& row : conn->query("SELECT version_num FROM turnstone_version ORDER BY 1")) text += *row[0] + ";";
    return text;
  };
  const std::string after = heads_of(0);
  CHECK(after == fingerprints[0].substr(0, after.size()));
  CHECK(heads_of(1) == after);
  auto check = run_on(on_database(nodes[1], database), {"check"});
  INFO(check.out << check.err);
  CHECK(check.exit_code == 0);
  // Node 3 comes back and catches up. Killed in the middle of a DDL statement, it keeps that
  // statement's entry in ddl_recovery.log, which a rsync state transfer does not replace: seen in
  // CI, MariaDB 10.11 ran it after the transfer ("DDL_LOG: Crash recovery executed 1 entries")
  // and log_entries was gone on node 3 alone. The operator's step (docs/resilience.md): remove
  // the killed node's DDL recovery log before it rejoins by a state transfer.
  for (const char* log : {"ddl_recovery.log", "ddl_recovery-backup.log"})
    std::remove((galera_dir + "/node3/data/" + log).c_str());
  REQUIRE(std::system(("setsid nohup /usr/sbin/mariadbd --defaults-file='" + galera_dir +
                       "/node3/my.cnf' </dev/null >/dev/null 2>&1 &").c_str()) == 0);
  bool rejoined = false;
  for (int i = 0; i < 240 && !rejoined; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    try {
      auto conn = tsm::backend_for(tsm::DialectKind::mariadb).connect(tsm::parse_url(nodes[2]), tsm::ConnectOptions{});
      auto ready = conn->query("SHOW STATUS LIKE 'wsrep_ready'");
      rejoined = !ready.empty() && ready[0][1] && *ready[0][1] == "ON";
    } catch (const std::exception&) {
    }
  }
  REQUIRE(rejoined);
  CHECK(heads_of(2) == after);
  auto check3 = run_on(on_database(nodes[2], database), {"check"});
  INFO(check3.out << check3.err);
  CHECK(check3.exit_code == 0);
  auto admin = tsm::backend_for(tsm::DialectKind::mariadb).connect(tsm::parse_url(nodes[0]), tsm::ConnectOptions{});
  admin->execute("DROP DATABASE IF EXISTS `" + database + "`");
}

// Galera refuses a transaction whose write set exceeds wsrep_max_ws_size. With the limit set to
// 256 KiB, one --batch-rows 5000 chunk of ~300-byte log rows (~1.5 MB) would be refused; copy
// commits it in pieces below the limit and verifies.
TEST_CASE("clusters: Galera - copy commits in pieces below a small wsrep_max_ws_size", "[e2e]") {
  TSM_REQUIRE_BACKEND(tsm::DialectKind::mariadb);
  const auto nodes = split(cluster_env("TSM_TEST_GALERA_URLS"));
  if (nodes.empty()) return;
  GaleraTurn turn;
  Cli source(tsm::DialectKind::sqlite);
  REQUIRE(source.run({"upgrade", "heads", "-q"}).exit_code == 0);
  {
    auto c = source.db().connect();
    c->begin();
    for (int i = 1; i <= 6000; ++i)
      c->query("INSERT INTO log_entries (source_id, timestamp, message, ingested_at) VALUES (?, ?, ?, ?)",
               {"journald:sshd", "2024-05-01 10:00:00", "message " + std::to_string(i) + " " + std::string(250, 'x'),
                "2024-05-01 10:00:01"});
    c->commit();
  }
  const std::string database = "tsm_test_galera_ws_" + std::to_string(::getpid());
  create_galera_database(nodes, database);
  auto admin = galera_connect(nodes[0]);
  const std::string before = admin->query("SELECT @@GLOBAL.wsrep_max_ws_size").at(0).at(0).value_or("2147483647");
  admin->execute("SET GLOBAL wsrep_max_ws_size = 262144");
  struct Restore {
    tsm::Connection& conn;
    std::string value;
    ~Restore() {
      try {
        conn.execute("SET GLOBAL wsrep_max_ws_size = " + value);
      } catch (...) {
      }
    }
  } restore{*admin, before};
  const std::string target = on_database(nodes[0], database);
  // The limit is real: one transaction of the same rows is refused.
  {
    auto probe = tsm::backend_for(tsm::DialectKind::mariadb).connect(tsm::parse_url(target), tsm::ConnectOptions{});
    probe->execute("CREATE TABLE ws_probe (id INT PRIMARY KEY, note TEXT)");
    probe->begin();
    bool refused = false;
    try {
      for (int i = 0; i < 5000; ++i)
        probe->execute("INSERT INTO ws_probe VALUES (" + std::to_string(i) + ", REPEAT('x', 280))");
      probe->commit();
    } catch (const tsm::StatementError&) {
      refused = true;
      probe->rollback();
    }
    CHECK(refused);
    probe->execute("DROP TABLE ws_probe");
  }
  auto r = source.run({"copy", "--to", target, "--batch-rows", "5000", "--json", "-q"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto doc = nlohmann::json::parse(r.out);
  CHECK(doc.at("verified") == true);
  auto check = galera_connect(on_database(nodes[1], database));
  CHECK(check->query("SELECT COUNT(*) FROM log_entries").at(0).at(0) == std::optional<std::string>("6000"));
  admin->execute("DROP DATABASE IF EXISTS `" + database + "`");
}
