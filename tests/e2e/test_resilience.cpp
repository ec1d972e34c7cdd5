// Resilience through the real binary: run history, MariaDB resume/undo of an incomplete
// revision, the revision store that lets an older build roll back, and the table lock mode.
#include <chrono>
#include <thread>

#include <sys/wait.h>
#include <unistd.h>

#include "core/recovery/schema_fingerprint.h"
#include "tests/support/e2e_fixture.h"

using namespace tsm::test;

namespace {

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// "revision outcome direction" of every run-history row of a tree, oldest first.
std::vector<std::string> run_rows(Cli& cli, const std::string& tree) {
  std::vector<std::string> out;
  auto conn = cli.db().connect();
  for (auto& r : conn->query("SELECT revision, direction, outcome FROM turnstone_migrate_runs WHERE tree = ? ORDER BY id",
                             {tree}))
    out.push_back(*r[0] + " " + *r[1] + " " + *r[2]);
  return out;
}

std::vector<std::string> progress_rows(Cli& cli) {
  auto conn = cli.db().connect();
  if (!conn->table_exists("turnstone_migrate_progress")) return {};
  std::vector<std::string> out;
  for (auto& r : conn->query("SELECT revision, statement_index FROM turnstone_migrate_progress")) out.push_back(*r[0]);
  return out;
}

const char* kUnitA =
    "-- revision: res00000000a\n-- down_revision: none\n-- tree: res\n-- message: first\n"
    "-- +upgrade\nCREATE TABLE res_one (id INTEGER PRIMARY KEY);\n-- +downgrade\nDROP TABLE res_one;\n";
// Its second statement fails until res_needed exists.
const char* kUnitB =
    "-- revision: res00000000b\n-- down_revision: res00000000a\n-- tree: res\n-- message: needs a table\n"
    "-- +upgrade\nCREATE TABLE res_two (id INTEGER PRIMARY KEY);\nINSERT INTO res_needed (id) VALUES (1);\n"
    "CREATE TABLE res_three (id INTEGER PRIMARY KEY);\n"
    "-- +downgrade\nDROP TABLE res_three;\nDROP TABLE res_two;\n";

std::vector<std::string> res_args(const std::string& dir, std::vector<std::string> more) {
  std::vector<std::string> args{"--revisions-dir", dir, "--tree", "res"};
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

}  // namespace

TEMPLATE_TEST_CASE("run history keeps one row per step, failed ones included", "[e2e][resilience]", TSM_BACKENDS) {
  TSM_REQUIRE_BACKEND(TestType::kind);
  Cli cli(TestType::kind);
  cli.unit("a.sql", kUnitA);
  auto dir = cli.unit("b.sql", kUnitB);
  auto failed = cli.run(res_args(dir, {"upgrade", "head"}));
  CHECK(failed.exit_code == 1);
  CHECK(run_rows(cli, "res") ==
        std::vector<std::string>{"res00000000a upgrade ok", "res00000000b upgrade failed"});

  cli.db().connect()->execute("CREATE TABLE res_needed (id INTEGER PRIMARY KEY)");
  auto ok = cli.run(res_args(dir, {"upgrade", "head"}));
  INFO(ok.err);
  REQUIRE(ok.exit_code == 0);
  CHECK(cli.versions("turnstone_res_version") == std::vector<std::string>{"res00000000b"});
  // MariaDB finished the revision from where it stopped; the others reran it whole.
  const std::string second = TestType::kind == tsm::DialectKind::mariadb ? "resumed" : "ok";
  CHECK(run_rows(cli, "res") == std::vector<std::string>{"res00000000a upgrade ok", "res00000000b upgrade failed",
                                                         "res00000000b upgrade " + second});
  CHECK(cli.db().column("SELECT COUNT(*) FROM res_needed") == std::vector<std::string>{"1"});
  CHECK(progress_rows(cli).empty());

  REQUIRE(cli.run(res_args(dir, {"downgrade", "base"})).exit_code == 0);
  auto runs = cli.run(res_args(dir, {"history", "--runs", "--json"}));
  INFO(runs.err);
  REQUIRE(runs.exit_code == 0);
  auto doc = nlohmann::json::parse(runs.out);
  REQUIRE(doc.at("runs").size() == 5);
  const auto& newest = doc.at("runs").at(0);  // newest first
  CHECK(newest.at("revision").get<std::string>() == "res00000000a");
  CHECK(newest.at("direction").get<std::string>() == "downgrade");
  CHECK(newest.at("outcome").get<std::string>() == "ok");
  CHECK(newest.at("tool_version").get<std::string>() == TSM_VERSION);
  CHECK_FALSE(newest.at("host").get<std::string>().empty());
  CHECK(newest.at("finished_at").is_string());
  auto text = cli.run(res_args(dir, {"history", "--runs"}));
  REQUIRE(text.exit_code == 0);
  CHECK(text.out_lines().size() == 5);
  CHECK(contains(text.out, "res upgrade res00000000b failed"));
}

TEST_CASE("mariadb resumes an incomplete revision at the statement that failed", "[e2e][resilience]") {
  TSM_REQUIRE_BACKEND(tsm::DialectKind::mariadb);
  Cli cli(tsm::DialectKind::mariadb);
  cli.unit("a.sql", kUnitA);
  auto dir = cli.unit("b.sql", kUnitB);
  REQUIRE(cli.run(res_args(dir, {"upgrade", "head"})).exit_code == 1);
  CHECK(cli.has_table("res_two"));
  CHECK_FALSE(cli.has_table("res_three"));
  CHECK_FALSE(progress_rows(cli).empty());

  // --no-resume keeps the operator's look-first behaviour.
  auto look = cli.run(res_args(dir, {"--no-resume", "upgrade", "head"}));
  CHECK(look.exit_code == 5);
  CHECK(contains(look.err, "ran:     CREATE TABLE res_two"));
  CHECK(contains(look.err, "not run: INSERT INTO res_needed"));

  cli.db().connect()->execute("CREATE TABLE res_needed (id INTEGER PRIMARY KEY)");
  auto r = cli.run(res_args(dir, {"upgrade", "head"}));
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(contains(r.err, "resuming the incomplete upgrade of res00000000b"));
  CHECK(contains(r.err, "at statement 2 of 3"));
  CHECK(cli.has_table("res_three"));
  CHECK(cli.versions("turnstone_res_version") == std::vector<std::string>{"res00000000b"});
  CHECK(progress_rows(cli).empty());
}

TEST_CASE("mariadb refuses to resume a revision whose statements changed", "[e2e][resilience]") {
  TSM_REQUIRE_BACKEND(tsm::DialectKind::mariadb);
  Cli cli(tsm::DialectKind::mariadb);
  cli.unit("a.sql", kUnitA);
  auto dir = cli.unit("b.sql", kUnitB);
  REQUIRE(cli.run(res_args(dir, {"upgrade", "head"})).exit_code == 1);
  std::string changed = kUnitB;
  changed.replace(changed.find("CREATE TABLE res_two"), 20, "CREATE TABLE res_2nd");
  cli.unit("b.sql", changed);
  auto r = cli.run(res_args(dir, {"upgrade", "head"}));
  CHECK(r.exit_code == 5);
  CHECK(contains(r.err, "changed since it ran"));
  CHECK_FALSE(cli.has_table("res_2nd"));
}

TEST_CASE("mariadb downgrade of an incomplete upgrade undoes exactly what ran", "[e2e][resilience]") {
  TSM_REQUIRE_BACKEND(tsm::DialectKind::mariadb);
  Cli cli(tsm::DialectKind::mariadb);
  // Compiled revision a5bde210432d creates sent_bundles then received_bundles; a table that is
  // already there makes its second operation fail.
  REQUIRE(cli.run({"upgrade", "f2e7710a997c"}).exit_code == 0);
  auto conn = cli.db().connect();
  conn->execute("CREATE TABLE received_bundles (id INTEGER PRIMARY KEY)");
  conn->execute("INSERT INTO received_bundles (id) VALUES (7)");
  REQUIRE(cli.run({"upgrade", "a5bde210432d"}).exit_code == 1);
  REQUIRE(cli.has_table("sent_bundles"));

  auto r = cli.run({"downgrade", "f2e7710a997c"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(contains(r.err, "undoing the incomplete upgrade of a5bde210432d"));
  CHECK_FALSE(cli.has_table("sent_bundles"));
  CHECK(cli.db().column("SELECT id FROM received_bundles") == std::vector<std::string>{"7"});  // not ours: kept
  CHECK(cli.versions() == std::vector<std::string>{"f2e7710a997c"});
  CHECK(progress_rows(cli).empty());
  CHECK(run_rows(cli, "main").back() == "a5bde210432d downgrade undone");

  // Raw SQL has no inverse: an incomplete SQL unit is refused, not guessed at.
  cli.unit("a.sql", kUnitA);
  auto dir = cli.unit("b.sql", kUnitB);
  REQUIRE(cli.run(res_args(dir, {"upgrade", "head"})).exit_code == 1);
  auto refused = cli.run(res_args(dir, {"downgrade", "res00000000a"}));
  CHECK(refused.exit_code == 5);
  CHECK(contains(refused.err, "no exact inverse"));
  CHECK(cli.has_table("res_two"));
}

TEMPLATE_TEST_CASE("an older build treats a database ahead of it as a warning and can roll it back", "[e2e][resilience]",
                   TSM_BACKENDS) {
  TSM_REQUIRE_BACKEND(TestType::kind);
  Cli cli(TestType::kind);
  auto head = tool_heads(cli, "main")[0];
  cli.unit("x1.sql", "-- revision: ahead0000001\n-- down_revision: " + head +
                         "\n-- message: newer one\n-- +upgrade\nCREATE TABLE ahead_one (id INTEGER PRIMARY KEY);\n"
                         "-- +downgrade\nDROP TABLE ahead_one;\n");
  auto dir = cli.unit("x2.sql", "-- revision: ahead0000002\n-- down_revision: ahead0000001\n-- message: newer two\n"
                                "-- +upgrade\nCREATE TABLE ahead_two (id INTEGER PRIMARY KEY);\n"
                                "-- +downgrade\nDROP TABLE ahead_two;\n");
  REQUIRE(cli.run({"--revisions-dir", dir, "upgrade", "head"}).exit_code == 0);
  REQUIRE(cli.versions() == std::vector<std::string>{"ahead0000002"});

  // The "older build": the same binary without the newer units.
  auto up = cli.run({"upgrade", "head"});
  INFO(up.err);
  CHECK(up.exit_code == 0);
  CHECK(contains(up.err, "database is ahead of this build: ahead0000002, ahead0000001; nothing to do"));
  CHECK(contains(up.out, "already at target"));
  CHECK(cli.versions() == std::vector<std::string>{"ahead0000002"});

  auto cur = cli.run({"current", "--tree", "main"});
  CHECK(cur.exit_code == 0);
  CHECK(cur.out == "ahead0000002 (unknown to this build)\n");
  CHECK(contains(cur.err, "ahead of this build"));

  auto down = cli.run({"downgrade", head, "--tree", "main"});
  INFO(down.err);
  REQUIRE(down.exit_code == 0);
  CHECK(contains(down.err, "reverting ahead0000002 with the downgrade SQL stored when it was applied"));
  CHECK(down.err.find("reverting ahead0000002") < down.err.find("reverting ahead0000001"));
  CHECK_FALSE(cli.has_table("ahead_two"));
  CHECK_FALSE(cli.has_table("ahead_one"));
  CHECK(cli.has_table("log_entries"));
  CHECK(cli.versions() == std::vector<std::string>{head});
  CHECK(cli.db().column("SELECT COUNT(*) FROM turnstone_migrate_revisions WHERE revision LIKE 'ahead%'") ==
        std::vector<std::string>{"0"});
  auto again = cli.run({"upgrade", "head"});
  CHECK(again.exit_code == 0);
  CHECK(contains(again.out, "already at target"));
}

TEMPLATE_TEST_CASE("an unknown revision on a branch the build cannot place needs attention", "[e2e][resilience]",
                   TSM_BACKENDS) {
  TSM_REQUIRE_BACKEND(TestType::kind);
  Cli cli(TestType::kind);
  // A second base in tree main: it descends from nothing this build knows.
  auto dir = cli.unit("y.sql", "-- revision: stray0000001\n-- down_revision: none\n-- message: stray\n"
                               "-- +upgrade\nCREATE TABLE stray_one (id INTEGER PRIMARY KEY);\n"
                               "-- +downgrade\nDROP TABLE stray_one;\n");
  auto applied = cli.run({"--revisions-dir", dir, "upgrade", "heads"});
  INFO(applied.err);
  REQUIRE(applied.exit_code == 0);
  auto up = cli.run({"upgrade", "head"});
  CHECK(up.exit_code == 5);
  CHECK(contains(up.err, "stray0000001"));
  CHECK(contains(up.err, "does not descend"));
  auto cur = cli.run({"current"});
  CHECK(cur.exit_code == 5);
  CHECK(contains(cur.err, "stray0000001"));
  // Not in the store at all (written by hand): exit 5 naming it.
  cli.db().connect()->execute("DELETE FROM turnstone_migrate_revisions WHERE revision = 'stray0000001'");
  auto missing = cli.run({"upgrade", "head"});
  CHECK(missing.exit_code == 5);
  CHECK(contains(missing.err, "stray0000001 (not in turnstone_migrate_revisions)"));
}

TEMPLATE_TEST_CASE("table lock mode: a held lock row makes a second run time out with exit 4", "[e2e][resilience]",
                   TSM_BACKENDS) {
  TSM_REQUIRE_BACKEND(TestType::kind);
  Cli cli(TestType::kind);
  auto first = cli.run({"--lock-mode", "table", "upgrade", "+2", "--tree", "main"});
  INFO(first.err);
  REQUIRE(first.exit_code == 0);
  auto before = cli.versions();
  REQUIRE(cli.has_table("turnstone_migrate_lock"));
  CHECK(cli.db().column("SELECT COUNT(*) FROM turnstone_migrate_lock") == std::vector<std::string>{"0"});  // released

  auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  cli.db().connect()->query("INSERT INTO turnstone_migrate_lock (tree, holder, acquired_at, expires_at) VALUES (?, ?, ?, ?)",
                            {"main", "other-node:4242:test", std::to_string(now), std::to_string(now + 3600)});
  auto started = std::chrono::steady_clock::now();
  auto blocked = cli.run({"--lock-mode", "table", "--lock-timeout", "2", "upgrade", "+1", "--tree", "main"});
  auto waited = std::chrono::steady_clock::now() - started;
  CHECK(blocked.exit_code == 4);
  CHECK(contains(blocked.err, "other-node:4242:test"));
  CHECK(waited >= std::chrono::seconds(2));
  CHECK(cli.versions() == before);

  // Advisory mode does not look at the table (the modes must not be mixed in one deployment).
  // --break-lock removes a row whose holder is gone.
  auto broken = cli.run({"--lock-mode", "table", "--break-lock", "upgrade", "+1", "--tree", "main"});
  INFO(broken.err);
  CHECK(broken.exit_code == 0);
  CHECK(contains(broken.err, "other-node:4242:test"));
  CHECK(cli.versions() != before);
  CHECK(cli.db().column("SELECT COUNT(*) FROM turnstone_migrate_lock") == std::vector<std::string>{"0"});

  // An expired lease is taken over without --break-lock.
  cli.db().connect()->query("INSERT INTO turnstone_migrate_lock (tree, holder, acquired_at, expires_at) VALUES (?, ?, ?, ?)",
                            {"main", "dead-node:1:test", std::to_string(now - 7200), std::to_string(now - 3600)});
  auto expired = cli.run({"--lock-mode", "table", "--lock-timeout", "1", "downgrade", "-1", "--tree", "main"});
  INFO(expired.err);
  CHECK(expired.exit_code == 0);
  CHECK(contains(expired.err, "lease expired"));
  CHECK(cli.versions() == before);

  // A holder on this host whose process is gone (its database node died under it, so it could not
  // delete its row) is taken over at once, lease or not; one still alive is waited for.
  char host[256] = {0};
  REQUIRE(gethostname(host, sizeof host - 1) == 0);
  const pid_t child = fork();
  if (child == 0) _exit(0);
  REQUIRE(waitpid(child, nullptr, 0) == child);
  const std::string dead = std::string(host) + ":" + std::to_string(child) + ":test";
  cli.db().connect()->query("INSERT INTO turnstone_migrate_lock (tree, holder, acquired_at, expires_at) VALUES (?, ?, ?, ?)",
                            {"main", dead, std::to_string(now), std::to_string(now + 3600)});
  auto taken = cli.run({"--lock-mode", "table", "--lock-timeout", "1", "upgrade", "+1", "--tree", "main"});
  INFO(taken.err);
  CHECK(taken.exit_code == 0);
  CHECK(contains(taken.err, "its process on this host is gone"));
  const std::string alive = std::string(host) + ":" + std::to_string(getpid()) + ":test";
  cli.db().connect()->query("INSERT INTO turnstone_migrate_lock (tree, holder, acquired_at, expires_at) VALUES (?, ?, ?, ?)",
                            {"main", alive, std::to_string(now), std::to_string(now + 3600)});
  CHECK(cli.run({"--lock-mode", "table", "--lock-timeout", "1", "downgrade", "-1", "--tree", "main"}).exit_code == 4);
}

// Regression (kill trials): a full-text drop statement in doubt after a SIGKILL made the rerun
// refuse (exit 5). These statements are safe to repeat: the rerun sends the one in doubt again.
TEST_CASE("mariadb resumes a revision whose full-text drop was in doubt, whichever way it went",
          "[e2e][resilience]") {
  TSM_REQUIRE_BACKEND(tsm::DialectKind::mariadb);
  const std::string drop_trigger = "DROP TRIGGER IF EXISTS `context_facts_ad`";
  for (bool ran : {true, false}) {
    INFO("the DROP TRIGGER " << (ran ? "ran" : "did not run") << " before the kill");
    Cli cli(tsm::DialectKind::mariadb);
    REQUIRE(cli.run({"--tree", "context", "upgrade", "2c54eb6de9fd"}).exit_code == 0);
    auto conn = cli.db().connect();
    conn->execute("INSERT INTO context_facts (subject, fact) VALUES ('web1', 'SSH listens on 2222')");
    if (ran) conn->execute(drop_trigger);
    // What the executor writes before it sends the statement, and nothing after it.
    const std::string insert =
        "INSERT INTO turnstone_migrate_progress (tree, revision, direction, statement_index, operation_index, state, "
        "statement, schema_before) VALUES ('context', 'c294fa374961', 'upgrade', ?, ?, ?, ?, '')";
    conn->query(insert, {"0", "-1", "done", "-- started"});
    conn->query(insert, {"1", "0", "started", drop_trigger});
    auto r = cli.run({"upgrade", "heads"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(contains(r.err, "it is safe to repeat: running it again"));
    CHECK(cli.versions("turnstone_context_version") == std::vector<std::string>{"c294fa374961"});
    CHECK(progress_rows(cli).empty());
    auto hits = conn->query("SELECT c.subject FROM context_facts c JOIN context_facts_fts f ON f.id = c.id "
                            "WHERE MATCH(f.fact) AGAINST ('ssh' IN BOOLEAN MODE)");
    REQUIRE(hits.size() == 1);
    CHECK(hits[0][0] == std::string("web1"));
    CHECK(cli.run({"check"}).exit_code == 0);
  }
}

// A raw SQL statement killed while MariaDB ran it is judged by the server's definitions of the
// objects it names, taken just before it ran: a view (which the whole-schema fingerprint does not
// see) is told apart either way, and the data statements before it are neither fingerprinted nor
// run again.
TEST_CASE("mariadb resumes a raw SQL revision whose CREATE VIEW was in doubt, whichever way it went",
          "[e2e][resilience]") {
  TSM_REQUIRE_BACKEND(tsm::DialectKind::mariadb);
  const std::string view_sql = "CREATE VIEW doubt_view AS SELECT id FROM doubt_one";
  for (bool ran : {true, false}) {
    INFO("the CREATE VIEW " << (ran ? "ran" : "did not run") << " before the kill");
    Cli cli(tsm::DialectKind::mariadb);
    const std::string dir = cli.unit("doubt.sql",
        "-- revision: d0b700000001\n-- down_revision: none\n-- tree: doubt\n-- message: a view in doubt\n"
        "-- +upgrade\n"
        "CREATE TABLE doubt_one (id INTEGER PRIMARY KEY);\n"
        "INSERT INTO doubt_one (id) VALUES (1);\n" +
        view_sql + ";\n"
        "INSERT INTO doubt_needed (id) VALUES (1);\n"
        "CREATE TABLE doubt_two (id INTEGER PRIMARY KEY);\n"
        "-- +downgrade\nDROP TABLE doubt_two;\nDROP VIEW doubt_view;\nDROP TABLE doubt_one;\n");
    auto conn = cli.db().connect();
    // What the executor records before the CREATE VIEW: only the view's definition counts.
    const std::string before = tsm::fingerprint_before(*conn, view_sql);
    REQUIRE(before.rfind("t1:", 0) == 0);

    // Stops at the INSERT into the missing table; the three statements before it stay recorded.
    auto first = cli.run({"--revisions-dir", dir, "--tree", "doubt", "upgrade", "head"});
    INFO(first.err);
    REQUIRE(first.exit_code != 0);
    auto recorded = conn->query("SELECT statement_index, state, schema_before FROM turnstone_migrate_progress "
                                "WHERE tree = 'doubt' AND statement_index > 0 ORDER BY statement_index");
    REQUIRE(recorded.size() == 3);
    CHECK(recorded[0][2]->rfind("t1:", 0) == 0);  // CREATE TABLE: its table's definition
    CHECK(recorded[1][2] == std::optional<std::string>(""));  // INSERT: commits with its record
    CHECK(*recorded[2][2] == before);

    // The kill: the CREATE VIEW was sent and its 'done' never written.
    if (!ran) conn->execute("DROP VIEW doubt_view");
    conn->query("UPDATE turnstone_migrate_progress SET state = 'started' WHERE tree = 'doubt' AND statement_index = 3");
    conn->execute("CREATE TABLE doubt_needed (id INTEGER PRIMARY KEY)");

    auto r = cli.run({"--revisions-dir", dir, "--tree", "doubt", "upgrade", "head"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(contains(r.err, ran ? "shows it took effect" : "shows it did not run"));
    CHECK(cli.versions("turnstone_doubt_version") == std::vector<std::string>{"d0b700000001"});
    CHECK(progress_rows(cli).empty());
    CHECK(cli.db().column("SELECT COUNT(*) FROM doubt_view") == std::vector<std::string>{"1"});
    CHECK(cli.db().column("SELECT COUNT(*) FROM doubt_needed") == std::vector<std::string>{"1"});
    CHECK(cli.db().column("SELECT COUNT(*) FROM doubt_two") == std::vector<std::string>{"0"});
  }
}

// Found when faster runs moved the kill tests' kill points: a SIGKILL during a slow ALTER left it
// running on the server, the rerun judged it before it ended ("did not run"), ran it again and
// failed on the duplicate column. The rerun must wait for the killed run's statement to end.
TEST_CASE("mariadb waits for the killed run's statement to end before judging it", "[e2e][resilience]") {
  TSM_REQUIRE_BACKEND(tsm::DialectKind::mariadb);
  Cli cli(tsm::DialectKind::mariadb);
  const std::string alter = "ALTER TABLE doubt_one ADD COLUMN note VARCHAR(10)";
  const std::string dir = cli.unit("doubt.sql",
      "-- revision: d0b700000002\n-- down_revision: none\n-- tree: doubt\n-- message: an ALTER outliving its client\n"
      "-- +upgrade\n"
      "CREATE TABLE doubt_one (id INTEGER PRIMARY KEY);\n" +
      alter + ";\n"
      "INSERT INTO doubt_needed (id) VALUES (1);\n"
      "-- +downgrade\nDROP TABLE doubt_one;\n");
  const std::vector<std::string> upgrade{"--revisions-dir", dir, "--tree", "doubt", "upgrade", "head"};
  auto first = cli.run(upgrade);
  INFO(first.err);
  REQUIRE(first.exit_code != 0);  // at the INSERT into the missing table; the ALTER is recorded done

  // Back to the moment the killed run sent the ALTER: its 'started' row, and no column yet.
  auto conn = cli.db().connect();
  conn->execute("ALTER TABLE doubt_one DROP COLUMN note");
  conn->query("UPDATE turnstone_migrate_progress SET state = 'started', schema_before = ? "
              "WHERE tree = 'doubt' AND statement_index = 2",
              {tsm::fingerprint_before(*conn, alter)});
  conn->execute("CREATE TABLE doubt_needed (id INTEGER PRIMARY KEY)");

  // The killed run's session, still running its ALTER: it waits behind a reader's metadata lock
  // until the reader ends, 2 s after the rerun starts.
  auto reader = cli.db().connect();
  reader->begin();
  reader->query("SELECT COUNT(*) FROM doubt_one");
  auto orphan = cli.db().connect();
  std::string orphan_error;
  std::thread killed_run([&] {
    try {
      orphan->execute(alter);
    } catch (const std::exception& e) {
      orphan_error = e.what();
    }
  });
  auto running = [&] {
    return conn->query("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO = ?", {alter})[0][0] !=
           std::optional<std::string>("0");
  };
  for (int i = 0; i < 200 && !running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  REQUIRE(running());
  std::thread reader_ends([&] {
    std::this_thread::sleep_for(std::chrono::seconds(2));
    reader->commit();
  });

  auto r = cli.run(upgrade);
  reader_ends.join();
  killed_run.join();
  INFO(r.err);
  CHECK(orphan_error.empty());
  REQUIRE(r.exit_code == 0);
  CHECK(contains(r.err, "still runs on the server"));
  CHECK(contains(r.err, "shows it took effect"));
  CHECK(cli.versions("turnstone_doubt_version") == std::vector<std::string>{"d0b700000002"});
  CHECK(cli.db().column("SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() "
                        "AND TABLE_NAME = 'doubt_one' AND COLUMN_NAME = 'note'") == std::vector<std::string>{"1"});
  CHECK(cli.db().column("SELECT COUNT(*) FROM doubt_needed") == std::vector<std::string>{"1"});
  CHECK(progress_rows(cli).empty());
}
