// SQLite rendering: exact SQL for each operation kind, quoting, literals, rebuild shape.
#include <catch2/catch.hpp>

#include "core/base/errors.h"
#include "dialects/sqlite/sqlite_dialect.h"
#include "dialects/sqlite/sqlite_normalize.h"

using namespace tsm;

namespace {

const sqlite::SqliteDialect& d() { return sqlite::dialect(); }

std::vector<std::string> sql_of(const Operation& op, const Schema& before = {}) {
  std::vector<std::string> out;
  for (const auto& s : d().render(op, before)) out.push_back(s.sql);
  return out;
}

// A small schema: parent `incidents`, `entries` with an FTS index, a check and a json column.
Schema sample_schema() {
  Ops ops;
  ops.create_table("incidents", {col::id("id"), col::text("label").not_null()});
  ops.create_table("entries",
                   {col::id("id"), col::integer("incident_id"), col::text("message").not_null(),
                    col::json("matched_patterns").not_null().default_value(std::string("[]")),
                    col::real("score"), col::text("note")},
                   [](TableSpec& t) {
                     t.checks.push_back({"score >= 0", ""});
                     t.checks.push_back({"length(message) > 0", "ck_entries_message"});
                     t.foreign_keys.push_back({{"incident_id"}, "incidents", {"id"}, FkAction::cascade, ""});
                   });
  ops.create_index("ix_entries_incident", "entries", {"incident_id"}, false, "incident_id IS NOT NULL");
  ops.create_fulltext("entries", {"message"});
  Schema s;
  for (const auto& op : ops.operations()) s.apply(op);
  return s;
}

}  // namespace

TEST_CASE("sqlite quotes identifiers and reserved words", "[sqlite][render]") {
  CHECK(d().quote("timestamp") == "\"timestamp\"");
  CHECK(d().quote("order") == "\"order\"");
  CHECK(d().quote("we\"ird") == "\"we\"\"ird\"");
  CHECK_THROWS_AS(d().quote(""), UsageError);
  CHECK_THROWS_AS(d().quote(std::string(129, 'x')), UsageError);
  CHECK(d().quote(std::string(128, 'x')).size() == 130);
}

TEST_CASE("sqlite literals escape quotes and keep doubles real", "[sqlite][render]") {
  CHECK(d().literal(std::string("it's")) == "'it''s'");
  CHECK(d().literal(std::string("back\\slash")) == "'back\\slash'");
  CHECK(d().literal(Value{}) == "NULL");
  CHECK(d().literal(Value{std::int64_t{-42}}) == "-42");
  CHECK(d().literal(Value{1.0}) == "1.0");
  CHECK(d().literal(Value{0.25}) == "0.25");
  CHECK(d().literal(Value{true}) == "1");
  CHECK_THROWS_AS(d().literal(std::string("a\0b", 3)), UsageError);
}

TEST_CASE("sqlite native types follow the legacy DDL", "[sqlite][render]") {
  CHECK(d().native_type({TypeKind::integer}) == "INTEGER");
  CHECK(d().native_type({TypeKind::big_integer}) == "INTEGER");
  CHECK(d().native_type({TypeKind::boolean}) == "INTEGER");
  CHECK(d().native_type({TypeKind::real}) == "REAL");
  CHECK(d().native_type({TypeKind::double_}) == "REAL");
  CHECK(d().native_type({TypeKind::string, 64}) == "TEXT");
  CHECK(d().native_type({TypeKind::timestamp}) == "TEXT");
  CHECK(d().native_type({TypeKind::date}) == "TEXT");
  CHECK(d().native_type({TypeKind::json}) == "TEXT");
  CHECK(d().native_type({TypeKind::blob}) == "BLOB");
}

TEST_CASE("sqlite create_table renders the legacy column forms", "[sqlite][render]") {
  TableSpec t;
  t.name = "log_entries";
  t.columns = {col::id("id"), col::text("timestamp").not_null(),
               col::text("severity").not_null().default_value(std::string("INFO")),
               col::boolean("enabled").not_null().default_value(true), col::real("order").default_value(1.0),
               col::json("matched_patterns").not_null().default_value(std::string("[]")),
               col::timestamp("ingested_at").not_null().default_now()};
  t.checks.push_back({"\"order\" >= 0", ""});
  t.uniques.push_back({{"timestamp", "severity"}, ""});
  CHECK(sql_of(CreateTable{t}) ==
        std::vector<std::string>{"CREATE TABLE \"log_entries\" (\n"
                                 "  \"id\" INTEGER PRIMARY KEY AUTOINCREMENT,\n"
                                 "  \"timestamp\" TEXT NOT NULL,\n"
                                 "  \"severity\" TEXT NOT NULL DEFAULT 'INFO',\n"
                                 "  \"enabled\" INTEGER NOT NULL DEFAULT 1,\n"
                                 "  \"order\" REAL DEFAULT 1.0,\n"
                                 "  \"matched_patterns\" TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(\"matched_patterns\")),\n"
                                 "  \"ingested_at\" TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,\n"
                                 "  CONSTRAINT \"uq_log_entries_timestamp_severity\" UNIQUE (\"timestamp\", \"severity\"),\n"
                                 "  CHECK (\"order\" >= 0)\n"
                                 ")"});
}

TEST_CASE("sqlite composite keys and foreign keys get default names", "[sqlite][render]") {
  TableSpec t;
  t.name = "incident_entries";
  t.columns = {col::integer("incident_id").not_null(), col::integer("entry_id").not_null()};
  t.primary_key = {"incident_id", "entry_id"};
  t.foreign_keys.push_back({{"incident_id"}, "incidents", {"id"}, FkAction::cascade, ""});
  t.foreign_keys.push_back({{"entry_id"}, "log_entries", {"id"}, FkAction::set_null, "fk_named"});
  CHECK(sql_of(CreateTable{t}).at(0) ==
        "CREATE TABLE \"incident_entries\" (\n"
        "  \"incident_id\" INTEGER NOT NULL,\n"
        "  \"entry_id\" INTEGER NOT NULL,\n"
        "  CONSTRAINT \"pk_incident_entries\" PRIMARY KEY (\"incident_id\", \"entry_id\"),\n"
        "  CONSTRAINT \"fk_incident_entries_incident_id_incidents\" FOREIGN KEY (\"incident_id\") REFERENCES "
        "\"incidents\" (\"id\") ON DELETE CASCADE,\n"
        "  CONSTRAINT \"fk_named\" FOREIGN KEY (\"entry_id\") REFERENCES \"log_entries\" (\"id\") ON DELETE SET NULL\n"
        ")");
}

TEST_CASE("sqlite create_fulltext renders the legacy FTS5 form, triggers and rebuild", "[sqlite][render]") {
  FulltextSpec spec;
  spec.table = "log_entries";
  spec.columns = {"message"};
  auto sql = sql_of(CreateFulltext{spec});
  REQUIRE(sql.size() == 5);
  CHECK(sql[0] ==
        "CREATE VIRTUAL TABLE log_entries_fts USING fts5(message, content='log_entries', content_rowid='id', "
        "tokenize='unicode61')");
  CHECK(sql[1] ==
        "CREATE TRIGGER \"log_entries_ai\" AFTER INSERT ON \"log_entries\" BEGIN\n"
        "  INSERT INTO \"log_entries_fts\" (rowid, \"message\") VALUES (new.\"id\", new.\"message\");\nEND");
  CHECK(sql[2] ==
        "CREATE TRIGGER \"log_entries_ad\" AFTER DELETE ON \"log_entries\" BEGIN\n"
        "  INSERT INTO \"log_entries_fts\" (\"log_entries_fts\", rowid, \"message\") VALUES ('delete', old.\"id\", "
        "old.\"message\");\nEND");
  CHECK(sql[3].find("AFTER UPDATE ON \"log_entries\"") != std::string::npos);
  CHECK(sql[3].find("VALUES ('delete', old.\"id\"") < sql[3].find("VALUES (new.\"id\""));
  CHECK(sql[4] == "INSERT INTO \"log_entries_fts\" (\"log_entries_fts\") VALUES ('rebuild')");

  spec.columns = {"rank", "body text"};
  spec.options.tokenizer = "porter unicode61";
  CHECK(sql_of(CreateFulltext{spec})[0] ==
        "CREATE VIRTUAL TABLE log_entries_fts USING fts5(\"rank\", \"body text\", content='log_entries', "
        "content_rowid='id', tokenize='porter unicode61')");
}

TEST_CASE("sqlite drop_fulltext drops the triggers and the virtual table", "[sqlite][render]") {
  FulltextSpec spec;
  spec.table = "log_entries";
  spec.columns = {"message"};
  CHECK(sql_of(DropFulltext{spec}) == std::vector<std::string>{"DROP TRIGGER IF EXISTS \"log_entries_ai\"",
                                                               "DROP TRIGGER IF EXISTS \"log_entries_ad\"",
                                                               "DROP TRIGGER IF EXISTS \"log_entries_au\"",
                                                               "DROP TABLE IF EXISTS \"log_entries_fts\""});
}

TEST_CASE("sqlite indexes, partial indexes and drops", "[sqlite][render]") {
  CHECK(sql_of(CreateIndex{{"idx_a", "t", {"key", "b"}, true, "b IS NOT NULL"}}).at(0) ==
        "CREATE UNIQUE INDEX \"idx_a\" ON \"t\" (\"key\", \"b\") WHERE b IS NOT NULL");
  CHECK(sql_of(CreateIndex{{"idx_b", "t", {"a"}, false, ""}}).at(0) == "CREATE INDEX \"idx_b\" ON \"t\" (\"a\")");
  CHECK(sql_of(DropIndex{"idx_b", "t"}).at(0) == "DROP INDEX \"idx_b\"");
  CHECK(sql_of(RenameTable{"a", "b"}).at(0) == "ALTER TABLE \"a\" RENAME TO \"b\"");
  CHECK(sql_of(DropTable{"t", {}}).at(0) == "DROP TABLE \"t\"");
}

TEST_CASE("sqlite add_column is native when SQLite allows it, a rebuild otherwise", "[sqlite][render]") {
  Schema s = sample_schema();
  CHECK(sql_of(AddColumn{"entries", col::text("note")}, s) ==
        std::vector<std::string>{"ALTER TABLE \"entries\" ADD COLUMN \"note\" TEXT"});
  CHECK(sql_of(AddColumn{"entries", col::string("tenant_id", 64).not_null().default_value(std::string("default"))}, s)
            .at(0) == "ALTER TABLE \"entries\" ADD COLUMN \"tenant_id\" TEXT NOT NULL DEFAULT 'default'");
  // A non-constant default cannot be added by ALTER TABLE: rebuild.
  auto rebuild = d().render(AddColumn{"entries", col::timestamp("seen_at").not_null().default_now()}, s);
  REQUIRE(rebuild.size() > 5);
  CHECK(rebuild.front().sql == "PRAGMA foreign_keys=OFF");
  CHECK_FALSE(rebuild.front().in_transaction);
}

TEST_CASE("sqlite drop_column is native unless a check or trigger uses the column", "[sqlite][render]") {
  Schema s = sample_schema();
  CHECK(sql_of(DropColumn{"entries", "matched_patterns"}, s) ==
        std::vector<std::string>{"ALTER TABLE \"entries\" DROP COLUMN \"matched_patterns\""});
  auto rebuild = sql_of(DropColumn{"entries", "score"}, s);  // used by a check
  CHECK(rebuild.front() == "PRAGMA foreign_keys=OFF");
  CHECK(std::find(rebuild.begin(), rebuild.end(), "ALTER TABLE \"entries\" DROP COLUMN \"score\"") == rebuild.end());
}

TEST_CASE("sqlite alter_column renames natively and rebuilds for type changes", "[sqlite][render]") {
  Schema s = sample_schema();
  AlterColumn rename;
  rename.table = "entries";
  rename.name = "score";
  rename.new_name = "ml_score";
  CHECK(sql_of(rename, s) ==
        std::vector<std::string>{"ALTER TABLE \"entries\" RENAME COLUMN \"score\" TO \"ml_score\""});

  AlterColumn change;
  change.table = "entries";
  change.name = "note";
  change.nullable = false;
  change.new_name = "remark";
  auto stmts = d().render(change, s);
  std::vector<std::string> sql;
  for (auto& st : stmts) sql.push_back(st.sql);
  REQUIRE(sql.size() == 15);
  CHECK(sql[0] == "PRAGMA foreign_keys=OFF");
  CHECK(sql[1] ==
        "CREATE TABLE \"_tsm_new_entries\" (\n"
        "  \"id\" INTEGER PRIMARY KEY AUTOINCREMENT,\n"
        "  \"incident_id\" INTEGER,\n"
        "  \"message\" TEXT NOT NULL,\n"
        "  \"matched_patterns\" TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(\"matched_patterns\")),\n"
        "  \"score\" REAL,\n"
        "  \"remark\" TEXT NOT NULL,\n"
        "  CONSTRAINT \"fk_entries_incident_id_incidents\" FOREIGN KEY (\"incident_id\") REFERENCES \"incidents\" "
        "(\"id\") ON DELETE CASCADE,\n"
        "  CHECK (score >= 0),\n"  // the model keeps check text as written (unnamed check kept)
        "  CONSTRAINT \"ck_entries_message\" CHECK (length(message) > 0)\n"
        ")");
  CHECK(sql[2] ==
        "INSERT INTO \"_tsm_new_entries\" (\"id\", \"incident_id\", \"message\", \"matched_patterns\", \"score\", "
        "\"remark\") SELECT \"id\", \"incident_id\", \"message\", \"matched_patterns\", \"score\", \"note\" FROM "
        "\"entries\"");
  CHECK(sql[3] == "DELETE FROM sqlite_sequence WHERE name = '_tsm_new_entries'");
  CHECK(sql[4] ==
        "INSERT INTO sqlite_sequence (name, seq) SELECT '_tsm_new_entries', seq FROM sqlite_sequence WHERE name = "
        "'entries'");
  CHECK(sql[5] == "DROP TABLE \"entries\"");
  CHECK(sql[6] == "PRAGMA legacy_alter_table=ON");
  CHECK(sql[7] == "ALTER TABLE \"_tsm_new_entries\" RENAME TO \"entries\"");
  CHECK(sql[8] == "PRAGMA legacy_alter_table=OFF");
  CHECK(sql[9] ==
        "CREATE INDEX \"ix_entries_incident\" ON \"entries\" (\"incident_id\") WHERE incident_id IS NOT NULL");
  CHECK(sql[10].rfind("CREATE TRIGGER \"entries_ai\"", 0) == 0);
  CHECK(sql[11].rfind("CREATE TRIGGER \"entries_ad\"", 0) == 0);
  CHECK(sql[12].rfind("CREATE TRIGGER \"entries_au\"", 0) == 0);
  CHECK(sql[13] == "PRAGMA foreign_key_check(\"entries\")");  // no child table references entries
  CHECK(sql[14] == "PRAGMA foreign_keys=ON");
  for (std::size_t i = 1; i + 1 < stmts.size(); ++i) CHECK(stmts[i].in_transaction);
  CHECK_FALSE(stmts.back().in_transaction);
}

TEST_CASE("sqlite add_foreign_key and add_check rebuild and keep unnamed checks", "[sqlite][render]") {
  Schema s = sample_schema();
  auto sql = sql_of(AddCheck{"entries", {"incident_id > 0", ""}}, s);
  REQUIRE(sql.size() > 2);
  CHECK(sql[1].find("  CHECK (score >= 0),\n") != std::string::npos);
  CHECK(sql[1].find("CONSTRAINT \"ck_entries_message\" CHECK (length(message) > 0)") != std::string::npos);
  CHECK(sql[1].find("CHECK (incident_id > 0)") != std::string::npos);

  auto fk = sql_of(AddForeignKey{"incidents", {{"id"}, "incidents", {"id"}, FkAction::no_action, "fk_self"}}, s);
  CHECK(fk[1].find("CONSTRAINT \"fk_self\" FOREIGN KEY (\"id\") REFERENCES \"incidents\" (\"id\")") !=
        std::string::npos);
  CHECK(std::find(fk.begin(), fk.end(), "PRAGMA foreign_key_check(\"entries\")") != fk.end());  // a child table
}

TEST_CASE("sqlite rename_table moves the FTS objects to the new name", "[sqlite][render]") {
  Schema s = sample_schema();
  auto sql = sql_of(RenameTable{"entries", "items"}, s);
  REQUIRE(sql.size() == 10);
  CHECK(sql[3] == "DROP TABLE IF EXISTS \"entries_fts\"");
  CHECK(sql[4] == "ALTER TABLE \"entries\" RENAME TO \"items\"");
  CHECK(sql[5].rfind("CREATE VIRTUAL TABLE items_fts USING fts5(message, content='items'", 0) == 0);
}

TEST_CASE("sqlite execute needs SQL for sqlite and honours skip", "[sqlite][render]") {
  Execute pg_only;
  pg_only.per_dialect[DialectKind::postgresql] = "SELECT 1";
  CHECK_THROWS_WITH(d().render(pg_only, {}), "revision needs SQL for sqlite");
  Execute generic;
  generic.generic = "UPDATE t SET a = 1";
  generic.per_dialect[DialectKind::sqlite] = "UPDATE t SET a = 2";
  CHECK(sql_of(generic) == std::vector<std::string>{"UPDATE t SET a = 2"});
  generic.skip.insert(DialectKind::sqlite);
  CHECK(d().render(generic, {}).empty());
}

TEST_CASE("sqlite bulk_insert renders one multi-row insert with literals", "[sqlite][render]") {
  BulkInsert bi{"sources", {"id", "enabled", "score", "note"},
                {{std::string("a'b"), true, 0.5, Value{}}, {std::string("c"), false, std::int64_t{3}, std::string("x")}}};
  CHECK(sql_of(bi) == std::vector<std::string>{"INSERT INTO \"sources\" (\"id\", \"enabled\", \"score\", \"note\") VALUES\n"
                                               "  ('a''b', 1, 0.5, NULL),\n"
                                               "  ('c', 0, 3, 'x')"});
  bi.rows.push_back({std::string("short")});
  CHECK_THROWS_AS(d().render(bi, {}), UsageError);
}

TEST_CASE("sqlite version table has the Alembic layout", "[sqlite][render]") {
  CHECK(d().create_version_table("alembic_version") ==
        "CREATE TABLE IF NOT EXISTS \"alembic_version\" (\n"
        "  version_num VARCHAR(32) NOT NULL,\n"
        "  CONSTRAINT \"alembic_version_pkc\" PRIMARY KEY (version_num)\n"
        ")");
}

TEST_CASE("sqlite too-long names fail at render time", "[sqlite][render]") {
  TableSpec t;
  t.name = std::string(200, 'n');
  t.columns = {col::text("a")};
  CHECK_THROWS_AS(d().render(CreateTable{t}, {}), UsageError);
}

TEST_CASE("sqlite default and type normalization", "[sqlite][render]") {
  using sqlite::normalize_default;
  using sqlite::normalize_type;
  CHECK(normalize_type(" VARCHAR (64) ") == "varchar(64)");
  CHECK(normalize_type("INTEGER") == "integer");
  CHECK(normalize_default("('x')") == "'x'");
  CHECK(normalize_default("\"dq\"") == "'dq'");
  CHECK(normalize_default("'it''s'") == "'it''s'");
  CHECK(normalize_default("1.0") == "1");
  CHECK(normalize_default("(1)") == "1");
  CHECK(normalize_default("+5") == "5");
  CHECK(normalize_default("0.25") == "0.25");
  CHECK(normalize_default("current_timestamp") == "CURRENT_TIMESTAMP");
  CHECK(normalize_default("TRUE") == "1");
  CHECK(normalize_default("NULL") == "");
  CHECK(normalize_default("'a'||'b'") == "'a'||'b'");
}

TEST_CASE("sqlite describe gives normalized native types and defaults", "[sqlite][render]") {
  Schema s = sample_schema();
  auto desc = d().describe(s);
  const auto& e = desc.tables.at("entries");
  REQUIRE(e.columns.size() == 6);
  CHECK(e.columns[0] == ColumnDescription{"id", "integer", false, ""});
  CHECK(e.columns[3] == ColumnDescription{"matched_patterns", "text", false, "'[]'"});
  CHECK(e.columns[4] == ColumnDescription{"score", "real", true, ""});
  CHECK(e.primary_key == std::vector<std::string>{"id"});
  REQUIRE(e.indexes.size() == 1);
  CHECK(e.indexes[0] == IndexDescription{"ix_entries_incident", {"incident_id"}, false});
  REQUIRE(e.foreign_keys.size() == 1);
  CHECK(e.foreign_keys[0] == ForeignKeyDescription{{"incident_id"}, "incidents", {"id"}, "CASCADE"});
  CHECK(e.fulltext_objects == std::vector<std::string>{"entries_ad", "entries_ai", "entries_au", "entries_fts"});
}
