// SQLite table rebuilds (the 12-step procedure) with data present: no row lost or changed, child
// rows under ON DELETE CASCADE survive, every CHECK kept (named or not), views keep working,
// FTS keeps finding old rows, AUTOINCREMENT keeps counting, broken references fail the migration.
#include <catch2/catch.hpp>

#include "core/base/errors.h"
#include "tests/support/sqlite_util.h"
#include "tests/support/test_db.h"

using namespace tsm;
using tsm::sqlite_test::drift;
using tsm::sqlite_test::run_op;
using tsm::sqlite_test::run_ops;
using tsm::sqlite_test::strings;

namespace {

Ops incident_schema() {
  Ops ops;
  ops.create_table("incidents",
                   {col::id("id"), col::text("label").not_null(), col::text("notes"),
                    col::text("severity").not_null().default_value(std::string("medium"))},
                   [](TableSpec& t) {
                     t.checks.push_back({"length(label) > 0", ""});  // unnamed: Alembic's batch loses it
                     t.checks.push_back({"severity IN ('low', 'medium', 'high', 'critical')", "ck_severity"});
                   });
  ops.create_table("log_entries", {col::id("id"), col::text("message").not_null(), col::real("score")});
  ops.create_index("idx_log_entries_score", "log_entries", {"score"});
  ops.create_fulltext("log_entries", {"message"});
  ops.create_table("incident_entries", {col::integer("incident_id").not_null(), col::integer("entry_id").not_null()},
                   [](TableSpec& t) {
                     t.primary_key = {"incident_id", "entry_id"};
                     t.foreign_keys.push_back({{"incident_id"}, "incidents", {"id"}, FkAction::cascade, ""});
                     t.foreign_keys.push_back({{"entry_id"}, "log_entries", {"id"}, FkAction::cascade, ""});
                   });
  return ops;
}

void fill(Connection& c) {
  c.execute(R"(
    INSERT INTO incidents (label, notes, severity) VALUES ('ssh storm', 'n1', 'high'), ('disk', NULL, 'low'), ('gone', NULL, 'low');
    DELETE FROM incidents WHERE label = 'gone';
    INSERT INTO log_entries (message, score) VALUES
      ('sshd authentication failure for root from 10.0.0.5', 0.9),
      ('nginx upstream timed out while reading', NULL),
      ('disk full on /var/log partition', 0.2);
    INSERT INTO incident_entries VALUES (1, 1), (2, 3), (1, 2);
    CREATE VIEW serious_incidents AS SELECT id, label FROM incidents WHERE severity IN ('high', 'critical');
  )");
}

std::vector<std::string> rows(Connection& c, const std::string& table) {
  std::vector<std::string> out;
  for (auto& r : c.query("SELECT * FROM " + c.dialect().quote(table) + " ORDER BY rowid")) {
    std::string line;
    for (auto& v : r) line += v.value_or("NULL") + "|";
    out.push_back(line);
  }
  return out;
}

std::vector<std::string> fts_ids(Connection& c, const std::string& match) {
  return strings(c, "SELECT rowid FROM log_entries_fts WHERE log_entries_fts MATCH ? ORDER BY rowid", {match});
}

}  // namespace

TEST_CASE("sqlite: rebuilding a parent keeps child rows, checks, the view and the id sequence", "[sqlite][integration]") {
  test::TestDatabase db(DialectKind::sqlite);
  auto c = db.connect();
  Schema schema;
  run_ops(*c, schema, incident_schema());
  fill(*c);
  const auto incidents_before = rows(*c, "incidents");
  const auto children_before = rows(*c, "incident_entries");
  const auto view_before = strings(*c, "SELECT label FROM serious_incidents");
  REQUIRE(children_before.size() == 3);

  AlterColumn change{"incidents", "notes", {}, false, std::optional<DefaultValue>{std::string("")}, {}};
  c->execute("UPDATE incidents SET notes = '' WHERE notes IS NULL");
  const auto incidents_filled = rows(*c, "incidents");
  auto statements = c->dialect().render(change, schema);
  REQUIRE(statements.front().sql == "PRAGMA foreign_keys=OFF");  // really a rebuild
  run_op(*c, schema, change);

  CHECK(drift(*c, schema).empty());
  CHECK(rows(*c, "incidents") == incidents_filled);
  CHECK(rows(*c, "incident_entries") == children_before);  // no ON DELETE CASCADE fired
  CHECK(strings(*c, "SELECT label FROM serious_incidents") == view_before);
  CHECK(strings(*c, "PRAGMA foreign_keys") == std::vector<std::string>{"1"});
  // Both checks are still enforced.
  CHECK_THROWS_WITH(c->execute("INSERT INTO incidents (label, notes) VALUES ('', 'x')"),
                    Catch::Contains("CHECK constraint failed"));
  CHECK_THROWS_WITH(c->execute("INSERT INTO incidents (label, notes, severity) VALUES ('x', 'x', 'huge')"),
                    Catch::Contains("ck_severity"));
  // The dropped id 3 is not reused: sqlite_sequence came along.
  c->execute("INSERT INTO incidents (label) VALUES ('next')");
  CHECK(strings(*c, "SELECT max(id) FROM incidents") == std::vector<std::string>{"4"});
  // The new NOT NULL and default are live.
  CHECK(strings(*c, "SELECT notes FROM incidents WHERE label = 'next'") == std::vector<std::string>{""});
  // Foreign keys work again, and cascades still reach the children.
  CHECK_THROWS_AS(c->execute("INSERT INTO incident_entries VALUES (99, 1)"), StatementError);
  c->execute("DELETE FROM incidents WHERE id = 1");
  CHECK(strings(*c, "SELECT count(*) FROM incident_entries") == std::vector<std::string>{"1"});
}

TEST_CASE("sqlite: rebuilding an FTS content table keeps search working", "[sqlite][integration]") {
  test::TestDatabase db(DialectKind::sqlite);
  auto c = db.connect();
  Schema schema;
  run_ops(*c, schema, incident_schema());
  fill(*c);
  REQUIRE(fts_ids(*c, "authentication") == std::vector<std::string>{"1"});
  c->execute("UPDATE log_entries SET score = 0 WHERE score IS NULL");  // about to become NOT NULL
  const auto entries_before = rows(*c, "log_entries");

  // Two rebuilds: a type change, then a new check.
  run_op(*c, schema, AlterColumn{"log_entries", "score", ColumnType{TypeKind::double_}, false,
                                 std::optional<DefaultValue>{0.0}, std::string("anomaly_score")});
  run_op(*c, schema, AddCheck{"log_entries", {"anomaly_score >= 0", ""}});
  CHECK(drift(*c, schema).empty());
  CHECK(rows(*c, "log_entries") == entries_before);
  CHECK(fts_ids(*c, "authentication") == std::vector<std::string>{"1"});
  CHECK(fts_ids(*c, "disk") == std::vector<std::string>{"3"});
  // The sync triggers came back: insert, update and delete reach the index.
  c->execute("INSERT INTO log_entries (message) VALUES ('authentication token expired for service api')");
  CHECK(fts_ids(*c, "authentication") == std::vector<std::string>{"1", "4"});
  c->execute("UPDATE log_entries SET message = 'nothing here' WHERE id = 1");
  CHECK(fts_ids(*c, "authentication") == std::vector<std::string>{"4"});
  c->execute("DELETE FROM log_entries WHERE id = 4");
  CHECK(fts_ids(*c, "authentication").empty());
  c->execute("INSERT INTO log_entries_fts (log_entries_fts) VALUES ('integrity-check')");
  CHECK_THROWS_WITH(c->execute("INSERT INTO log_entries (message, anomaly_score) VALUES ('x', -1)"),
                    Catch::Contains("CHECK constraint failed"));
  // Two rebuilds of the parent log_entries fired no ON DELETE CASCADE on incident_entries.
  CHECK(strings(*c, "SELECT count(*) FROM incident_entries") == std::vector<std::string>{"3"});
}

TEST_CASE("sqlite: a rebuild that breaks a reference fails and changes nothing", "[sqlite][integration]") {
  test::TestDatabase db(DialectKind::sqlite);
  auto c = db.connect();
  Schema schema;
  Ops ops;
  ops.create_table("sources", {col::text("id").pk()});
  ops.create_table("glean_runs", {col::id("id"), col::text("source_id").not_null()});
  run_ops(*c, schema, ops);
  c->execute("INSERT INTO sources VALUES ('a'); INSERT INTO glean_runs (source_id) VALUES ('a'), ('orphan')");
  const auto before = c->introspect({});

  AddForeignKey fk{"glean_runs", {{"source_id"}, "sources", {"id"}, FkAction::cascade, ""}};
  Schema attempt = schema;
  CHECK_THROWS_WITH(run_op(*c, attempt, fk), Catch::Contains("foreign key check failed") && Catch::Contains("glean_runs"));
  CHECK(diff(before, c->introspect({})).empty());
  CHECK(strings(*c, "SELECT source_id FROM glean_runs ORDER BY id") == std::vector<std::string>{"a", "orphan"});
  CHECK(strings(*c, "PRAGMA foreign_keys") == std::vector<std::string>{"1"});
  CHECK(strings(*c, "PRAGMA legacy_alter_table") == std::vector<std::string>{"0"});
  CHECK_FALSE(c->table_exists("_tsm_new_glean_runs"));

  // With the orphan gone the same operation succeeds.
  c->execute("DELETE FROM glean_runs WHERE source_id = 'orphan'");
  run_op(*c, schema, fk);
  CHECK(drift(*c, schema).empty());
}

TEST_CASE("sqlite: drop_column is native for a plain column and a rebuild when a check may use it",
          "[sqlite][integration]") {
  test::TestDatabase db(DialectKind::sqlite);
  auto c = db.connect();
  Schema schema;
  run_ops(*c, schema, incident_schema());
  fill(*c);
  const auto children = rows(*c, "incident_entries");
  REQUIRE(c->dialect().render(DropColumn{"incidents", "notes"}, schema).size() == 1);  // native
  run_op(*c, schema, DropColumn{"incidents", "notes"});
  CHECK(drift(*c, schema).empty());

  // "sever" appears inside the ck_severity expression: the renderer cannot tell, so it rebuilds.
  run_op(*c, schema, AddColumn{"incidents", col::integer("sever")});
  auto statements = c->dialect().render(DropColumn{"incidents", "sever"}, schema);
  REQUIRE(statements.size() > 1);
  run_op(*c, schema, DropColumn{"incidents", "sever"});
  CHECK(drift(*c, schema).empty());
  CHECK(strings(*c, "SELECT label FROM incidents ORDER BY id") == std::vector<std::string>{"ssh storm", "disk"});
  CHECK(rows(*c, "incident_entries") == children);
  CHECK(strings(*c, "SELECT label FROM serious_incidents") == std::vector<std::string>{"ssh storm"});
  CHECK_THROWS_WITH(c->execute("INSERT INTO incidents (label, severity) VALUES ('', 'low')"),
                    Catch::Contains("CHECK constraint failed"));
}
