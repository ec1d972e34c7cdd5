// SQLite: every operation executed on a real file, then introspected; the replayed schema must
// describe exactly like the live one, and every inverse must restore the previous description.
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

std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += s + "\n";
  return out;
}

// Every portable type, defaults of each kind, reserved-word names, a composite key, uniques,
// foreign keys, checks, partial/unique indexes and full-text search.
Ops full_schema() {
  Ops ops;
  ops.create_table("sources", {col::text("id").pk(), col::text("kind").not_null(), col::text("display_name"),
                               col::json("config").not_null().default_value(std::string("{}")),
                               col::boolean("enabled").not_null().default_value(true),
                               col::timestamp("created_at").not_null().default_now()});
  ops.create_table("log_entries",
                   {col::id("id"), col::text("source_id").not_null(), col::timestamp("timestamp").not_null(),
                    col::string("severity", 16).not_null().default_value(std::string("INFO")),
                    col::text("message").not_null(), col::json("matched_patterns").not_null().default_value(std::string("[]")),
                    col::double_("order").default_value(0.5), col::big_integer("key").default_value(std::int64_t{-7}),
                    col::date("day"), col::blob("raw"), col::integer("n").not_null().default_value(std::int64_t{0})},
                   [](TableSpec& t) { t.checks.push_back({"n >= 0", ""}); });
  ops.create_index("idx_log_entries_source_ts", "log_entries", {"source_id", "timestamp"});
  ops.create_index("idx_log_entries_key", "log_entries", {"key"}, true, "\"key\" IS NOT NULL");
  ops.create_fulltext("log_entries", {"message"});
  ops.create_table("incidents", {col::id("id"), col::text("label").not_null()},
                   [](TableSpec& t) { t.uniques.push_back({{"label"}, "uq_incident_label"}); });
  ops.create_table("incident_entries", {col::integer("incident_id").not_null(), col::integer("entry_id").not_null()},
                   [](TableSpec& t) {
                     t.primary_key = {"incident_id", "entry_id"};
                     t.foreign_keys.push_back({{"incident_id"}, "incidents", {"id"}, FkAction::cascade, ""});
                     t.foreign_keys.push_back({{"entry_id"}, "log_entries", {"id"}, FkAction::cascade, ""});
                     t.checks.push_back({"incident_id > 0", "ck_positive"});
                   });
  return ops;
}

}  // namespace

TEST_CASE("sqlite: replayed schema and introspection agree for every construct", "[sqlite][integration]") {
  test::TestDatabase db(DialectKind::sqlite);
  auto c = db.connect();
  Schema schema;
  run_ops(*c, schema, full_schema());
  INFO(joined(drift(*c, schema)));
  CHECK(drift(*c, schema).empty());

  auto live = c->introspect({});
  // The FTS virtual table, its shadow tables and sqlite_sequence are not tables of the schema.
  CHECK(live.tables.size() == 4);
  const auto& le = live.tables.at("log_entries");
  CHECK(le.fulltext_objects ==
        std::vector<std::string>{"log_entries_ad", "log_entries_ai", "log_entries_au", "log_entries_fts"});
  REQUIRE(le.columns.size() == 11);
  CHECK(le.columns[0] == ColumnDescription{"id", "integer", false, ""});
  CHECK(le.columns[3] == ColumnDescription{"severity", "text", false, "'INFO'"});
  CHECK(le.columns[5] == ColumnDescription{"matched_patterns", "text", false, "'[]'"});
  CHECK(le.columns[6] == ColumnDescription{"order", "real", true, "0.5"});
  CHECK(le.columns[7] == ColumnDescription{"key", "integer", true, "-7"});
  CHECK(le.columns[9] == ColumnDescription{"raw", "blob", true, ""});
  REQUIRE(le.indexes.size() == 2);
  CHECK(le.indexes[0] == IndexDescription{"idx_log_entries_key", {"key"}, true});
  const auto& src = live.tables.at("sources");
  CHECK(src.primary_key == std::vector<std::string>{"id"});
  CHECK(src.columns[0].nullable == false);
  CHECK(src.columns[4] == ColumnDescription{"enabled", "integer", false, "1"});
  CHECK(src.columns[5] == ColumnDescription{"created_at", "text", false, "CURRENT_TIMESTAMP"});
  const auto& ie = live.tables.at("incident_entries");
  CHECK(ie.primary_key == std::vector<std::string>{"incident_id", "entry_id"});
  REQUIRE(ie.foreign_keys.size() == 2);
  CHECK(ie.foreign_keys[0] == ForeignKeyDescription{{"entry_id"}, "log_entries", {"id"}, "CASCADE"});
  CHECK(live.tables.at("incidents").indexes ==
        std::vector<IndexDescription>{{"uq_incidents_label", {"label"}, true}});

  // The version table is bookkeeping: left out when named in `ignore`.
  c->execute(c->dialect().create_version_table("alembic_version"));
  CHECK(c->introspect({"alembic_version"}).tables.count("alembic_version") == 0);
  CHECK(c->table_exists("alembic_version"));
}

TEST_CASE("sqlite: each operation matches the replayed schema and its inverse restores it", "[sqlite][integration]") {
  test::TestDatabase db(DialectKind::sqlite);
  auto c = db.connect();
  Schema schema;
  run_ops(*c, schema, full_schema());
  c->execute("INSERT INTO log_entries (source_id, timestamp, message) VALUES ('s', '2024-01-01', 'hello world')");

  struct Case {
    const char* name;
    Operation op, inverse;
  };
  AlterColumn rename{"log_entries", "day", {}, {}, {}, std::string("calendar_day")};
  AlterColumn rename_back{"log_entries", "calendar_day", {}, {}, {}, std::string("day")};
  AlterColumn retype{"log_entries", "n", ColumnType{TypeKind::real}, {}, {}, {}};
  AlterColumn retype_back{"log_entries", "n", ColumnType{TypeKind::integer}, {}, {}, {}};
  AlterColumn nullable{"log_entries", "source_id", {}, true, {}, {}};
  AlterColumn not_null{"log_entries", "source_id", {}, false, {}, {}};
  AlterColumn set_default{"log_entries", "raw", {}, {}, std::optional<DefaultValue>{std::string("x'y")}, {}};
  AlterColumn drop_default{"log_entries", "raw", {}, {}, std::optional<DefaultValue>{}, {}};
  FulltextSpec fts;
  fts.table = "log_entries";
  fts.columns = {"message"};
  TableSpec extra;
  extra.name = "extra";
  extra.columns = {col::id("id"), col::json("doc")};
  std::vector<Case> cases = {
      {"add_column (native)", AddColumn{"log_entries", col::text("hostname")}, DropColumn{"log_entries", "hostname"}},
      {"add_column (rebuild)", AddColumn{"log_entries", col::timestamp("seen_at").not_null().default_now()},
       DropColumn{"log_entries", "seen_at"}},
      {"add_column tenant", AddColumn{"sources", col::string("tenant_id", 64).not_null().default_value(std::string("default"))},
       DropColumn{"sources", "tenant_id"}},
      {"rename column", rename, rename_back},
      {"alter type", retype, retype_back},
      {"alter nullability", nullable, not_null},
      {"alter default", set_default, drop_default},
      {"rename table", RenameTable{"log_entries", "entries"}, RenameTable{"entries", "log_entries"}},
      {"create index", CreateIndex{{"idx_n_partial", "log_entries", {"n"}, false, "n > 0"}},
       DropIndex{"idx_n_partial", "log_entries"}},
      {"drop fulltext", DropFulltext{fts}, CreateFulltext{fts}},
      {"create table", CreateTable{extra}, DropTable{"extra", {}}},
  };
  for (const auto& k : cases) {
    SECTION(k.name) {
      auto before = c->introspect({});
      run_op(*c, schema, k.op);
      INFO(k.name << "\n" << joined(drift(*c, schema)));
      CHECK(drift(*c, schema).empty());
      CHECK_FALSE(diff(before, c->introspect({})).empty());  // the operation did change something
      run_op(*c, schema, k.inverse);
      INFO(joined(diff(before, c->introspect({}))));
      CHECK(diff(before, c->introspect({})).empty());
      CHECK(strings(*c, "SELECT message FROM log_entries") == std::vector<std::string>{"hello world"});
    }
  }
}

TEST_CASE("sqlite: add_foreign_key and add_check are applied by a rebuild", "[sqlite][integration]") {
  test::TestDatabase db(DialectKind::sqlite);
  auto c = db.connect();
  Schema schema;
  run_ops(*c, schema, full_schema());
  Ops more;
  more.create_table("glean_runs", {col::id("id"), col::text("source_id").not_null(),
                                   col::integer("entries_ingested").not_null().default_value(std::int64_t{0})});
  more.add_foreign_key("glean_runs", {{"source_id"}, "sources", {"id"}, FkAction::cascade, ""});
  more.add_check("glean_runs", {"entries_ingested >= 0", ""});
  run_ops(*c, schema, more);
  INFO(joined(drift(*c, schema)));
  CHECK(drift(*c, schema).empty());
  CHECK(c->introspect({}).tables.at("glean_runs").foreign_keys ==
        std::vector<ForeignKeyDescription>{{{"source_id"}, "sources", {"id"}, "CASCADE"}});
  c->execute("INSERT INTO sources (id, kind) VALUES ('s1', 'file')");
  CHECK_THROWS_AS(c->execute("INSERT INTO glean_runs (source_id) VALUES ('nope')"), StatementError);
  CHECK_THROWS_AS(c->execute("INSERT INTO glean_runs (source_id, entries_ingested) VALUES ('s1', -1)"), StatementError);
  c->execute("INSERT INTO glean_runs (source_id) VALUES ('s1')");
  CHECK(strings(*c, "SELECT count(*) FROM glean_runs") == std::vector<std::string>{"1"});
}

TEST_CASE("sqlite: a legacy Turnstone file describes like the replayed revisions", "[sqlite][integration]") {
  test::TestDatabase db(DialectKind::sqlite);
  auto c = db.connect();
  // The legacy executescript() DDL of the baseline, log search and context KB (v0.2 shape).
  c->execute(R"(
    CREATE TABLE IF NOT EXISTS sources(
      id            TEXT PRIMARY KEY,
      kind          TEXT NOT NULL,
      display_name  TEXT,
      config        TEXT NOT NULL DEFAULT '{}',
      enabled       INTEGER NOT NULL DEFAULT 1,
      created_at    TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP);
    CREATE TABLE IF NOT EXISTS log_entries(
      id                INTEGER PRIMARY KEY AUTOINCREMENT,
      source_id         TEXT NOT NULL,
      timestamp         TEXT NOT NULL,
      severity          TEXT NOT NULL DEFAULT 'INFO',
      hostname          TEXT,
      service           TEXT,
      message           TEXT NOT NULL,
      raw               TEXT,
      matched_patterns  TEXT NOT NULL DEFAULT '[]',
      ingested_at       TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP);
    CREATE INDEX IF NOT EXISTS idx_log_entries_source_ts ON log_entries(source_id, timestamp);
    CREATE INDEX IF NOT EXISTS idx_log_entries_severity_ts ON log_entries(severity, timestamp);
    CREATE VIRTUAL TABLE log_entries_fts USING fts5(message, content='log_entries', content_rowid='id', tokenize='unicode61');
    CREATE TRIGGER log_entries_ai AFTER INSERT ON log_entries BEGIN
      INSERT INTO log_entries_fts(rowid, message) VALUES (new.id, new.message);
    END;
    CREATE TRIGGER log_entries_ad AFTER DELETE ON log_entries BEGIN
      INSERT INTO log_entries_fts(log_entries_fts, rowid, message) VALUES('delete', old.id, old.message);
    END;
    CREATE TRIGGER log_entries_au AFTER UPDATE ON log_entries BEGIN
      INSERT INTO log_entries_fts(log_entries_fts, rowid, message) VALUES('delete', old.id, old.message);
      INSERT INTO log_entries_fts(rowid, message) VALUES (new.id, new.message);
    END;
    ALTER TABLE log_entries ADD COLUMN anomaly_score REAL;
    CREATE TABLE IF NOT EXISTS context_facts(
      id          INTEGER PRIMARY KEY AUTOINCREMENT,
      subject     TEXT NOT NULL,
      fact        TEXT NOT NULL,
      source      TEXT,
      confidence  REAL NOT NULL DEFAULT 1.0,
      created_at  TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
      updated_at  TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
      expires_at  TEXT,
      UNIQUE (subject, fact));
    CREATE VIRTUAL TABLE context_facts_fts USING fts5(fact, content='context_facts', content_rowid='id');
    CREATE TRIGGER context_facts_ai AFTER INSERT ON context_facts BEGIN
      INSERT INTO context_facts_fts(rowid, fact) VALUES (new.id, new.fact);
    END;
    CREATE TRIGGER context_facts_ad AFTER DELETE ON context_facts BEGIN
      INSERT INTO context_facts_fts(context_facts_fts, rowid, fact) VALUES('delete', old.id, old.fact);
    END;
    CREATE TRIGGER context_facts_au AFTER UPDATE ON context_facts BEGIN
      INSERT INTO context_facts_fts(context_facts_fts, rowid, fact) VALUES('delete', old.id, old.fact);
      INSERT INTO context_facts_fts(rowid, fact) VALUES (new.id, new.fact);
    END;
  )");

  // The same schema through the operations API, as versions/ writes it.
  Ops ops;
  ops.create_table("sources", {col::text("id").pk(), col::text("kind").not_null(), col::text("display_name"),
                               col::json("config").not_null().default_value(std::string("{}")),
                               col::boolean("enabled").not_null().default_value(true),
                               col::timestamp("created_at").not_null().default_now()});
  ops.create_table("log_entries",
                   {col::id("id"), col::text("source_id").not_null(), col::timestamp("timestamp").not_null(),
                    col::text("severity").not_null().default_value(std::string("INFO")), col::text("hostname"),
                    col::text("service"), col::text("message").not_null(), col::text("raw"),
                    col::json("matched_patterns").not_null().default_value(std::string("[]")),
                    col::timestamp("ingested_at").not_null().default_now()});
  ops.create_index("idx_log_entries_source_ts", "log_entries", {"source_id", "timestamp"});
  ops.create_index("idx_log_entries_severity_ts", "log_entries", {"severity", "timestamp"});
  ops.create_fulltext("log_entries", {"message"});
  ops.add_column("log_entries", col::real("anomaly_score"));
  ops.create_table("context_facts",
                   {col::id("id"), col::text("subject").not_null(), col::text("fact").not_null(), col::text("source"),
                    col::double_("confidence").not_null().default_value(1.0),
                    col::timestamp("created_at").not_null().default_now(),
                    col::timestamp("updated_at").not_null().default_now(), col::timestamp("expires_at")},
                   [](TableSpec& t) { t.uniques.push_back({{"subject", "fact"}, ""}); });
  ops.create_fulltext("context_facts", {"fact"});
  Schema expected;
  for (const auto& op : ops.operations()) expected.apply(op);
  auto differences = drift(*c, expected);
  INFO(joined(differences));
  CHECK(differences.empty());

  // And a fresh database built by the operations describes the same way as the legacy one.
  test::TestDatabase fresh(DialectKind::sqlite);
  auto f = fresh.connect();
  Schema replayed;
  run_ops(*f, replayed, ops);
  CHECK(diff(f->introspect({}), c->introspect({})).empty());

  // A difference is reported, not hidden: a missing column and a changed default.
  c->execute("ALTER TABLE log_entries ADD COLUMN extra TEXT");
  CHECK(drift(*c, expected) == std::vector<std::string>{"log_entries: column extra not expected"});
}
