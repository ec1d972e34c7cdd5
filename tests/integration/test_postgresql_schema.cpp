// PostgreSQL: every operation executed on a fresh database, introspected and compared with the
// replayed model (diff(describe(S), introspect()) must be empty), and every inverse restores
// the previous description exactly.
#include <catch2/catch.hpp>

#include "core/base/errors.h"
#include "core/model/schema.h"
#include "tests/support/test_db.h"

using namespace tsm;
using tsm::test::TestDatabase;

namespace {

bool pg_available() { return test::backend_available(DialectKind::postgresql); }

// Replays and executes operations, like the executor does for one revision.
struct Applier {
  Connection& conn;
  Schema schema;
  void apply(const Operation& op) {
    for (const auto& st : conn.dialect().render(op, schema)) conn.execute(st.sql);
    schema.apply(op);
  }
  void apply(const Ops& ops) {
    for (const auto& op : ops.operations()) apply(op);
  }
  std::vector<std::string> drift() { return diff(conn.dialect().describe(schema), conn.introspect({})); }
};

const ColumnDescription* column(const SchemaDescription& s, const std::string& t, const std::string& c) {
  for (const auto& col : s.tables.at(t).columns)
    if (col.name == c) return &col;
  return nullptr;
}

std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (auto& s : v) out += s + "\n";
  return out;
}

}  // namespace

TEST_CASE("postgresql executes every operation and introspects it exactly", "[integration][postgresql]") {
  if (!pg_available()) return;
  TestDatabase db(DialectKind::postgresql);
  auto conn = db.connect();
  Applier a{*conn, {}};

  Ops base;
  base.create_table("sources", {col::string("id", 64).pk(), col::text("kind").not_null(),
                                col::json("config").not_null().default_value(std::string("{}")),
                                col::boolean("enabled").not_null().default_value(std::int64_t{1}),
                                col::timestamp("created_at").not_null().default_now()});
  base.create_table(
      "log_entries",
      {col::id("id"), col::text("source_id").not_null(), col::timestamp("timestamp").not_null(),
       col::text("severity").not_null().default_value(std::string("INFO")), col::text("message").not_null(),
       col::json("matched_patterns").not_null().default_value(std::string("[]")),
       col::real("score").default_value(0.5), col::double_("weight").default_value(std::int64_t{-1}),
       col::big_integer("bytes"), col::date("day"), col::blob("raw"), col::integer("order")},
      [](TableSpec& t) { t.checks.push_back({"score >= 0", "ck_log_entries_score"}); });
  base.create_index("idx_log_entries_source_ts", "log_entries", {"source_id", "timestamp"});
  base.create_index("idx_log_entries_day", "log_entries", {"day"}, true, "day IS NOT NULL");
  a.apply(base);
  CHECK(joined(a.drift()) == "");

  auto live = conn->introspect({});
  REQUIRE(live.tables.size() == 2);
  const auto& le = live.tables.at("log_entries");
  CHECK(le.primary_key == std::vector<std::string>{"id"});
  CHECK(*column(live, "log_entries", "id") == ColumnDescription{"id", "bigint", false, "identity"});
  CHECK(*column(live, "log_entries", "timestamp") == ColumnDescription{"timestamp", "timestamptz", false, ""});
  CHECK(*column(live, "log_entries", "severity") == ColumnDescription{"severity", "text", false, "'INFO'"});
  CHECK(*column(live, "log_entries", "matched_patterns") ==
        ColumnDescription{"matched_patterns", "jsonb", false, "'[]'"});
  CHECK(*column(live, "log_entries", "score") == ColumnDescription{"score", "double precision", true, "0.5"});
  CHECK(*column(live, "log_entries", "weight") == ColumnDescription{"weight", "double precision", true, "-1"});
  CHECK(*column(live, "log_entries", "raw") == ColumnDescription{"raw", "bytea", true, ""});
  CHECK(*column(live, "sources", "id") == ColumnDescription{"id", "varchar(64)", false, ""});
  CHECK(*column(live, "sources", "enabled") == ColumnDescription{"enabled", "boolean", false, "true"});
  CHECK(*column(live, "sources", "created_at") ==
        ColumnDescription{"created_at", "timestamptz", false, "CURRENT_TIMESTAMP"});
  REQUIRE(le.indexes.size() == 2);
  CHECK(le.indexes[0] == IndexDescription{"idx_log_entries_day", {"day"}, true});
  CHECK(le.indexes[1] == IndexDescription{"idx_log_entries_source_ts", {"source_id", "timestamp"}, false});
  // Rows get the defaults, the identity and a boolean TRUE.
  conn->execute("INSERT INTO sources (id, kind) VALUES ('docker:sonarr', 'docker')");
  CHECK(db.column("SELECT enabled::text || ' ' || config::text FROM sources") ==
        std::vector<std::string>{"true {}"});

  SECTION("add_column and its inverse") {
    auto before = conn->introspect({});
    a.apply(AddColumn{"log_entries", col::real("anomaly_score")});
    CHECK(joined(a.drift()) == "");
    CHECK(column(conn->introspect({}), "log_entries", "anomaly_score") != nullptr);
    a.apply(DropColumn{"log_entries", "anomaly_score"});
    CHECK(joined(diff(before, conn->introspect({}))) == "");
  }
  SECTION("alter_column type, nullability, default and rename, then back") {
    auto before = conn->introspect({});
    AlterColumn up;
    up.table = "log_entries";
    up.name = "order";
    up.type = ColumnType{TypeKind::big_integer};
    up.nullable = false;
    up.server_default = std::optional<DefaultValue>{std::int64_t{7}};
    up.new_name = "position";
    a.apply(up);
    CHECK(joined(a.drift()) == "");
    CHECK(*column(conn->introspect({}), "log_entries", "position") ==
          ColumnDescription{"position", "bigint", false, "7"});
    AlterColumn down;
    down.table = "log_entries";
    down.name = "position";
    down.type = ColumnType{TypeKind::integer};
    down.nullable = true;
    down.server_default = std::optional<DefaultValue>{};
    down.new_name = "order";
    a.apply(down);
    CHECK(joined(a.drift()) == "");
    CHECK(joined(diff(before, conn->introspect({}))) == "");
  }
  SECTION("alter a text column to json and a default-carrying integer to boolean") {
    a.apply(AddColumn{"log_entries", col::integer("flag").not_null().default_value(std::int64_t{1})});
    conn->execute("INSERT INTO log_entries (source_id, timestamp, message) VALUES ('s', now(), 'm')");
    AlterColumn to_bool;
    to_bool.table = "log_entries";
    to_bool.name = "flag";
    to_bool.type = ColumnType{TypeKind::boolean};
    a.apply(to_bool);
    CHECK(joined(a.drift()) == "");
    CHECK(column(conn->introspect({}), "log_entries", "flag")->default_ == "true");
    CHECK(db.column("SELECT flag::text FROM log_entries") == std::vector<std::string>{"true"});
  }
  SECTION("rename_table carries indexes and FTS objects, and back") {
    a.apply(CreateFulltext{{"log_entries", {"message"}, "id", {}}});
    auto before = conn->introspect({});
    a.apply(RenameTable{"log_entries", "entries"});
    CHECK(joined(a.drift()) == "");
    CHECK(conn->introspect({}).tables.at("entries").fulltext_objects ==
          std::vector<std::string>{"ix_entries_fts"});
    a.apply(RenameTable{"entries", "log_entries"});
    CHECK(joined(diff(before, conn->introspect({}))) == "");
  }
  SECTION("drop_index and drop_table restore the previous description") {
    auto before = conn->introspect({});
    a.apply(CreateIndex{{"idx_extra", "log_entries", {"severity"}, false, ""}});
    CHECK(joined(a.drift()) == "");
    a.apply(DropIndex{"idx_extra", "log_entries"});
    CHECK(joined(diff(before, conn->introspect({}))) == "");
    a.apply(CreateTable{{"tmp", {col::id("id")}, {}, {}, {}, {}}});
    a.apply(DropTable{"tmp", std::nullopt});
    CHECK(joined(diff(before, conn->introspect({}))) == "");
  }
  SECTION("foreign keys and checks") {
    Ops ops;
    ops.create_table("incidents", {col::id("id"), col::text("label").not_null()});
    ops.create_table("incident_entries",
                     {col::big_integer("incident_id").not_null(), col::big_integer("entry_id").not_null()},
                     [](TableSpec& t) {
                       t.primary_key = {"incident_id", "entry_id"};
                       t.foreign_keys.push_back({{"incident_id"}, "incidents", {"id"}, FkAction::cascade, ""});
                     });
    ops.add_foreign_key("incident_entries", {{"entry_id"}, "log_entries", {"id"}, FkAction::set_null, "fk_ie_entry"});
    ops.add_check("incidents", {"length(label) > 0", ""});
    a.apply(ops);
    CHECK(joined(a.drift()) == "");
    auto t = conn->introspect({}).tables.at("incident_entries");
    CHECK(t.primary_key == std::vector<std::string>{"incident_id", "entry_id"});
    REQUIRE(t.foreign_keys.size() == 2);
    CHECK(t.foreign_keys[0] == ForeignKeyDescription{{"entry_id"}, "log_entries", {"id"}, "SET NULL"});
    CHECK(t.foreign_keys[1] == ForeignKeyDescription{{"incident_id"}, "incidents", {"id"}, "CASCADE"});
    CHECK_THROWS_AS(conn->execute("INSERT INTO incidents (label) VALUES ('')"), StatementError);
  }
  SECTION("fulltext with trigram, then drop_fulltext restores the table") {
    auto before = conn->introspect({});
    FulltextOptions o;
    o.trigram = true;
    a.apply(CreateFulltext{{"log_entries", {"message", "severity"}, "id", o}});
    CHECK(joined(a.drift()) == "");
    auto t = conn->introspect({}).tables.at("log_entries");
    CHECK(t.fulltext_objects == std::vector<std::string>{"ix_log_entries_fts", "ix_log_entries_message_trgm",
                                                         "ix_log_entries_severity_trgm"});
    CHECK(t.indexes.size() == 2);  // FTS indexes are not regular indexes
    CHECK(column(conn->introspect({}), "log_entries", "search_tsv") == nullptr);
    a.apply(DropFulltext{{"log_entries", {"message", "severity"}, "id", o}});
    CHECK(joined(diff(before, conn->introspect({}))) == "");
  }
  SECTION("a model that differs is reported") {
    conn->execute("ALTER TABLE log_entries ADD COLUMN hand_made TEXT");
    conn->execute("CREATE INDEX hand_ix ON log_entries (message)");
    auto d = a.drift();
    CHECK(d.size() == 2);
  }
  SECTION("version table is ignored by name and exists afterwards") {
    conn->execute(conn->dialect().create_version_table("alembic_version"));
    conn->execute(conn->dialect().insert_version("alembic_version", "abc123"));
    CHECK(conn->table_exists("alembic_version"));
    CHECK_FALSE(conn->table_exists("nope"));
    CHECK(conn->introspect({"alembic_version"}).tables.count("alembic_version") == 0);
    CHECK(db.column("SELECT version_num FROM alembic_version") == std::vector<std::string>{"abc123"});
  }
}

TEST_CASE("postgresql bulk insert writes the rows", "[integration][postgresql]") {
  if (!pg_available()) return;
  TestDatabase db(DialectKind::postgresql);
  auto conn = db.connect();
  Applier a{*conn, {}};
  a.apply(CreateTable{{"t", {col::id("id"), col::text("name"), col::boolean("on"), col::double_("x")}, {}, {}, {}, {}}});
  std::vector<std::vector<Value>> rows;
  for (int i = 0; i < 1203; ++i)
    rows.push_back({std::string(i % 2 ? "it's" : "back\\slash"), std::int64_t{i % 2}, Value{}});
  a.apply(BulkInsert{"t", {"name", "on", "x"}, rows});
  CHECK(db.column("SELECT count(*) FROM t") == std::vector<std::string>{"1203"});
  CHECK(db.column("SELECT name || ':' || \"on\"::text FROM t ORDER BY id LIMIT 2") ==
        std::vector<std::string>{"back\\slash:false", "it's:true"});
}

TEST_CASE("postgresql DDL is transactional", "[integration][postgresql]") {
  if (!pg_available()) return;
  TestDatabase db(DialectKind::postgresql);
  auto conn = db.connect();
  conn->begin();
  conn->execute("CREATE TABLE will_vanish (id INTEGER)");
  CHECK_THROWS_AS(conn->execute("CREATE TABLE will_vanish (id INTEGER)"), StatementError);
  conn->rollback();
  CHECK_FALSE(conn->table_exists("will_vanish"));
  conn->begin();
  conn->execute("CREATE TABLE stays (id INTEGER)");
  conn->commit();
  CHECK(conn->table_exists("stays"));
}

TEST_CASE("postgresql query binds ? placeholders", "[integration][postgresql]") {
  if (!pg_available()) return;
  TestDatabase db(DialectKind::postgresql);
  auto conn = db.connect();
  auto rows = conn->query("SELECT ? || '?' || ? /* ? */, NULL, $$?$$ -- ?\n", {"x'; DROP TABLE y; --", "z"});
  REQUIRE(rows.size() == 1);
  CHECK(rows[0][0] == std::optional<std::string>("x'; DROP TABLE y; --?z"));
  CHECK_FALSE(rows[0][1].has_value());
  CHECK(rows[0][2] == std::optional<std::string>("?"));
  // Without parameters the text is sent as is: jsonb's own `?` operator keeps working.
  CHECK(conn->query("SELECT '{\"a\":1}'::jsonb ? 'a'").at(0).at(0) == std::optional<std::string>("t"));
  CHECK_THROWS_AS(conn->query("SELECT ?, ?", {"a"}), StatementError);
}
