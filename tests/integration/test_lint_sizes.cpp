// lint with a database: real table sizes (Connection::table_sizes, dialects/<name>/<name>_sizes.cpp)
// feed the blocking-time estimate, and the default mode lints exactly the pending revisions.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

#include "core/lint/lint.h"
#include "tests/support/test_db.h"

using namespace tsm;

namespace {

constexpr int kRows = 3000;

void fill_log_entries(Connection& c) {
  c.execute("CREATE TABLE log_entries (id INTEGER PRIMARY KEY, message VARCHAR(200) NOT NULL)");
  for (int batch = 0; batch < kRows / 500; ++batch) {
    std::string sql = "INSERT INTO log_entries (id, message) VALUES ";
    for (int i = 0; i < 500; ++i) {
      int id = batch * 500 + i + 1;
      sql += (i ? ", (" : "(") + std::to_string(id) + ", 'sshd authentication failure " + std::to_string(id) + "')";
    }
    c.execute(sql);
  }
}

}  // namespace

TEST_CASE("lint: table sizes from the server feed the estimate", "[lint][integration]") {
  for (auto kind : test::backends_under_test()) {
    INFO(dialect_name(kind));
    test::TestDatabase db(kind);
    auto conn = db.connect();
    fill_log_entries(*conn);

    auto sizes = conn->table_sizes({"log_entries", "no_such_table"});
    REQUIRE(sizes.count("log_entries") == 1);
    CHECK(sizes.count("no_such_table") == 0);
    REQUIRE(sizes["log_entries"].rows);
    CHECK(*sizes["log_entries"].rows == kRows);  // small tables are counted exactly
    CHECK(sizes["log_entries"].exact);

    // A blocking build on log_entries: the FTS5 fill (SQLite), or hand-written SQL — CREATE INDEX
    // without CONCURRENTLY (PostgreSQL), ADD FULLTEXT on the table itself (MariaDB).
    Revision rev;
    rev.id = "sized";
    rev.upgrade = [](Ops& op) {
      op.create_fulltext("log_entries", {"message"});
      op.execute({{DialectKind::postgresql, "SET lock_timeout = '2s'; CREATE INDEX ix_message ON log_entries (message)"},
                  {DialectKind::mariadb, "ALTER TABLE log_entries ADD FULLTEXT INDEX ft_raw (message)"}});
    };
    Step step;
    step.revision = &rev;
    Schema schema;
    schema.apply(CreateTable{TableSpec{"log_entries", {col::id("id"), col::text("message").not_null()}, {}, {}, {}, {}}});
    auto findings = lint::lint_steps({step}, kind, schema, "main", [&](const std::string&, const std::vector<std::string>& t) {
      lint::Sizes s;
      s.known = true;
      s.tables = conn->table_sizes(t);
      return s;
    });
    auto blocking = std::find_if(findings.begin(), findings.end(), [](const lint::Finding& f) {
      return f.table == "log_entries" && (f.rule == "TM101" || f.rule == "TM103");
    });
    REQUIRE(blocking != findings.end());
    REQUIRE(blocking->estimate_seconds);
    CHECK(*blocking->estimate_seconds > 0);
    CHECK(blocking->severity == lint::Severity::info);  // 3000 rows: well under the 200 ms target
    CHECK(lint::format_finding(*blocking).find("log_entries has 3000 rows; estimated") != std::string::npos);
  }
}

TEST_CASE("lint: with a database, the pending revisions are linted with its sizes", "[lint][integration]") {
  for (auto kind : test::backends_under_test()) {
    INFO(dialect_name(kind));
    test::TestDatabase db(kind);
    Settings settings;
    settings.main_url = db.url();
    Workspace ws(settings);
    auto rep = lint::lint_workspace(ws, {});
    CHECK(rep.connected);
    CHECK(rep.dialect == kind);
    CHECK(rep.revisions.size() == 10);  // a fresh database: every revision of both trees is pending
    CHECK(rep.source.find("tsm-secret") == std::string::npos);
    // Every table is created by an earlier pending revision: empty when the build runs.
    for (const auto& f : rep.findings) {
      INFO(lint::format_finding(f));
      CHECK(f.severity != lint::Severity::error);
      if (f.rule == "TM101" || f.rule == "TM103") CHECK(f.severity == lint::Severity::info);
    }
  }
}
