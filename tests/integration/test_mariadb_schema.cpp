// MariaDB: operations executed on a real server, then introspected. The central property:
// diff(describe(replayed schema), introspect()) is empty, and every inverse restores the
// previous description.
#include <catch2/catch.hpp>

#include "core/dialect.h"
#include "core/base/errors.h"
#include "core/model/schema.h"
#include "tests/support/test_db.h"

using namespace tsm;

namespace {

void run(Connection& c, Schema& schema, const std::vector<Operation>& ops) {
  for (const auto& op : ops) {
    for (const auto& st : c.dialect().render(op, schema)) c.execute(st.sql);
    schema.apply(op);
  }
}

std::vector<std::string> drift(Connection& c, const Schema& schema) {
  return diff(c.dialect().describe(schema), c.introspect({"alembic_version"}));
}

// Live descriptions compared both ways (SchemaDescription has no operator==).
void require_same(const SchemaDescription& a, const SchemaDescription& b) {
  CHECK(diff(a, b).empty());
  CHECK(diff(b, a).empty());
}

TableSpec sources() {
  TableSpec t;
  t.name = "sources";
  t.columns = {col::string("id", 128).pk(),
               col::string("kind", 32).not_null(),
               col::text("display_name"),
               col::json("config").not_null().default_value(std::string("{}")),
               col::boolean("enabled").not_null().default_value(true),
               col::timestamp("created_at").not_null().default_now()};
  return t;
}

TableSpec log_entries() {
  TableSpec t;
  t.name = "log_entries";
  t.columns = {col::id("id"),
               col::text("source_id").not_null(),
               col::timestamp("timestamp").not_null(),
               col::string("severity", 16).not_null().default_value(std::string("INFO")),
               col::text("hostname"),
               col::text("message").not_null(),
               col::json("matched_patterns").not_null().default_value(std::string("[]")),
               col::timestamp("ingested_at").not_null().default_now()};
  return t;
}

TableSpec detections() {
  TableSpec t;
  t.name = "detections";
  t.columns = {col::id("id"),
               col::big_integer("entry_id").not_null(),
               col::text("anomaly_label").not_null(),
               col::real("score").not_null(),
               col::timestamp("detected_at").not_null().default_now(),
               col::boolean("acknowledged").not_null().default_value(false)};
  t.foreign_keys = {ForeignKey{{"entry_id"}, "log_entries", {"id"}, FkAction::cascade, ""}};
  return t;
}

TableSpec incident_entries() {
  TableSpec t;
  t.name = "incident_entries";
  t.columns = {col::big_integer("incident_id").not_null(), col::big_integer("entry_id").not_null()};
  t.primary_key = {"incident_id", "entry_id"};
  t.foreign_keys = {ForeignKey{{"incident_id"}, "incidents", {"id"}, FkAction::cascade, ""},
                    ForeignKey{{"entry_id"}, "log_entries", {"id"}, FkAction::cascade, ""}};
  return t;
}

TableSpec incidents() {
  TableSpec t;
  t.name = "incidents";
  t.columns = {col::id("id"), col::text("label").not_null(), col::text("notes"),
               col::string("severity", 16).not_null().default_value(std::string("medium")),
               col::double_("confidence").not_null().default_value(1.0), col::integer("entry_count").default_value(std::int64_t{0}),
               col::date("day"), col::blob("attachment")};
  return t;
}

std::vector<Operation> baseline() {
  return {CreateTable{sources()},
          CreateTable{log_entries()},
          CreateIndex{IndexSpec{"idx_log_entries_source_ts", "log_entries", {"source_id", "timestamp"}, false, ""}},
          CreateIndex{IndexSpec{"idx_log_entries_severity_ts", "log_entries", {"severity", "timestamp"}, false, ""}},
          CreateFulltext{FulltextSpec{"log_entries", {"message"}, "id", {}}},
          CreateTable{detections()},
          CreateIndex{IndexSpec{"idx_detections_entry", "detections", {"entry_id"}, false, ""}},
          CreateIndex{IndexSpec{"idx_detections_detected", "detections", {"detected_at"}, false, "acknowledged = 0"}},
          CreateTable{incidents()},
          CreateTable{incident_entries()}};
}

}  // namespace

TEST_CASE("mariadb baseline schema introspects exactly as described", "[mariadb][integration]") {
  if (!test::backend_available(DialectKind::mariadb)) return;
  test::TestDatabase db(DialectKind::mariadb);
  auto c = db.connect();
  Schema schema;
  run(*c, schema, baseline());
  CHECK(drift(*c, schema).empty());
  for (const auto& line : drift(*c, schema)) UNSCOPED_INFO(line);

  SchemaDescription live = c->introspect({});
  const TableDescription& le = live.tables.at("log_entries");
  REQUIRE(le.columns.size() == 8);
  CHECK(le.columns[0] == ColumnDescription{"id", "bigint", false, ""});
  CHECK(le.columns[1] == ColumnDescription{"source_id", "longtext", false, ""});
  CHECK(le.columns[2] == ColumnDescription{"timestamp", "datetime(6)", false, ""});
  CHECK(le.columns[3] == ColumnDescription{"severity", "varchar(16)", false, "'INFO'"});
  CHECK(le.columns[4] == ColumnDescription{"hostname", "longtext", true, ""});
  CHECK(le.columns[6] == ColumnDescription{"matched_patterns", "json", false, "'[]'"});
  CHECK(le.columns[7] == ColumnDescription{"ingested_at", "datetime(6)", false, "current_timestamp(6)"});
  CHECK(le.primary_key == std::vector<std::string>{"id"});
  REQUIRE(le.indexes.size() == 2);
  CHECK(le.indexes[0] == IndexDescription{"idx_log_entries_severity_ts", {"severity", "timestamp"}, false});
  CHECK(le.indexes[1] == IndexDescription{"idx_log_entries_source_ts", {"source_id(255)", "timestamp"}, false});
  CHECK(le.fulltext_objects == std::vector<std::string>{"ft_log_entries", "log_entries_ad", "log_entries_ai",
                                                         "log_entries_au", "log_entries_fts"});

  const TableDescription& src = live.tables.at("sources");
  CHECK(src.primary_key == std::vector<std::string>{"id"});
  CHECK(src.columns[3] == ColumnDescription{"config", "json", false, "'{}'"});
  CHECK(src.columns[4] == ColumnDescription{"enabled", "tinyint(1)", false, "1"});

  const TableDescription& inc = live.tables.at("incidents");
  CHECK(inc.columns[4] == ColumnDescription{"confidence", "double", false, "1"});
  CHECK(inc.columns[5] == ColumnDescription{"entry_count", "int", true, "0"});
  CHECK(inc.columns[6] == ColumnDescription{"day", "date", true, ""});
  CHECK(inc.columns[7] == ColumnDescription{"attachment", "longblob", true, ""});

  const TableDescription& det = live.tables.at("detections");
  REQUIRE(det.foreign_keys.size() == 1);
  CHECK(det.foreign_keys[0] == ForeignKeyDescription{{"entry_id"}, "log_entries", {"id"}, "CASCADE"});
  // The explicit index replaced InnoDB's implicit one; the partial predicate is dropped.
  REQUIRE(det.indexes.size() == 2);
  CHECK(det.indexes[1] == IndexDescription{"idx_detections_entry", {"entry_id"}, false});

  const TableDescription& ie = live.tables.at("incident_entries");
  CHECK(ie.primary_key == std::vector<std::string>{"incident_id", "entry_id"});
  CHECK(ie.indexes.empty());  // InnoDB's index for the entry_id foreign key is not reported
  CHECK(ie.foreign_keys.size() == 2);

  // Rows take the defaults: JSON, boolean, UTC timestamps.
  c->execute("INSERT INTO sources (id, kind) VALUES ('journald:sshd', 'journald')");
  auto rows = c->query("SELECT config, enabled, TIMESTAMPDIFF(SECOND, created_at, UTC_TIMESTAMP()) FROM sources");
  REQUIRE(rows.size() == 1);
  CHECK(*rows[0][0] == "{}");
  CHECK(*rows[0][1] == "1");
  CHECK(std::abs(std::stoi(*rows[0][2])) < 120);
}

TEST_CASE("mariadb inverses restore the previous description", "[mariadb][integration]") {
  if (!test::backend_available(DialectKind::mariadb)) return;
  test::TestDatabase db(DialectKind::mariadb);
  auto c = db.connect();
  Schema schema;
  run(*c, schema, baseline());
  REQUIRE(drift(*c, schema).empty());

  struct Pair {
    const char* what;
    Operation forward, inverse;
  };
  AlterColumn to_nullable{"log_entries", "severity", std::nullopt, true,
                          std::optional<std::optional<DefaultValue>>(std::optional<DefaultValue>{}), std::nullopt};
  AlterColumn back_not_null{"log_entries", "severity", std::nullopt, false,
                            std::optional<std::optional<DefaultValue>>(DefaultValue{std::string("INFO")}), std::nullopt};
  AlterColumn rename{"log_entries", "hostname", std::nullopt, std::nullopt, std::nullopt, std::string("host")};
  AlterColumn rename_back{"log_entries", "host", std::nullopt, std::nullopt, std::nullopt, std::string("hostname")};
  AlterColumn retype{"incidents", "label", ColumnType{TypeKind::string, 200}, std::nullopt, std::nullopt,
                     std::string("title")};
  AlterColumn retype_back{"incidents", "title", ColumnType{TypeKind::text}, std::nullopt, std::nullopt,
                          std::string("label")};
  AlterColumn json_rename{"log_entries", "matched_patterns", std::nullopt, std::nullopt, std::nullopt,
                          std::string("patterns")};
  AlterColumn json_back{"log_entries", "patterns", std::nullopt, std::nullopt, std::nullopt,
                        std::string("matched_patterns")};
  TableSpec extra;
  extra.name = "glean_runs";
  extra.columns = {col::id("id"), col::string("source_id", 128).not_null(), col::timestamp("started_at").not_null()};
  FulltextSpec fts{"log_entries", {"message"}, "id", {}};
  std::vector<Pair> pairs = {
      {"create/drop table", CreateTable{extra}, DropTable{"glean_runs", std::nullopt}},
      {"add/drop column", AddColumn{"log_entries", col::double_("ml_score")}, DropColumn{"log_entries", "ml_score"}},
      {"add/drop column with default",
       AddColumn{"detections", col::string("scorer", 16).not_null().default_value(std::string("anomaly"))},
       DropColumn{"detections", "scorer"}},
      {"create/drop index",
       CreateIndex{IndexSpec{"idx_detections_ack", "detections", {"acknowledged", "detected_at"}, false, ""}},
       DropIndex{"idx_detections_ack", "detections"}},
      {"create/drop unique index", CreateIndex{IndexSpec{"ux_sources_kind", "sources", {"kind", "id"}, true, ""}},
       DropIndex{"ux_sources_kind", "sources"}},
      {"drop/create fulltext", DropFulltext{fts}, CreateFulltext{fts}},
      {"alter nullability and default", to_nullable, back_not_null},
      {"rename column", rename, rename_back},
      {"rename json column", json_rename, json_back},
      {"change type and name", retype, retype_back},
      {"rename table", RenameTable{"incidents", "cases"}, RenameTable{"cases", "incidents"}},
      {"rename table with fulltext", RenameTable{"log_entries", "entries"}, RenameTable{"entries", "log_entries"}},
      {"drop/recreate fk-serving index", DropIndex{"idx_detections_entry", "detections"},
       CreateIndex{IndexSpec{"idx_detections_entry", "detections", {"entry_id"}, false, ""}}},
  };
  for (const auto& p : pairs) {
    INFO(p.what);
    SchemaDescription before = c->introspect({});
    run(*c, schema, {p.forward});
    CHECK(drift(*c, schema).empty());
    for (const auto& line : drift(*c, schema)) UNSCOPED_INFO(line);
    CHECK_FALSE(diff(before, c->introspect({})).empty());  // the forward op changed something
    run(*c, schema, {p.inverse});
    CHECK(drift(*c, schema).empty());
    require_same(before, c->introspect({}));
  }
}

TEST_CASE("mariadb reserved words work as table and column names", "[mariadb][integration]") {
  if (!test::backend_available(DialectKind::mariadb)) return;
  test::TestDatabase db(DialectKind::mariadb);
  auto c = db.connect();
  TableSpec t;
  t.name = "order";
  t.columns = {col::id("key"), col::timestamp("timestamp").not_null(), col::string("select", 20)};
  Schema schema;
  run(*c, schema,
      {CreateTable{t}, CreateIndex{IndexSpec{"index", "order", {"timestamp", "select"}, false, ""}},
       AddColumn{"order", col::text("group")},
       BulkInsert{"order", {"timestamp", "select", "group"},
                  {{Value{std::string("2024-05-01 10:00:00")}, Value{std::string("it's")}, Value{std::string("a\\b")}}}}});
  CHECK(drift(*c, schema).empty());
  auto rows = c->query("SELECT `select`, `group` FROM `order` WHERE `key` = ?", {"1"});
  REQUIRE(rows.size() == 1);
  CHECK(*rows[0][0] == "it's");
  CHECK(*rows[0][1] == "a\\b");  // the backslash survives the literal
  CHECK(c->table_exists("order"));
  CHECK_FALSE(c->table_exists("orders"));
}

TEST_CASE("mariadb version table and placeholders are bound not pasted", "[mariadb][integration]") {
  if (!test::backend_available(DialectKind::mariadb)) return;
  test::TestDatabase db(DialectKind::mariadb);
  auto c = db.connect();
  const Dialect& d = c->dialect();
  c->execute(d.create_version_table("alembic_version"));
  c->execute(d.create_version_table("alembic_version"));  // IF NOT EXISTS
  c->execute(d.insert_version("alembic_version", "ae1027a6acf"));
  CHECK(c->table_exists("alembic_version"));
  CHECK(c->introspect({"alembic_version"}).tables.count("alembic_version") == 0);
  auto hostile = c->query("SELECT version_num FROM alembic_version WHERE version_num = ?", {"x' OR '1'='1"});
  CHECK(hostile.empty());
  auto rows = c->query("SELECT version_num, ? FROM alembic_version WHERE version_num = ?", {"a\\b'c", "ae1027a6acf"});
  REQUIRE(rows.size() == 1);
  CHECK(*rows[0][0] == "ae1027a6acf");
  CHECK(*rows[0][1] == "a\\b'c");
  auto nulls = c->query("SELECT NULL, 42, ?", {""});
  REQUIRE(nulls.size() == 1);
  CHECK_FALSE(nulls[0][0].has_value());
  CHECK(*nulls[0][1] == "42");
  CHECK(*nulls[0][2] == "");
  CHECK_THROWS_AS(c->execute("SELEC nonsense"), StatementError);
  CHECK_THROWS_AS(c->query("SELECT ?", {}), StatementError);
}

TEST_CASE("mariadb transactions roll back DML", "[mariadb][integration]") {
  if (!test::backend_available(DialectKind::mariadb)) return;
  test::TestDatabase db(DialectKind::mariadb);
  auto c = db.connect();
  c->execute("CREATE TABLE t (n INT) ENGINE=InnoDB");
  c->begin();
  c->execute("INSERT INTO t VALUES (1)");
  c->rollback();
  c->begin();
  c->execute("INSERT INTO t VALUES (2)");
  c->commit();
  auto rows = c->query("SELECT n FROM t");
  REQUIRE(rows.size() == 1);
  CHECK(*rows[0][0] == "2");
}

TEST_CASE("mariadb unique keys over TEXT are enforced whole", "[mariadb][integration]") {
  if (!test::backend_available(DialectKind::mariadb)) return;
  test::TestDatabase db(DialectKind::mariadb);
  auto c = db.connect();
  TableSpec t;
  t.name = "context_facts";
  t.columns = {col::id("id"), col::string("subject", 255).not_null(), col::text("fact").not_null(),
               col::real("confidence").not_null().default_value(1.0)};
  t.uniques = {UniqueConstraint{{"subject", "fact"}, "uq_context_facts_subject_fact"}};
  Schema schema;
  run(*c, schema, {CreateTable{t}, CreateFulltext{FulltextSpec{"context_facts", {"fact"}, "id", {}}}});
  CHECK(drift(*c, schema).empty());
  const TableDescription live = c->introspect({}).tables.at("context_facts");
  REQUIRE(live.indexes.size() == 1);
  CHECK(live.indexes[0] == IndexDescription{"uq_context_facts_subject_fact", {"subject", "fact"}, true});
  CHECK(live.fulltext_objects == std::vector<std::string>{"context_facts_ad", "context_facts_ai", "context_facts_au",
                                                           "context_facts_fts", "ft_context_facts"});
  // Two facts sharing their first 300 characters are different facts: no prefix key.
  std::string long_fact(300, 'x');
  c->execute("INSERT INTO context_facts (subject, fact) VALUES ('h1', '" + long_fact + "a')");
  c->execute("INSERT INTO context_facts (subject, fact) VALUES ('h1', '" + long_fact + "b')");
  CHECK_THROWS_AS(c->execute("INSERT INTO context_facts (subject, fact) VALUES ('h1', '" + long_fact + "b')"),
                  StatementError);
}
