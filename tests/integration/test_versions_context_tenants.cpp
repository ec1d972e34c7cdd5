// The context tenants revision rebuilds context_facts by hand (new table, copy, drop, rename):
// on every backend it must keep every fact with its id, keep the identity counter ahead of the
// copied ids, keep full-text search working, and let two tenants hold the same fact.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "core/run/executor.h"
#include "core/run/workspace.h"
#include "support/test_db.h"

using tsm::DialectKind;
using tsm::Direction;

namespace {

std::string fact_search_sql(DialectKind kind, const std::string& word) {
  switch (kind) {
    case DialectKind::sqlite:
      return "SELECT rowid FROM context_facts_fts WHERE context_facts_fts MATCH '" + word + "' ORDER BY rowid";
    case DialectKind::postgresql:
      return "SELECT id FROM context_facts WHERE to_tsvector('simple', fact) @@ to_tsquery('simple', '" + word + "') ORDER BY id";
    case DialectKind::mariadb:
      return "SELECT c.id FROM context_facts c JOIN context_facts_fts f ON f.id = c.id WHERE MATCH(f.fact) AGAINST('" +
             word + "' IN BOOLEAN MODE) ORDER BY c.id";
  }
  return {};
}

void check_rebuild_keeps_facts(DialectKind kind) {
  tsm::test::TestDatabase db(kind);
  tsm::Settings settings;
  settings.main_url = db.url();
  if (kind == DialectKind::sqlite) settings.context_url = "sqlite:///" + db.dir() + "/turnstone-context.db";
  settings.tree = "context";
  const tsm::Workspace ws(settings);

  tsm::migrate(ws, Direction::up, "2c54eb6de9fd");
  {
    auto conn = ws.connect("context", true);
    conn->execute("INSERT INTO context_facts (id, subject, fact, source, confidence) VALUES "
                  "(3, 'gate', 'gate is the SSH bastion', 'operator', 1.0), "
                  "(7, 'media', 'media runs sonarr in Docker', 'glean', 0.9), "
                  "(9, '203.0.113.45', 'address brute-forcing SSH', 'llm', 0.7)");
  }
  tsm::migrate(ws, Direction::up, "head");

  auto conn = ws.connect("context", true);
  auto column = [&](const std::string& sql) {
    std::vector<std::string> out;
    for (const auto& row : conn->query(sql)) out.push_back(row.at(0).value_or("NULL"));
    return out;
  };
  CHECK(column("SELECT id FROM context_facts ORDER BY id") == std::vector<std::string>{"3", "7", "9"});
  CHECK(column("SELECT DISTINCT tenant_id FROM context_facts") == std::vector<std::string>{"default"});
  CHECK(column(fact_search_sql(kind, "ssh")) == std::vector<std::string>{"3", "9"});

  // The same fact for another tenant is allowed now; for the same tenant it is not.
  conn->execute("INSERT INTO context_facts (tenant_id, subject, fact) VALUES ('acme', 'gate', 'gate is the SSH bastion')");
  CHECK_THROWS(conn->execute(
      "INSERT INTO context_facts (tenant_id, subject, fact) VALUES ('acme', 'gate', 'gate is the SSH bastion')"));
  // The identity counter continues after the copied ids.
  CHECK(column("SELECT id FROM context_facts WHERE tenant_id = 'acme'") == std::vector<std::string>{"10"});
  CHECK(column(fact_search_sql(kind, "bastion")) == std::vector<std::string>{"3", "10"});

  // Downgrading folds tenants together: with a duplicate fact it must refuse, not drop a row.
  CHECK_THROWS(tsm::migrate(ws, Direction::down, "2c54eb6de9fd"));
  conn->execute("DELETE FROM context_facts WHERE tenant_id = 'acme'");
  conn.reset();
  tsm::migrate(ws, Direction::down, "2c54eb6de9fd");
  auto after = ws.connect("context", false);
  std::vector<std::string> ids;
  for (const auto& row : after->query("SELECT id FROM context_facts ORDER BY id")) ids.push_back(*row.at(0));
  CHECK(ids == std::vector<std::string>{"3", "7", "9"});
}

}  // namespace

TEST_CASE("versions: context tenants rebuild keeps every fact on every backend", "[versions][integration]") {
  for (auto kind : tsm::test::backends_under_test()) {
    SECTION(tsm::dialect_name(kind)) { check_rebuild_keeps_facts(kind); }
  }
}
