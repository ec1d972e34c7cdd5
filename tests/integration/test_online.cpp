// Online schema changes (docs/online.md) on the real servers: bounded lock waits with retries and
// the blocker named when the budget runs out, a killed CREATE INDEX CONCURRENTLY cleaned up by
// the rerun, and a killed backfill resuming after its last committed batch.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <fstream>
#include <future>
#include <thread>

#include "core/base/errors.h"
#include "core/run/backfill.h"
#include "core/run/executor.h"
#include "core/run/tree_session.h"
#include "core/run/workspace.h"
#include "support/test_db.h"

using namespace tsm;
using namespace std::chrono_literals;

namespace {

std::vector<DialectKind> servers() {
  std::vector<DialectKind> out;
  for (auto kind : test::backends_under_test())
    if (kind != DialectKind::sqlite) out.push_back(kind);
  return out;
}

void write_unit(const std::string& dir, const std::string& file, const std::string& text) {
  std::ofstream(dir + "/" + file) << text;
}

std::string own_session_id(Connection& c) {
  const char* sql = c.dialect().kind() == DialectKind::postgresql ? "SELECT pg_backend_pid()::text"
                                                                  : "SELECT CAST(CONNECTION_ID() AS CHAR)";
  return *c.query(sql).at(0).at(0);
}

bool has_column(const test::TestDatabase& db, const std::string& table, const std::string& column) {
  auto live = db.connect()->introspect({});
  for (const auto& c : live.tables.at(table).columns)
    if (c.name == column) return true;
  return false;
}

}  // namespace

TEST_CASE("a DDL statement behind a held table lock retries, and past the budget names the blocker",
          "[online][integration]") {
  for (auto kind : servers()) {
    INFO(dialect_name(kind));
    test::TestDatabase db(kind);
    db.connect()->execute("CREATE TABLE busy (id INTEGER PRIMARY KEY, v INTEGER)");
    db.connect()->execute("INSERT INTO busy (id, v) VALUES (1, 1)");
    write_unit(db.dir(), "1.sql",
               "-- revision: onl000000001\n-- down_revision: none\n-- tree: onl\n-- +upgrade\n"
               "ALTER TABLE busy ADD COLUMN c1 INTEGER;\n-- +downgrade\nALTER TABLE busy DROP COLUMN c1;\n");
    Settings s;
    s.main_url = db.url();
    s.revision_dirs = {db.dir()};
    s.tree = "onl";
    s.ddl_lock_wait = 100ms;
    s.lock_budget = 20s;

    // A reader holds the table (an open transaction that read it) and lets go after 2 s.
    auto reader = db.connect();
    reader->begin();
    reader->query("SELECT count(*) FROM busy");
    auto release = std::async(std::launch::async, [&] {
      std::this_thread::sleep_for(2s);
      reader->commit();
    });
    const auto t0 = std::chrono::steady_clock::now();
    auto result = migrate(Workspace(s), Direction::up, "head");
    const double waited = seconds_since(t0);
    release.get();
    CHECK(result.heads_after["onl"] == std::vector<std::string>{"onl000000001"});
    CHECK(has_column(db, "busy", "c1"));
    CHECK(waited >= 1.5);  // it did wait for the reader …
    CHECK(waited < 15);    // … and went on soon after it let go

    // With a 1 s budget it gives up: exit 1, the statement not run, the reader named.
    write_unit(db.dir(), "2.sql",
               "-- revision: onl000000002\n-- down_revision: onl000000001\n-- tree: onl\n-- +upgrade\n"
               "ALTER TABLE busy ADD COLUMN c2 INTEGER;\n-- +downgrade\nALTER TABLE busy DROP COLUMN c2;\n");
    s.lock_budget = 1s;
    reader->begin();
    reader->query("SELECT count(*) FROM busy");
    const std::string blocker = own_session_id(*reader);
    std::string message;
    ExitCode code = ExitCode::ok;
    try {
      migrate(Workspace(s), Direction::up, "head");
    } catch (const Error& e) {
      message = e.what();
      code = e.code();
    }
    reader->rollback();
    INFO(message);
    CHECK(code == ExitCode::migration_failed);
    CHECK(message.find("--lock-budget 1.0s") != std::string::npos);
    CHECK(message.find((kind == DialectKind::postgresql ? "pid " : "connection ") + blocker + " ") != std::string::npos);
    CHECK_FALSE(has_column(db, "busy", "c2"));
    CHECK(db.column("SELECT version_num FROM turnstone_onl_version") == std::vector<std::string>{"onl000000001"});
  }
}

TEST_CASE("postgresql: a killed CREATE INDEX CONCURRENTLY leaves an INVALID index the rerun rebuilds",
          "[online][integration][postgresql]") {
  if (!test::backend_available(DialectKind::postgresql)) return;
  test::TestDatabase db(DialectKind::postgresql);
  auto setup = db.connect();
  setup->execute("CREATE TABLE big (id BIGINT PRIMARY KEY, t TEXT)");
  setup->execute("INSERT INTO big SELECT g, md5(g::text) FROM generate_series(1, 20000) g");
  Schema schema;
  schema.apply(CreateTable{TableSpec{"big", {col::big_integer("id").pk(), col::text("t")}, {}, {}, {}, {}}});
  const auto statements = setup->dialect().render(CreateIndex{{"ix_big_t", "big", {"t"}, false, ""}}, schema);

  // A writer with an open transaction: the concurrent build registers its (INVALID) index, then
  // waits for that transaction; the test kills the build there.
  auto writer = db.connect();
  writer->begin();
  writer->execute("INSERT INTO big VALUES (20001, 'x')");
  auto migration = db.connect();
  migration->set_ddl_lock_wait(100ms, 60s);
  const std::string migration_pid = own_session_id(*migration);
  auto build = std::async(std::launch::async, [&] {
    const Statement* current = nullptr;
    migration->begin();
    exec_in_transaction(*migration, statements, true, &current, 60s);
    migration->commit();
  });
  bool waiting = false;
  for (int i = 0; i < 100 && !waiting; ++i) {
    std::this_thread::sleep_for(100ms);
    waiting = !setup->query("SELECT 1 FROM pg_stat_activity WHERE pid = ?::int AND query LIKE 'CREATE INDEX CONCURRENTLY%' "
                            "AND wait_event_type = 'Lock'",
                            {migration_pid})
                   .empty();
  }
  REQUIRE(waiting);
  setup->query("SELECT pg_terminate_backend(?::int)", {migration_pid});
  CHECK_THROWS_AS(build.get(), StatementError);
  writer->commit();
  const char* validity = "SELECT ix.indisvalid::text FROM pg_index ix JOIN pg_class c ON c.oid = ix.indexrelid "
                         "WHERE c.relname = 'ix_big_t'";
  CHECK(db.column(validity) == std::vector<std::string>{"false"});

  // The rerun (the same statements, as the next `upgrade` runs them) drops it and builds again.
  auto rerun = db.connect();
  rerun->set_ddl_lock_wait(100ms, 60s);
  const Statement* current = nullptr;
  rerun->begin();
  exec_in_transaction(*rerun, statements, true, &current, 60s);
  rerun->commit();
  CHECK(db.column(validity) == std::vector<std::string>{"true"});
}

TEST_CASE("postgresql: indexes on tables the same run created are built plainly, on older ones concurrently",
          "[online][integration][postgresql]") {
  // Regression (bench/tenants): base -> head on new schemas built 0002's full-text index and
  // 0008's indexes CONCURRENTLY on tables created seconds before, and each build waited for every
  // older transaction in the database (the other --jobs workers). A REPEATABLE READ reader holds
  // a snapshot here: a concurrent build must wait for it, a plain one need not.
  if (!test::backend_available(DialectKind::postgresql)) return;
  test::TestDatabase db(DialectKind::postgresql);
  Settings s;
  s.main_url = db.url();
  s.tree = "main";
  s.ddl_lock_wait = 100ms;
  s.lock_budget = 2s;
  const Workspace ws(s);
  const auto chain = ws.graph().topological("main");
  REQUIRE(chain.size() > 2);
  const std::string first = chain.front()->id;
  auto reader = db.connect();
  reader->execute("CREATE TABLE probe (id INTEGER)");
  const std::string reader_pid = own_session_id(*reader);
  auto hold_snapshot = [&] {  // a snapshot, and a table lock that names the reader as the blocker
    reader->execute("BEGIN ISOLATION LEVEL REPEATABLE READ");
    reader->query("SELECT count(*) FROM probe");
  };

  hold_snapshot();
  auto result = migrate(ws, Direction::up, "head");
  CHECK(result.heads_after["main"] == std::vector<std::string>{chain.back()->id});
  CHECK(db.column("SELECT indexname FROM pg_indexes WHERE tablename = 'log_entries' AND indexname LIKE 'ix_%fts%'")
            .size() == 1);
  reader->execute("ROLLBACK");

  // log_entries now exists before the run: 0002's full-text index is built concurrently and waits
  // for the reader until the budget runs out.
  migrate(ws, Direction::down, first);
  hold_snapshot();
  std::string message;
  ExitCode code = ExitCode::ok;
  try {
    migrate(ws, Direction::up, "head");
  } catch (const Error& e) {
    message = e.what();
    code = e.code();
  }
  reader->execute("ROLLBACK");
  INFO(message);
  CHECK(code == ExitCode::migration_failed);
  CHECK(message.find("upgrade " + chain[1]->id + " ") != std::string::npos);  // 0002, the full-text index
  CHECK(message.find("pid " + reader_pid + " ") != std::string::npos);
  CHECK(db.column("SELECT version_num FROM turnstone_version") == std::vector<std::string>{first});
}

TEST_CASE("a killed backfill resumes after its last committed batch", "[online][integration]") {
  for (auto kind : test::backends_under_test()) {
    INFO(dialect_name(kind));
    test::TestDatabase db(kind);
    auto conn = db.connect();
    conn->execute("CREATE TABLE items (id BIGINT PRIMARY KEY, touched INTEGER NOT NULL DEFAULT 0)");
    for (int start = 1; start <= 5000; start += 500) {
      std::string sql = "INSERT INTO items (id) VALUES ";
      for (int i = start; i < start + 500; ++i) sql += (i == start ? "(" : ", (") + std::to_string(i) + ")";
      conn->execute(sql);
    }
    BackfillOptions o;
    o.first_batch_rows = 400;
    o.target_batch_ms = 100000;  // grows 2× per batch: 400, 800, 1600, …
    o.pause_percent = 0;
    const auto st = conn->dialect().render(Backfill{"items", "touched = touched + 1", o}, Schema{});
    REQUIRE(st.size() == 1);
    REQUIRE(st[0].batched);
    // "Killed" right after the second batch committed.
    struct Killed {};
    CHECK_THROWS_AS(run_backfill(*conn, *st[0].batched, 5s,
                                 [](long long batch, long long) {
                                   if (batch == 2) throw Killed{};
                                 }),
                    Killed);
    CHECK(db.column("SELECT count(*) FROM items WHERE touched = 1") == std::vector<std::string>{"1200"});
    CHECK(db.column("SELECT done_through FROM turnstone_migrate_backfill") == std::vector<std::string>{"1200"});

    auto resumed = run_backfill(*conn, *st[0].batched, 5s);
    CHECK(resumed.resumed_after == 1200);
    CHECK(resumed.batches == 4);  // 1201..1600, ..2400, ..4000, ..5000: nothing before 1201 again
    // Not one row updated twice, none missed.
    CHECK(db.column("SELECT count(*) FROM items WHERE touched = 1") == std::vector<std::string>{"5000"});
    CHECK(db.column("SELECT count(*) FROM items WHERE touched <> 1") == std::vector<std::string>{"0"});
    CHECK(db.column("SELECT count(*) FROM turnstone_migrate_backfill") == std::vector<std::string>{"0"});
  }
}

// MariaDB full text on a side table (docs/online.md): revision 2 fills it in batches while a
// writer keeps inserting, updating and deleting log rows; afterwards the side table equals the
// table row for row and search finds the writer's rows, and log_entries' next column change is
// still INSTANT.
TEST_CASE("mariadb: the full-text side table is built under concurrent writes and ends equal to the table",
          "[online][integration][mariadb]") {
  if (!test::backend_available(DialectKind::mariadb)) return;
  test::TestDatabase db(DialectKind::mariadb);
  Settings s;
  s.main_url = db.url();
  s.tree = "main";
  const Workspace ws(s);
  const auto chain = ws.graph().topological("main");
  REQUIRE(chain.size() > 3);
  migrate(ws, Direction::up, chain[0]->id);
  auto setup = db.connect();
  setup->execute("INSERT INTO sources (id, kind) VALUES ('bench', 'file')");
  setup->execute("SET SESSION max_recursive_iterations = 100000");
  setup->execute(
      "INSERT INTO log_entries (source_id, timestamp, severity, message) WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL "
      "SELECT n + 1 FROM g WHERE n < 20000) SELECT 'bench', NOW(), 'INFO', CONCAT('seed line ', n, ' token', n % 97) "
      "FROM g");

  std::atomic<bool> stop{false};
  std::atomic<int> writes{0};
  auto writer = std::async(std::launch::async, [&] {
    auto w = db.connect();
    for (int i = 0; !stop; ++i) {
      w->query("INSERT INTO log_entries (source_id, timestamp, severity, message) VALUES ('bench', NOW(), 'INFO', ?)",
               {"written meanwhile w" + std::to_string(i)});
      if (i % 3 == 0)
        w->query("UPDATE log_entries SET message = CONCAT('changed ', id) WHERE id = ?", {std::to_string(1 + i * 7)});
      if (i % 5 == 0) w->query("DELETE FROM log_entries WHERE id = ?", {std::to_string(2 + i * 11)});
      ++writes;
    }
  });
  migrate(ws, Direction::up, chain[1]->id);
  std::this_thread::sleep_for(200ms);  // the triggers alone from here on
  stop = true;
  writer.get();
  REQUIRE(writes > 0);

  CHECK(db.column("SELECT COUNT(*) FROM log_entries_fts") == db.column("SELECT COUNT(*) FROM log_entries"));
  CHECK(db.column("SELECT COUNT(*) FROM log_entries e LEFT JOIN log_entries_fts f ON f.id = e.id "
                  "WHERE f.id IS NULL OR NOT (f.message <=> e.message)") == std::vector<std::string>{"0"});
  const std::string last = "w" + std::to_string(writes - 1);
  CHECK(db.column("SELECT COUNT(*) FROM log_entries e JOIN log_entries_fts f ON f.id = e.id WHERE "
                  "MATCH(f.message) AGAINST ('+" + last + "' IN BOOLEAN MODE)") == std::vector<std::string>{"1"});
  // Revision 3 adds columns to log_entries: no copy of the table (the index is not on it).
  migrate(ws, Direction::up, chain[2]->id);
  CHECK(db.column("SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND "
                  "TABLE_NAME = 'log_entries' AND COLUMN_NAME = 'FTS_DOC_ID'") == std::vector<std::string>{"0"});
}
