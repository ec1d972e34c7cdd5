// The pieces of `check` on trees with raw SQL: which statements may change the compared schema
// (core/recovery/schema_sql.h), the stored form of a schema snapshot and the object-by-object
// merge (core/recovery/schema_snapshot.h).
#include <catch2/catch.hpp>

#include "core/base/errors.h"
#include "core/graph/sql_unit.h"
#include "core/recovery/schema_snapshot.h"
#include "core/recovery/schema_sql.h"

using namespace tsm;

namespace {

bool changes(const std::string& sql, DialectKind d = DialectKind::postgresql) {
  return may_change_compared_schema(sql, d);
}

ColumnDescription column(const std::string& name, const std::string& type = "integer") {
  return {name, type, true, ""};
}

TableDescription table(const std::string& name, std::vector<std::string> columns,
                       std::vector<std::string> indexes = {}) {
  TableDescription t;
  t.name = name;
  for (const auto& c : columns) t.columns.push_back(column(c));
  for (const auto& i : indexes) t.indexes.push_back({i, {columns.front()}, false});
  return t;
}

SchemaDescription schema(std::vector<TableDescription> tables) {
  SchemaDescription s;
  for (auto& t : tables) s.tables[t.name] = t;
  return s;
}

std::vector<std::string> column_names(const SchemaDescription& s, const std::string& t) {
  std::vector<std::string> out;
  for (const auto& c : s.tables.at(t).columns) out.push_back(c.name);
  return out;
}

bool same(const SchemaDescription& a, const SchemaDescription& b) {
  if (a.tables.size() != b.tables.size()) return false;
  for (const auto& [name, t] : a.tables)
    if (!b.tables.count(name) || !same_table(t, b.tables.at(name))) return false;
  return true;
}

}  // namespace

TEST_CASE("data statements and DDL of objects check does not compare leave the schema alone", "[unit][snapshot]") {
  CHECK_FALSE(changes("INSERT INTO t (a) VALUES (1)"));
  CHECK_FALSE(changes("WITH copied AS (INSERT INTO t SELECT * FROM u RETURNING id) SELECT setval('s', 1)"));
  CHECK_FALSE(changes("  -- a comment\n  UPDATE t SET a = 1"));
  CHECK_FALSE(changes("/* block /* nested */ still */ DELETE FROM t"));
  CHECK_FALSE(changes("(SELECT 1) UNION (SELECT 2)"));
  CHECK_FALSE(changes("SET search_path = app"));
  CHECK_FALSE(changes("GRANT SELECT ON t TO reader"));
  CHECK_FALSE(changes("COMMENT ON TABLE t IS 'x'"));
  CHECK_FALSE(changes("-- nothing but a comment"));
  CHECK_FALSE(changes(""));
  CHECK_FALSE(changes("CREATE VIEW v AS SELECT 1"));
  CHECK_FALSE(changes("create or replace view v as select 1"));
  CHECK_FALSE(changes("CREATE MATERIALIZED VIEW mv AS SELECT 1"));
  CHECK_FALSE(
      changes("CREATE OR REPLACE FUNCTION f() RETURNS trigger AS $$ BEGIN CREATE TABLE x (); END $$ "
              "LANGUAGE plpgsql"));
  CHECK_FALSE(changes("CREATE TRIGGER trg BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION f()"));
  CHECK_FALSE(changes("DROP TRIGGER trg ON t"));
  CHECK_FALSE(changes("CREATE TEMP TABLE scratch (a int)"));
  CHECK_FALSE(changes("CREATE POLICY p ON t USING (true)"));
  CHECK_FALSE(changes("CREATE DEFINER=`root`@`%` TRIGGER trg BEFORE INSERT ON t FOR EACH ROW SET NEW.a = 1",
                      DialectKind::mariadb));
  CHECK_FALSE(changes("CREATE ALGORITHM=MERGE SQL SECURITY DEFINER VIEW v AS SELECT 1", DialectKind::mariadb));
  CHECK_FALSE(changes("DROP TEMPORARY TABLE IF EXISTS scratch", DialectKind::mariadb));
  CHECK_FALSE(changes("/*!40101 SET NAMES utf8mb4 */", DialectKind::mariadb));
  CHECK_FALSE(changes("/*!50001 CREATE ALGORITHM=UNDEFINED */ /*!50001 VIEW v AS SELECT 1 */", DialectKind::mariadb));
  CHECK_FALSE(changes("DO 1", DialectKind::mariadb));
  // An SQLite trigger is compared only as the sync trigger of an FTS5 table.
  CHECK_FALSE(changes("CREATE TRIGGER touch AFTER UPDATE ON t BEGIN UPDATE t SET u = 1 WHERE id = new.id; END",
                      DialectKind::sqlite));
}

TEST_CASE("DDL of tables and indexes and anything unknown may change the schema", "[unit][snapshot]") {
  CHECK(changes("CREATE TABLE t (id integer)"));
  CHECK(changes("create unique index ix on t (a)"));
  CHECK(changes("ALTER TABLE t ADD COLUMN c integer"));
  CHECK(changes("DROP INDEX ix"));
  CHECK(changes("CREATE UNLOGGED TABLE t (a int)"));
  CHECK(changes("CREATE EXTENSION IF NOT EXISTS postgis"));
  CHECK(changes("DROP VIEW v CASCADE"));
  CHECK(changes("DROP FUNCTION f() CASCADE"));
  CHECK(changes("DO $$ BEGIN EXECUTE 'CREATE TABLE x ()'; END $$"));
  CHECK(changes("CALL make_tables()"));
  CHECK(changes("FROBNICATE t"));
  CHECK(changes("CREATE OR REPLACE TABLE t (a int)", DialectKind::mariadb));
  CHECK(changes("# a comment\nCREATE TABLE t (a int)", DialectKind::mariadb));
  CHECK(changes("RENAME TABLE a TO b", DialectKind::mariadb));
  CHECK(changes("EXECUTE IMMEDIATE 'CREATE TABLE t (a int)'", DialectKind::mariadb));
  CHECK(changes("CREATE VIRTUAL TABLE docs_fts USING fts5(body)", DialectKind::sqlite));
  CHECK(
      changes("CREATE TRIGGER docs_ai AFTER INSERT ON docs BEGIN INSERT INTO docs_fts (rowid, body) "
              "VALUES (new.id, new.body); END",
              DialectKind::sqlite));
}

TEST_CASE("a revision runs schema SQL on the dialects whose statements may change it", "[unit][snapshot]") {
  Revision rev = parse_sql_unit(
      "-- revision: aaaa00000001\n-- down_revision: none\n"
      "-- +upgrade\nINSERT INTO seen (a) VALUES (1);\n"
      "-- +upgrade postgresql\nCREATE TABLE pg_only (a integer);\n",
      "units/a.sql");
  CHECK(runs_schema_sql(rev, DialectKind::postgresql));
  CHECK_FALSE(runs_schema_sql(rev, DialectKind::sqlite));
  CHECK_FALSE(runs_schema_sql(rev, DialectKind::mariadb));
}

TEST_CASE("a schema snapshot reads back as written", "[unit][snapshot]") {
  SchemaDescription s;
  TableDescription t;
  t.name = "orders";
  t.columns = {
      {"id", "bigint", false, ""}, {"note", "text", true, "'it''s, \"x\"'"}, {"caf\xc3\xa9", "text", true, ""}};
  t.primary_key = {"id"};
  t.indexes = {{"ix_orders_z", {"note"}, false}, {"ix_orders_a", {"id", "note"}, true}};
  t.foreign_keys = {{{"id"}, "customers", {"id"}, "CASCADE"}};
  t.fulltext_objects = {"orders_fts", "orders_ai"};
  s.tables["orders"] = t;
  s.tables["empty"] = table("empty", {"a"});

  const std::string text = encode_schema(s);
  CHECK(text == encode_schema(decode_schema(text)));  // stable
  const SchemaDescription back = decode_schema(text);
  REQUIRE(back.tables.size() == 2);
  CHECK(same_table(back.tables.at("orders"), t));
  CHECK(back.tables.at("orders").columns == t.columns);                   // column order kept
  CHECK(back.tables.at("orders").indexes.front().name == "ix_orders_a");  // other lists sorted
  CHECK(diff(s, back).empty());
  CHECK(decode_schema(encode_schema(SchemaDescription{})).tables.empty());
}

TEST_CASE("a malformed schema snapshot is refused with exit 5", "[unit][snapshot]") {
  for (const std::string text :
       {"", "[]", "{\"format\":2,\"tables\":[]}", "{\"format\":1}", "{\"format\":1,\"tables\":[{\"name\":\"t\"}]}",
        "{\"format\":1,\"tables\":[{\"name\":\"t\",\"columns\":[1],\"primary_key\":[],"
        "\"indexes\":[],\"foreign_keys\":[],\"fulltext_objects\":[]}]}"}) {
    INFO(text);
    CHECK_THROWS_AS(decode_schema(text), AttentionError);
  }
}

TEST_CASE("merging keeps base where nothing changed and takes every change made on one side", "[unit][snapshot]") {
  const auto x = schema({table("a", {"id", "x"}), table("b", {"id"})});
  const auto y = schema({table("a", {"id"}), table("c", {"id"})});
  CHECK(same(merge_changes(x, y, y), x));
  CHECK(same(merge_changes(y, y, x), x));
  CHECK(same(merge_changes(x, x, x), x));

  // A step created `orders` (base = live after it, from = live before it); before the command a
  // hand edit had added customers.hand and dropped ix_customers_name (to = the recorded schema):
  // the result is the recorded schema plus the step's change, the hand edit stays drift.
  const auto recorded = schema({table("customers", {"id", "name"}, {"ix_customers_name"})});
  const auto live_before = schema({table("customers", {"id", "name", "hand"})});
  const auto live_after = schema({table("customers", {"id", "name", "hand"}), table("orders", {"id", "total"})});
  const auto merged = merge_changes(live_after, live_before, recorded);
  CHECK(same(merged,
             schema({table("customers", {"id", "name"}, {"ix_customers_name"}), table("orders", {"id", "total"})})));

  // A table dropped by hand and not touched by the step comes back; one the step dropped stays gone.
  CHECK(same(merge_changes(schema({}), schema({}), recorded), recorded));
  CHECK(merge_changes(schema({}), recorded, recorded).tables.empty());
}

TEST_CASE("a table changed on both sides is merged column by column in order", "[unit][snapshot]") {
  // from: the operations' schema where the snapshot was taken; to: the snapshot (raw SQL added
  // `flag` after `name`); base: the operations' schema now (an operation added `total`).
  const auto from = schema({table("t", {"id", "name"}, {"ix_t_a"})});
  auto to = schema({table("t", {"id", "name", "flag"}, {"ix_t_a", "ix_t_raw"})});
  const auto base = schema({table("t", {"id", "name", "total"}, {"ix_t_a", "ix_t_ops"})});
  const auto merged = merge_changes(base, from, to);
  CHECK(column_names(merged, "t") == std::vector<std::string>{"id", "name", "flag", "total"});
  std::vector<std::string> indexes;
  for (const auto& i : merged.tables.at("t").indexes) indexes.push_back(i.name);
  CHECK(indexes == std::vector<std::string>{"ix_t_a", "ix_t_ops", "ix_t_raw"});

  // Changed on both sides: the base side (the later change) wins.
  to.tables["t"].columns[1].type = "text";
  auto base2 = base;
  base2.tables["t"].columns[1].type = "varchar(10)";
  CHECK(merge_changes(base2, from, to).tables.at("t").columns[1].type == "varchar(10)");
}
