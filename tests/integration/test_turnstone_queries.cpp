// Turnstone's own queries work on each backend at head: a fresh database upgraded to the main
// head, the rows the app writes (sources, log entries with matched_patterns, detections, an
// incident, two tenants), then the SQL the app runs on that backend — full-text search with
// source and time-window filters newest first, JSON pattern filters, the detections/incidents
// join, tenant filters — and ON DELETE CASCADE from log entries.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "tests/support/turnstone_queries.h"

using tsm::Connection;
using tsm::DialectKind;
using Ids = std::vector<std::string>;

namespace {

struct Entry {
  std::string source_id, timestamp, tenant, message, patterns;
};

// Ids 1..8 in insertion order on a fresh database. 1-6 are the FTS parity messages; 7 is a later
// sshd failure in another tenant, 8 an sshd failure before the time window.
const std::vector<Entry> kEntries = {
    {"journald:sshd", "2024-05-01 10:00:00", "default", "sshd authentication failure for root from 10.0.0.5",
     R"([{"pattern":"ssh_bruteforce","label":"auth"}])"},
    {"docker:nginx", "2024-05-01 10:05:00", "default", "nginx upstream timed out while reading",
     R"([{"pattern":"upstream_timeout","label":"network"}])"},
    {"journald:kernel", "2024-05-01 10:10:00", "default", "kernel: authorization denied for user bob",
     R"([{"pattern":"access_denied","label":"auth"}])"},
    {"journald:sshd", "2024-05-01 10:15:00", "default", "sshd accepted publickey for alice", "[]"},
    {"file:/var/log/syslog", "2024-05-01 10:20:00", "acme", "disk full on /var/log partition",
     R"([{"pattern":"disk_full","label":"storage"}])"},
    {"journald:sshd", "2024-05-01 10:25:00", "default", "authentication token expired for service api",
     R"([{"pattern":"token_expiry","label":"auth"},{"pattern":"ssh_bruteforce","label":"auth"}])"},
    {"journald:sshd", "2024-05-01 10:40:00", "acme", "sshd authentication failure for admin from 10.0.0.9",
     R"([{"pattern":"ssh_bruteforce","label":"auth"}])"},
    {"journald:sshd", "2024-05-01 09:00:00", "default", "sshd authentication failure for root from 10.0.0.7", "[]"},
};

// The time window every search uses: entry 8 (09:00) falls before it.
const std::string kFrom = "2024-05-01 09:30:00", kTo = "2024-05-01 11:00:00";

Ids first_column(Connection& c, const std::string& sql, const std::vector<std::string>& params = {}) {
  std::vector<std::string> out;
  for (auto& row : c.query(sql, params)) out.push_back(row.at(0).value_or("NULL"));
  return out;
}

void insert_rows(Connection& c) {
  const auto& d = c.dialect();
  const std::string sources = "INSERT INTO sources (id, kind, display_name, tenant_id) VALUES (?, ?, ?, ?)";
  for (const auto& s : std::vector<std::vector<std::string>>{{"journald:sshd", "journald", "sshd", "default"},
                                                            {"docker:nginx", "docker", "nginx", "default"},
                                                            {"journald:kernel", "journald", "kernel", "default"},
                                                            {"file:/var/log/syslog", "file", "syslog", "acme"}})
    c.query(sources, s);
  // "timestamp" is a column name, quoted through the dialect.
  const std::string entries = "INSERT INTO log_entries (source_id, " + d.quote("timestamp") +
                              ", tenant_id, message, matched_patterns) VALUES (?, ?, ?, ?, ?)";
  for (const auto& e : kEntries) c.query(entries, {e.source_id, e.timestamp, e.tenant, e.message, e.patterns});

  const std::string detections =
      "INSERT INTO detections (entry_id, anomaly_label, score, scorer, tenant_id) VALUES (?, ?, ?, ?, ?)";
  c.query(detections, {"1", "bruteforce", "0.91", "anomaly", "default"});
  c.query(detections, {"1", "credential_attack", "0.97", "cybersec", "default"});
  c.query(detections, {"2", "latency", "0.55", "anomaly", "default"});
  c.query(detections, {"6", "credential_attack", "0.80", "cybersec", "default"});
  c.query(detections, {"7", "bruteforce", "0.88", "anomaly", "acme"});

  c.query("INSERT INTO incidents (label, started_at, severity, tenant_id) VALUES (?, ?, ?, ?)",
          {"ssh brute force on bastion", "2024-05-01 10:00:00", "high", "default"});
  c.query("INSERT INTO incidents (label, started_at, severity, tenant_id) VALUES (?, ?, ?, ?)",
          {"acme brute force", "2024-05-01 10:40:00", "critical", "acme"});
  const std::string link = "INSERT INTO incident_entries (incident_id, entry_id, tenant_id) VALUES (?, ?, ?)";
  c.query(link, {"1", "1", "default"});
  c.query(link, {"1", "6", "default"});
  c.query(link, {"1", "4", "default"});  // an entry without detections: the inner join drops it
  c.query(link, {"2", "7", "acme"});
}

// The full-text predicate as the app writes it on each backend, for a search `kind`.
enum class Search { keyword, all_words, prefix, phrase };

// Full-text search with source and time-window filters, newest first. `terms` is the user's
// input; the app turns it into the backend's query syntax (shown in README's table).
Ids search(Connection& c, Search kind, const std::vector<std::string>& terms, const std::string& source) {
  const auto& d = c.dialect();
  const std::string ts = "e." + d.quote("timestamp");
  const std::string filters = " AND e.source_id = ? AND " + ts + " >= ? AND " + ts + " < ? ORDER BY " + ts + " DESC";
  std::string sql, query;
  switch (d.kind()) {
    case DialectKind::sqlite: {
      // FTS5: words are AND-ed, `w*` is a prefix, "a b" a phrase.
      for (const auto& t : terms) query += (query.empty() ? "" : " ") + t;
      if (kind == Search::prefix) query += "*";
      if (kind == Search::phrase) query = "\"" + query + "\"";
      sql = "SELECT e.id FROM log_entries e JOIN log_entries_fts f ON f.rowid = e.id WHERE log_entries_fts MATCH ?";
      break;
    }
    case DialectKind::postgresql: {
      // The expression of the GIN index ix_log_entries_fts, to_tsvector('simple', message), so the
      // index serves it: `a & b`, `w:*`, phraseto_tsquery.
      const bool phrase = kind == Search::phrase;
      for (const auto& t : terms) query += (query.empty() ? "" : phrase ? " " : " & ") + t;
      if (kind == Search::prefix) query += ":*";
      const std::string fn = phrase ? "phraseto_tsquery" : "to_tsquery";
      sql = "SELECT e.id FROM log_entries e WHERE to_tsvector('simple', e.message) @@ " + fn + "('simple', ?)";
      break;
    }
    case DialectKind::mariadb: {
      // InnoDB FULLTEXT in boolean mode on the side table log_entries_fts: `+a +b`, `w*`, "a b".
      for (const auto& t : terms) query += (query.empty() ? "+" : " +") + t;
      if (kind == Search::prefix) query += "*";
      if (kind == Search::phrase) query = "\"" + terms.at(0) + " " + terms.at(1) + "\"";  // no '+': one phrase
      sql = "SELECT e.id FROM log_entries e JOIN log_entries_fts f ON f.id = e.id WHERE MATCH(f.message) AGAINST(? IN "
            "BOOLEAN MODE)";
      break;
    }
  }
  return first_column(c, sql + filters, {query, source, kFrom, kTo});
}

// Entries whose matched_patterns array holds an element with `key` = `value`.
Ids with_pattern(Connection& c, const std::string& key, const std::string& value) {
  std::string where;
  switch (c.dialect().kind()) {
    case DialectKind::sqlite:
      where = "EXISTS (SELECT 1 FROM json_each(log_entries.matched_patterns) j WHERE json_extract(j.value, '$.' || ?) = ?)";
      break;
    case DialectKind::postgresql:
      where = "matched_patterns @> jsonb_build_array(jsonb_build_object(?::text, ?::text))";
      break;
    case DialectKind::mariadb:
      where = "JSON_CONTAINS(matched_patterns, JSON_OBJECT(?, ?))";
      break;
  }
  return first_column(c, "SELECT id FROM log_entries WHERE " + where + " ORDER BY id", {key, value});
}

void run_turnstone_queries(DialectKind kind) {
  tsm::test::MigratedDatabase db(kind);
  db.upgrade_all("main");
  Connection& c = db.main();
  insert_rows(c);
  // A fresh database numbers the entries 1..8 in insertion order on every backend.
  REQUIRE(first_column(c, "SELECT id FROM log_entries ORDER BY id") == Ids{"1", "2", "3", "4", "5", "6", "7", "8"});

  SECTION("full-text search with source and time window, newest first") {
    CHECK(search(c, Search::keyword, {"authentication"}, "journald:sshd") == Ids{"7", "6", "1"});
    CHECK(search(c, Search::all_words, {"sshd", "authentication"}, "journald:sshd") == Ids{"7", "1"});
    CHECK(search(c, Search::prefix, {"auth"}, "journald:sshd") == Ids{"7", "6", "1"});
    CHECK(search(c, Search::prefix, {"auth"}, "journald:kernel") == Ids{"3"});
    CHECK(search(c, Search::phrase, {"token", "expired"}, "journald:sshd") == Ids{"6"});
    CHECK(search(c, Search::phrase, {"expired", "token"}, "journald:sshd").empty());
    CHECK(search(c, Search::keyword, {"authentication"}, "docker:nginx").empty());
    CHECK(search(c, Search::keyword, {"upstream"}, "docker:nginx") == Ids{"2"});
  }

  SECTION("rows written after the index exists are found, deleted ones are not") {
    c.query("INSERT INTO log_entries (source_id, " + c.dialect().quote("timestamp") +
                ", message) VALUES (?, ?, ?)",
            {"journald:sshd", "2024-05-01 10:50:00", "sshd authentication retry for carol"});
    CHECK(search(c, Search::keyword, {"authentication"}, "journald:sshd") == Ids{"9", "7", "6", "1"});
    c.execute("DELETE FROM log_entries WHERE id = 7");
    CHECK(search(c, Search::keyword, {"authentication"}, "journald:sshd") == Ids{"9", "6", "1"});
  }

  SECTION("filter by an element of the matched_patterns JSON array") {
    CHECK(with_pattern(c, "pattern", "ssh_bruteforce") == Ids{"1", "6", "7"});
    CHECK(with_pattern(c, "pattern", "disk_full") == Ids{"5"});
    CHECK(with_pattern(c, "label", "auth") == Ids{"1", "3", "6", "7"});
    CHECK(with_pattern(c, "pattern", "auth").empty());  // whole values only, no substring
    // The column defaults to an empty array.
    CHECK(first_column(c, "SELECT matched_patterns FROM log_entries WHERE id = 4") == Ids{"[]"});
  }

  SECTION("detections joined with log entries and incidents") {
    const auto rows = c.query(
        "SELECT i.label, e.id, d.scorer, d.anomaly_label, e.source_id FROM detections d "
        "JOIN log_entries e ON e.id = d.entry_id "
        "JOIN incident_entries ie ON ie.entry_id = e.id "
        "JOIN incidents i ON i.id = ie.incident_id "
        "WHERE i.tenant_id = ? ORDER BY e.id, d.scorer",
        {"default"});
    std::vector<std::string> got;
    for (const auto& r : rows)
      got.push_back(r.at(0).value_or("NULL") + "|" + r.at(1).value_or("NULL") + "|" + r.at(2).value_or("NULL") + "|" +
                    r.at(3).value_or("NULL") + "|" + r.at(4).value_or("NULL"));
    CHECK(got == std::vector<std::string>{
                     "ssh brute force on bastion|1|anomaly|bruteforce|journald:sshd",
                     "ssh brute force on bastion|1|cybersec|credential_attack|journald:sshd",
                     "ssh brute force on bastion|6|cybersec|credential_attack|journald:sshd",
                 });
    // Counting detections per incident, the way the incident list shows it.
    CHECK(first_column(c,
                       "SELECT COUNT(d.id) FROM incidents i JOIN incident_entries ie ON ie.incident_id = i.id "
                       "JOIN detections d ON d.entry_id = ie.entry_id GROUP BY i.id ORDER BY i.id") ==
          Ids{"3", "1"});
  }

  SECTION("tenant filter") {
    const std::string sql = "SELECT id FROM log_entries WHERE tenant_id = ? ORDER BY id";
    CHECK(first_column(c, sql, {"default"}) == Ids{"1", "2", "3", "4", "6", "8"});
    CHECK(first_column(c, sql, {"acme"}) == Ids{"5", "7"});
    CHECK(first_column(c, sql, {"nobody"}).empty());
    CHECK(first_column(c, "SELECT id FROM detections WHERE tenant_id = ? ORDER BY id", {"acme"}) == Ids{"5"});
    CHECK(first_column(c, "SELECT label FROM incidents WHERE tenant_id = ? ORDER BY id", {"acme"}) ==
          Ids{"acme brute force"});
    // A row written without tenant_id belongs to 'default'.
    c.query("INSERT INTO glean_runs (source_id, started_at, status) VALUES (?, ?, ?)",
            {"journald:sshd", "2024-05-01 10:00:00", "ok"});
    CHECK(first_column(c, "SELECT tenant_id FROM glean_runs") == Ids{"default"});
  }

  SECTION("deleting a log entry cascades to its detections and incident links") {
    CHECK(first_column(c, "SELECT COUNT(*) FROM detections WHERE entry_id = 1") == Ids{"2"});
    c.execute("DELETE FROM log_entries WHERE id = 1");
    CHECK(first_column(c, "SELECT COUNT(*) FROM detections WHERE entry_id = 1") == Ids{"0"});
    CHECK(first_column(c, "SELECT COUNT(*) FROM incident_entries WHERE entry_id = 1") == Ids{"0"});
    // Everything else stays.
    CHECK(first_column(c, "SELECT entry_id FROM detections ORDER BY id") == Ids{"2", "6", "7"});
    CHECK(first_column(c, "SELECT entry_id FROM incident_entries ORDER BY incident_id, entry_id") ==
          Ids{"4", "6", "7"});
    CHECK(first_column(c, "SELECT COUNT(*) FROM incidents") == Ids{"2"});
  }
}

}  // namespace

TEST_CASE("turnstone queries: search, JSON, joins, tenants and cascades at head on every backend",
          "[integration][turnstone][fts]") {
  for (auto kind : tsm::test::backends_under_test()) {
    SECTION(tsm::dialect_name(kind)) { run_turnstone_queries(kind); }
  }
}
