// SQLite connections: opening rules (never create on read), pragmas, parameter binding,
// statement timeouts, and the per-tree migration lock.
#include <sys/stat.h>

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <thread>

#include "core/base/errors.h"
#include "tests/support/sqlite_util.h"
#include "tests/support/test_db.h"

using namespace tsm;
using tsm::sqlite_test::strings;

namespace {

std::unique_ptr<Connection> open(const std::string& path, bool create, std::optional<std::chrono::seconds> timeout = {}) {
  ConnectOptions options;
  options.create_if_missing = create;
  options.statement_timeout = timeout;
  return backend_for(DialectKind::sqlite).connect(parse_url("sqlite:///" + path), options);
}

}  // namespace

TEST_CASE("sqlite: a read connection never creates a missing file", "[sqlite][integration][connect]") {
  test::TestDatabase db(DialectKind::sqlite);
  const std::string missing = db.dir() + "/nope.db";
  try {
    open(missing, false);
    FAIL("connect succeeded");
  } catch (const ConnectError& e) {
    CHECK(std::string(e.what()) == "database file " + missing + " does not exist");
    CHECK(e.code() == ExitCode::connect);
  }
  CHECK_FALSE(std::filesystem::exists(missing));

  CHECK_THROWS_WITH(open(db.dir() + "/no/such/dir/x.db", true), Catch::Contains("directory") &&
                                                                     Catch::Contains("does not exist"));
  std::ofstream(db.dir() + "/junk.db") << "this is not a database, just some text that is long enough to matter";
  CHECK_THROWS_WITH(open(db.dir() + "/junk.db", false), Catch::Contains("not a SQLite database"));
}

TEST_CASE("sqlite: a write connection creates the file in WAL mode with foreign keys on", "[sqlite][integration][connect]") {
  test::TestDatabase db(DialectKind::sqlite);
  auto c = open(db.name(), true);
  CHECK(std::filesystem::exists(db.name()));
  CHECK(strings(*c, "PRAGMA journal_mode") == std::vector<std::string>{"wal"});
  CHECK(strings(*c, "PRAGMA foreign_keys") == std::vector<std::string>{"1"});
  CHECK(std::stoi(strings(*c, "PRAGMA busy_timeout").at(0)) >= 5000);

  // A read-only file (and a read connection) still reads.
  c->execute("CREATE TABLE t (a TEXT)");
  c.reset();
  auto r = open(db.name(), false);
  CHECK(r->table_exists("t"));
  CHECK(r->table_exists("T"));
  CHECK_FALSE(r->table_exists("u"));

  auto m = backend_for(DialectKind::sqlite).connect(parse_url("sqlite://"), ConnectOptions{});
  m->execute("CREATE TABLE x (a)");
  CHECK(m->table_exists("x"));
}

TEST_CASE("sqlite: query binds parameters instead of pasting them", "[sqlite][integration][connect]") {
  test::TestDatabase db(DialectKind::sqlite);
  auto c = db.connect();
  c->execute("CREATE TABLE t (a TEXT, b INTEGER, c BLOB)");
  c->query("INSERT INTO t (a, b) VALUES (?, ?)", {"x'); DROP TABLE t; --", "7"});
  c->execute("INSERT INTO t (a, b, c) VALUES (NULL, 1, x'00ff')");
  auto rows = c->query("SELECT a, b, c FROM t ORDER BY b DESC");
  REQUIRE(rows.size() == 2);
  CHECK(rows[0][0] == std::optional<std::string>("x'); DROP TABLE t; --"));
  CHECK(rows[0][1] == std::optional<std::string>("7"));
  CHECK_FALSE(rows[1][0].has_value());
  CHECK(rows[1][2] == std::optional<std::string>(std::string("\0\xff", 2)));
  CHECK_THROWS_AS(c->query("SELECT ?", {}), StatementError);
  CHECK_THROWS_WITH(c->execute("SELEC 1"), Catch::Contains("syntax error"));
  try {
    c->execute("INSERT INTO missing VALUES (1)");
  } catch (const StatementError& e) {
    CHECK(e.sql == "INSERT INTO missing VALUES (1)");
  }
}

TEST_CASE("sqlite: statement timeout interrupts a long statement", "[sqlite][integration][connect]") {
  test::TestDatabase db(DialectKind::sqlite);
  auto c = open(db.name(), true, std::chrono::seconds(1));
  auto started = std::chrono::steady_clock::now();
  CHECK_THROWS_WITH(c->query("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n"),
                    Catch::Contains("statement timeout"));
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(5));
  CHECK(strings(*c, "SELECT 1") == std::vector<std::string>{"1"});
}

TEST_CASE("sqlite: the migration lock is exclusive per tree and released on destruction", "[sqlite][integration][lock]") {
  test::TestDatabase db(DialectKind::sqlite);
  auto a = db.connect();
  auto b = db.connect();
  auto held = a->acquire_lock("main", std::chrono::seconds(1), nullptr);
  CHECK(std::filesystem::exists(db.name() + "-migrate.lock"));

  int waited = 0;
  std::string message;
  auto started = std::chrono::steady_clock::now();
  CHECK_THROWS_AS(b->acquire_lock("main", std::chrono::seconds(1),
                                  [&](const std::string& m) {
                                    ++waited;
                                    message = m;
                                  }),
                  LockTimeoutError);
  auto took = std::chrono::steady_clock::now() - started;
  CHECK(took >= std::chrono::milliseconds(900));
  CHECK(took < std::chrono::seconds(3));
  CHECK(waited == 1);
  CHECK(message.find("another turnstone-migrate process holds") != std::string::npos);

  // Another tree is a different lock.
  auto other = b->acquire_lock("context", std::chrono::seconds(1), nullptr);
  CHECK(other != nullptr);

  // Released on destruction: a waiter gets it as soon as it is free.
  std::thread release([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    held.reset();
  });
  waited = 0;
  auto again = b->acquire_lock("main", std::chrono::seconds(5), [&](const std::string&) { ++waited; });
  release.join();
  CHECK(again != nullptr);
  CHECK(waited == 1);
}
