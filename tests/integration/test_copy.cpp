// `copy` through the engine (core/copy/): a Turnstone SQLite install with hostile rows goes
// SQLite → PostgreSQL → MariaDB → SQLite with identical checksums, byte-exact text, the same
// full-text hits and identities that continue past the copied ids; a copy SIGKILLed mid-way
// resumes to a verified result; every refusal leaves the target exactly as it was.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "core/base/errors.h"
#include "core/copy/copy.h"
#include "core/run/executor.h"
#include "tests/support/schema_fingerprint.h"
#include "tests/support/test_db.h"

using namespace tsm;
using tsm::test::TestDatabase;

namespace {

Workspace workspace_for(const std::string& url) {
  Settings s;
  s.main_url = url;
  s.lock_timeout = std::chrono::seconds(30);
  return Workspace(s);
}

Row q_row(Connection& c, const std::string& sql, const std::vector<std::string>& params = {}) {
  auto rows = c.query(sql, params);
  REQUIRE(rows.size() == 1);
  return rows[0];
}

std::string one(Connection& c, const std::string& sql, const std::vector<std::string>& params = {}) {
  auto r = q_row(c, sql, params);
  return r.at(0).value_or("NULL");
}

// 1 MB of text that is not one repeated byte.
std::string big_message() {
  std::string s;
  while (s.size() < (1u << 20)) s += "line " + std::to_string(s.size()) + " of a very long stack trace\n";
  return s;
}

const std::string kHostile = "emoji 🦀😀 ünïcödé 'single' \"double\" `back` \\N \\t C:\\path\ttab\nnewline\r\n end";
const std::string kJsonEscapes = R"([{"label":"\u00e9\ud83d\ude00 \"q\" \\","pattern":"esc"}])";

// A Turnstone install at both heads with `n` log entries and rows in every table, plus the
// hostile rows (ids n+1 … n+3).
void make_source(const std::string& url, int n) {
  Workspace ws = workspace_for(url);
  migrate(ws, Direction::up, "heads");
  auto main = ws.connect("main", true);
  auto ctx = ws.connect("context", true);
  main->begin();
  main->query("INSERT INTO sources (id, kind, display_name, config, enabled) VALUES (?, ?, ?, ?, ?)",
              {"journald:sshd", "journald", "sshd", R"({"unit":"sshd"})", "1"});
  main->query("INSERT INTO sources (id, kind, display_name, config, enabled) VALUES (?, ?, ?, ?, ?)",
              {"docker:nginx", "docker", kHostile, "{}", "0"});
  main->execute("INSERT INTO sources (id, kind, config, enabled) VALUES ('Host', 'file', '{}', 1)");
  main->execute("INSERT INTO sources (id, kind, config, enabled) VALUES ('host', 'file', '{}', 1)");
  const char* sev[] = {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"};
  for (int i = 1; i <= n; ++i) {
    main->query(
        "INSERT INTO log_entries (id, source_id, timestamp, severity, hostname, service, message, raw, "
        "matched_patterns, ingested_at, anomaly_score, anomaly_label) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        {std::to_string(i), i % 2 ? "journald:sshd" : "docker:nginx",
         "2024-05-01 10:" + std::to_string(10 + i % 50) + ":00", sev[i % 5], "host" + std::to_string(i % 7), "svc",
         "sshd authentication failure token" + std::to_string(i % 13) + " user" + std::to_string(i % 17),
         "raw line " + std::to_string(i), R"([{"label":"auth","pattern":"p)" + std::to_string(i % 3) + R"("}])",
         "2024-05-01 11:00:00", std::to_string(i % 10) + ".25", i % 4 ? "normal" : "anomalous"});
  }
  // Hostile rows: every byte that trips COPY/LOAD DATA escaping, a 1 MB message, NULLs in every
  // nullable column, JSON with unicode escapes.
  main->query("INSERT INTO log_entries (id, source_id, timestamp, severity, hostname, service, message, raw, "
              "matched_patterns, ingested_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
              {std::to_string(n + 1), "docker:nginx", "2024-05-02 00:00:00", "ERROR", kHostile, "\\", kHostile,
               "tab\there", kJsonEscapes, "2024-05-02 00:00:01"});
  main->query("INSERT INTO log_entries (id, source_id, timestamp, message, matched_patterns, ingested_at) "
              "VALUES (?, ?, ?, ?, ?, ?)",
              {std::to_string(n + 2), "journald:sshd", "2024-05-02 00:00:02", big_message(), "[]",
               "2024-05-02 00:00:03"});
  main->query("INSERT INTO log_entries (id, source_id, timestamp, message, ingested_at) VALUES (?, ?, ?, ?, ?)",
              {std::to_string(n + 3), "journald:sshd", "2024-05-02 00:00:04", "all nullable columns are NULL",
               "2024-05-02 00:00:05"});
  for (int i = 1; i <= n; i += 10)
    main->query("INSERT INTO detections (entry_id, anomaly_label, score, detected_at, acknowledged) VALUES (?, ?, ?, ?, ?)",
                {std::to_string(i), "anomalous", "0.5", "2024-05-01 12:00:00", i % 20 ? "0" : "1"});
  for (int i = 1; i <= 5; ++i) {
    main->query("INSERT INTO incidents (id, label, started_at, notes) VALUES (?, ?, ?, ?)",
                {std::to_string(i), "incident " + std::to_string(i), "2024-05-01 12:00:00", kHostile});
    for (int e = i; e <= n && e < i + 30; e += 3)
      main->query("INSERT INTO incident_entries (incident_id, entry_id) VALUES (?, ?)", {std::to_string(i), std::to_string(e)});
  }
  main->execute("INSERT INTO sent_bundles (incident_id, destination, sanitized, entry_count, sha256) "
                "VALUES (NULL, NULL, 1, 3, 'abc')");
  main->query("INSERT INTO received_bundles (origin, entry_count, payload) VALUES (?, ?, ?)",
              {"peer", "1", R"({"b":[1,2.5,true,null],"a":"é"})"});
  main->execute("INSERT INTO glean_runs (source_id, started_at, status) VALUES ('journald:sshd', '2024-05-01 10:00:00', 'ok')");
  main->commit();
  ctx->begin();
  for (int i = 1; i <= 50; ++i)
    ctx->query("INSERT INTO context_facts (subject, fact, source, confidence) VALUES (?, ?, ?, ?)",
               {"host" + std::to_string(i % 7), "runs sshd fact number " + std::to_string(i), "operator", "0.75"});
  ctx->commit();
}

std::map<std::string, std::string> checksums(const CopyReport& r) {
  std::map<std::string, std::string> out;
  for (const auto& t : r.tables) out[t.tree + "." + t.table] = std::to_string(t.source_rows) + "/" + t.source_checksum;
  return out;
}

std::vector<std::string> fts_hits(Connection& c, const std::string& word) {
  std::string sql;
  switch (c.dialect().kind()) {
    case DialectKind::sqlite:
      sql = "SELECT e.id FROM log_entries e JOIN log_entries_fts f ON f.rowid = e.id WHERE log_entries_fts MATCH ?";
      break;
    case DialectKind::postgresql: sql = "SELECT e.id FROM log_entries e WHERE to_tsvector('simple', e.message) @@ to_tsquery('simple', ?)";
      break;
    case DialectKind::mariadb:
      sql = "SELECT e.id FROM log_entries e JOIN log_entries_fts f ON f.id = e.id WHERE MATCH(f.message) AGAINST(? IN "
            "BOOLEAN MODE)";
      break;
  }
  std::vector<std::string> ids;
  for (const auto& r : c.query(sql + " ORDER BY e.id", {word})) ids.push_back(r[0].value_or(""));
  return ids;
}

CopyReport copy_to(const std::string& from, const std::string& to, bool resume = false, std::size_t batch = 500) {
  Workspace ws = workspace_for(from);
  CopyRequest req;
  req.to_url = to;
  req.resume = resume;
  req.batch_rows = batch;
  return run_copy(ws, req, nullptr);
}

int exit_code_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return static_cast<int>(e.code());
  }
  return 0;
}

}  // namespace

TEST_CASE("copy: SQLite → PostgreSQL → MariaDB → SQLite keeps every row, byte and checksum", "[copy]") {
  const int n = 1500;
  TestDatabase source(DialectKind::sqlite);
  make_source(source.url(), n);
  std::vector<std::unique_ptr<TestDatabase>> hops;
  for (auto kind : test::backends_under_test())
    if (kind != DialectKind::sqlite) hops.push_back(std::make_unique<TestDatabase>(kind));
  hops.push_back(std::make_unique<TestDatabase>(DialectKind::sqlite));

  auto src_conn = source.connect();
  const auto words = std::vector<std::string>{"token7", "user3", "newline"};
  std::map<std::string, std::vector<std::string>> hits;
  for (const auto& w : words) hits[w] = fts_hits(*src_conn, w);
  REQUIRE(hits["token7"].size() > 50);
  src_conn.reset();

  std::string from = source.url();
  std::map<std::string, std::string> first;
  for (auto& hop : hops) {
    INFO("copy " << from.substr(0, 12) << " → " << dialect_name(hop->kind()));
    CopyReport report = copy_to(from, hop->url());
    REQUIRE(report.verified);
    CHECK(report.tables.size() == 9);  // 8 main tables + context_facts
    if (first.empty()) first = checksums(report);
    CHECK(checksums(report) == first);
    CHECK(first.at("main.log_entries").rfind(std::to_string(n + 3) + "/", 0) == 0);

    auto c = hop->connect();
    // Version rows written, bookkeeping gone.
    CHECK(one(*c, "SELECT COUNT(*) FROM turnstone_version") == "1");
    CHECK_FALSE(c->table_exists(kCopyTable));
    // Bytes: hostile text, the 1 MB message, NULLs.
    auto h = q_row(*c, "SELECT message, hostname, service, raw FROM log_entries WHERE id = ?", {std::to_string(n + 1)});
    CHECK(h[0] == kHostile);
    CHECK(h[1] == kHostile);
    CHECK(h[2] == std::string("\\"));
    CHECK(h[3] == std::string("tab\there"));
    CHECK(one(*c, "SELECT message FROM log_entries WHERE id = ?", {std::to_string(n + 2)}) == big_message());
    auto nulls = q_row(*c, "SELECT hostname, service, raw, anomaly_score, anomaly_label, ml_score FROM log_entries WHERE id = ?",
                       {std::to_string(n + 3)});
    for (const auto& v : nulls) CHECK_FALSE(v.has_value());
    CHECK(one(*c, "SELECT COUNT(*) FROM sources WHERE id IN ('Host', 'host')") == "2");
    // Full-text: the same hits as the source.
    for (const auto& w : words) CHECK(fts_hits(*c, w) == hits[w]);
    // Identities continue past the highest copied id.
    c->query("INSERT INTO log_entries (source_id, timestamp, message) VALUES (?, ?, ?)",
             {"journald:sshd", "2024-06-01 00:00:00", "after the copy"});
    CHECK(std::stoll(one(*c, "SELECT id FROM log_entries WHERE message = ?", {"after the copy"})) > n + 3);
    c->query("DELETE FROM log_entries WHERE message = ?", {"after the copy"});
    from = hop->url();
  }
}

TEST_CASE("copy: a SIGKILLed copy resumes with no gap and no duplicate, and verifies", "[copy]") {
  const int n = 3000;
  TestDatabase source(DialectKind::sqlite);
  make_source(source.url(), n);
  for (auto kind : test::backends_under_test()) {
    SECTION(std::string("into ") + dialect_name(kind)) {
      TestDatabase target(kind);
      pid_t child = fork();
      REQUIRE(child >= 0);
      if (child == 0) {
        try {
          copy_to(source.url(), target.url(), false, 25);
        } catch (...) {
        }
        _exit(0);
      }
      // Kill it once some batches of log_entries are committed.
      bool killed_mid = false;
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
      while (std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        try {
          auto c = target.connect();
          if (!c->table_exists(kCopyTable)) continue;
          auto rows = c->query("SELECT copied_rows FROM turnstone_migrate_copy WHERE item = ?", {"table:main:log_entries"});
          if (!rows.empty() && rows[0][0] && std::stoll(*rows[0][0]) >= 500) {
            kill(child, SIGKILL);
            killed_mid = true;
            break;
          }
        } catch (const std::exception&) {
        }
      }
      int status = 0;
      waitpid(child, &status, 0);
      REQUIRE(killed_mid);
      REQUIRE(WIFSIGNALED(status));
      auto c = target.connect();
      CHECK(one(*c, "SELECT COUNT(*) FROM turnstone_version") == "0");  // not ready
      // Without --resume: refused (exit 5), nothing written.
      const std::string before = test::database_fingerprint(target) + one(*c, "SELECT COUNT(*) FROM log_entries");
      CHECK(exit_code_of([&] { copy_to(source.url(), target.url()); }) == 5);
      CHECK(test::database_fingerprint(target) + one(*c, "SELECT COUNT(*) FROM log_entries") == before);
      CopyReport report = copy_to(source.url(), target.url(), true, 25);
      CHECK(report.resumed);
      CHECK(report.verified);
      CHECK(one(*c, "SELECT COUNT(*) FROM log_entries") == std::to_string(n + 3));
      CHECK(one(*c, "SELECT COUNT(DISTINCT id) FROM log_entries") == std::to_string(n + 3));
      CHECK(one(*c, "SELECT COUNT(*) FROM turnstone_version") == "1");
      // --verify-only reruns just the check.
      Workspace ws = workspace_for(source.url());
      CopyRequest req;
      req.to_url = target.url();
      req.verify_only = true;
      CHECK(run_copy(ws, req, nullptr).verified);
      // A changed row is found and named.
      c->query("UPDATE log_entries SET message = ? WHERE id = ?", {"tampered", "42"});
      CopyReport bad = run_copy(ws, req, nullptr);
      CHECK_FALSE(bad.verified);
      for (const auto& t : bad.tables)
        if (t.table == "log_entries") {
          CHECK_FALSE(t.match);
          CHECK(t.first_difference == std::optional<std::string>("id=42"));
        }
    }
  }
}

TEST_CASE("copy: refusals write nothing to the target", "[copy]") {
  TestDatabase source(DialectKind::sqlite);
  make_source(source.url(), 20);
  for (auto kind : test::backends_under_test()) {
    SECTION(std::string("into ") + dialect_name(kind)) {
      TestDatabase target(kind);
      auto tc = target.connect();
      auto fingerprint = [&] {
        return test::database_fingerprint(target) + (tc->table_exists(kCopyTable) ? "+copy" : "") +
               (tc->table_exists("turnstone_version") ? "+version" : "");
      };
      const std::string empty = fingerprint();

      SECTION("an unversioned source: stamp --detect first") {
        TestDatabase bare(DialectKind::sqlite);
        bare.connect()->execute("CREATE TABLE log_entries (id INTEGER PRIMARY KEY, message TEXT)");
        CHECK(exit_code_of([&] { copy_to(bare.url(), target.url()); }) == 5);
        CHECK(fingerprint() == empty);
      }
      SECTION("a source at a revision this build does not know") {
        source.connect()->execute("INSERT INTO turnstone_version (version_num) VALUES ('ffffffffffff')");
        CHECK(exit_code_of([&] { copy_to(source.url(), target.url()); }) == 5);
        CHECK(fingerprint() == empty);
        source.connect()->execute("DELETE FROM turnstone_version WHERE version_num = 'ffffffffffff'");
      }
      SECTION("a target that is not empty") {
        tc->execute("CREATE TABLE operator_notes (id INTEGER PRIMARY KEY, note VARCHAR(20))");
        tc->execute("INSERT INTO operator_notes (id, note) VALUES (1, 'keep me')");
        const std::string before = fingerprint();
        CHECK(exit_code_of([&] { copy_to(source.url(), target.url()); }) == 5);
        CHECK(exit_code_of([&] { copy_to(source.url(), target.url(), true); }) == 5);
        CHECK(fingerprint() == before);
        CHECK(one(*tc, "SELECT note FROM operator_notes") == "keep me");
      }
      SECTION("an already copied target") {
        REQUIRE(copy_to(source.url(), target.url()).verified);
        const std::string before = fingerprint() + one(*tc, "SELECT COUNT(*) FROM log_entries");
        CHECK(exit_code_of([&] { copy_to(source.url(), target.url()); }) == 5);
        CHECK(fingerprint() + one(*tc, "SELECT COUNT(*) FROM log_entries") == before);
        // Regression (bench/copy/trials): a kill after the copy's last commit, then --resume, was
        // refused as "not empty". It verifies instead, and writes nothing.
        CopyReport again = copy_to(source.url(), target.url(), /*resume=*/true);
        CHECK(again.verified);
        CHECK(again.resumed);
        CHECK(again.tables.size() == 9);
        for (const auto& t : again.tables) CHECK(t.rows_copied == 0);
        CHECK(fingerprint() + one(*tc, "SELECT COUNT(*) FROM log_entries") == before);
        // A target at another revision is still refused with --resume.
        tc->execute("DELETE FROM turnstone_version");
        tc->execute("INSERT INTO turnstone_version (version_num) VALUES ('46e594ad4dde')");
        CHECK(exit_code_of([&] { copy_to(source.url(), target.url(), true); }) == 5);
      }
      SECTION("the same database on both sides is a usage error") {
        CHECK(exit_code_of([&] { copy_to(source.url(), source.url()); }) == 2);
      }
    }
  }
}
