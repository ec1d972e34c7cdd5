// Bulk writers (PostgreSQL binary COPY, MariaDB array binding, SQLite prepared INSERT): hostile
// canonical rows go in through Connection::bulk_writer and come back through query() +
// Dialect::canonical byte for byte, on every backend.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "core/base/errors.h"
#include "core/dialect.h"
#include "core/model/schema.h"
#include "tests/support/test_db.h"

using namespace tsm;
using namespace std::string_literals;

namespace {

void create(Connection& c, const Ops& ops) {
  Schema schema;
  for (const auto& op : ops.operations()) {
    for (const auto& st : c.dialect().render(op, schema)) c.execute(st.sql);
    schema.apply(op);
  }
}

const std::vector<BulkColumn>& hostile_columns() {
  static const std::vector<BulkColumn> cols = {
      {"id", {TypeKind::big_integer}}, {"msg", {TypeKind::text}},     {"name", {TypeKind::string, 64}},
      {"flag", {TypeKind::boolean}},   {"score", {TypeKind::real}},   {"d", {TypeKind::double_}},
      {"n", {TypeKind::integer}},      {"ts", {TypeKind::timestamp}}, {"day", {TypeKind::date}},
      {"payload", {TypeKind::blob}},   {"data", {TypeKind::json}},
  };
  return cols;
}

Ops hostile_table() {
  Ops ops;
  ops.create_table("hostile", {col::big_integer("id").pk(), col::text("msg"), col::string("name", 64), col::boolean("flag"),
                               col::real("score"), col::double_("d"), col::integer("n"), col::timestamp("ts"),
                               col::date("day"), col::blob("payload"), col::json("data").not_null()});
  return ops;
}

// Canonical rows as Dialect::canonical would produce them.
std::vector<Row> hostile_rows() {
  std::vector<Row> rows;
  Row nulls(hostile_columns().size());
  nulls[0] = "1";
  // SQLite renders json columns with CHECK (json_valid(x)), and json_valid(NULL) is 0 on SQLite
  // 3.40: a json column cannot hold SQL NULL there. JSON null instead.
  nulls[10] = "null";
  rows.push_back(nulls);
  rows.push_back({"2", "emoji \xF0\x9F\x98\x80\xF0\x9F\x90\xB3 quotes ' \" `, backslash \\ \\\\ \\N \\t, tab\there, new\nline, cr\r, end",
                  "Host", "1", "0.30000000000000004", "-1.7976931348623157e+308", "-2147483648",
                  "2024-03-05 10:11:12.123456", "2024-02-29", "00ff005c0a0d09004e",
                  "{\"a\":[1,2.5,\"\xC3\xA9\xF0\x9F\x98\x80\\u0001\",\"tab\\tq\\\"\\\\\"],\"b\":null}"});
  rows.push_back({"3", std::string(1 << 20, 'x') + "\xE2\x82\xAC", "host", "0", "1e-07", "0.1", "0",
                  "1970-01-01 00:00:00.000000", "0001-01-01", "", "[]"});
  rows.push_back({"4", "", "\\N", "0", "0", "1e+21", "2147483647", "9999-12-31 23:59:59.999999", "9999-12-31",
                  "00", "\"\\\\N\""});
  // Enough ordinary rows to cross every writer's chunk boundary (1000 rows, 1 MiB).
  for (int i = 10; i < 2600; ++i)
    rows.push_back({std::to_string(i), "row " + std::to_string(i) + std::string(i % 700, 'm'), "h" + std::to_string(i % 7),
                    i % 2 ? "1" : "0", std::to_string(i) + ".5", "0.1", std::to_string(-i),
                    "2025-06-0" + std::to_string(1 + i % 9) + " 0" + std::to_string(i % 10) + ":00:00.000000",
                    "2025-06-15", i % 3 ? std::optional<std::string>("0a0b") : std::nullopt,
                    "{\"i\":" + std::to_string(i) + "}"});
  rows.push_back({"9223372036854775807", "NULL", "", "1", "123.456", "2.2250738585072014e-308", "42", "1969-12-31 23:59:59.999999",
                  "1970-01-01", "ff", "{\"\":{}}"});
  return rows;
}

std::string select_all(const Dialect& d) {
  std::string sql = "SELECT ";
  for (std::size_t i = 0; i < hostile_columns().size(); ++i) sql += (i ? ", " : "") + d.quote(hostile_columns()[i].name);
  return sql + " FROM " + d.quote("hostile") + " WHERE " + d.quote("id") + " >= ? ORDER BY " + d.quote("id");
}

// With a bound parameter: MariaDB reads through its prepared-statement path (copy's keyset reads).
std::vector<Row> read_back(Connection& c) {
  std::vector<Row> out;
  for (const auto& raw : c.query(select_all(c.dialect()), {"0"})) {
    Row row;
    for (std::size_t i = 0; i < raw.size(); ++i) row.push_back(c.dialect().canonical(hostile_columns()[i].type, raw[i]));
    out.push_back(std::move(row));
  }
  return out;
}

std::string show(const std::optional<std::string>& v) { return v ? "'" + v->substr(0, 80) + "'" : "NULL"; }

}  // namespace

TEST_CASE("bulk writers load hostile canonical rows that read back byte for byte", "[bulk]") {
  for (DialectKind kind : test::backends_under_test()) {
    DYNAMIC_SECTION(dialect_name(kind)) {
      test::TestDatabase db(kind);
      auto c = db.connect();
      create(*c, hostile_table());
      const auto rows = hostile_rows();
      c->begin();
      {
        auto w = c->bulk_writer("hostile", hostile_columns());
        for (const auto& r : rows) {
          INFO("writing row " << *r[0]);
          w->write(r);
        }
        w->finish();
      }
      c->commit();
      const auto back = read_back(*c);
      REQUIRE(back.size() == rows.size());
      for (std::size_t r = 0; r < rows.size(); ++r)
        for (std::size_t i = 0; i < rows[r].size(); ++i) {
          INFO("row " << *rows[r][0] << " column " << hostile_columns()[i].name << ": " << show(rows[r][i]) << " vs "
                      << show(back[r][i]));
          REQUIRE(back[r][i] == rows[r][i]);
        }
    }
  }
}

TEST_CASE("bulk writers write inside the caller's transaction: a rollback leaves nothing", "[bulk]") {
  for (DialectKind kind : test::backends_under_test()) {
    DYNAMIC_SECTION(dialect_name(kind)) {
      test::TestDatabase db(kind);
      auto c = db.connect();
      create(*c, hostile_table());
      c->begin();
      {
        auto w = c->bulk_writer("hostile", hostile_columns());
        for (const auto& r : hostile_rows()) w->write(r);
        w->finish();
      }
      CHECK(c->query("SELECT COUNT(*) FROM " + c->dialect().quote("hostile"))[0][0] ==
            std::optional<std::string>(std::to_string(hostile_rows().size())));
      c->rollback();
      CHECK(db.column("SELECT COUNT(*) FROM " + c->dialect().quote("hostile")) == std::vector<std::string>{"0"});
    }
  }
}

TEST_CASE("bulk writers refuse a duplicate key instead of dropping the row", "[bulk]") {
  for (DialectKind kind : test::backends_under_test()) {
    DYNAMIC_SECTION(dialect_name(kind)) {
      test::TestDatabase db(kind);
      auto c = db.connect();
      create(*c, hostile_table());
      Row row(hostile_columns().size());
      row[0] = "7";
      c->begin();
      bool failed = false;
      try {
        auto w = c->bulk_writer("hostile", hostile_columns());
        w->write(row);
        w->write(row);
        w->finish();
      } catch (const StatementError&) {
        failed = true;
      }
      c->rollback();
      CHECK(failed);
      // The session is still usable after the failed load.
      CHECK(c->query("SELECT COUNT(*) FROM " + c->dialect().quote("hostile"))[0][0] == std::optional<std::string>("0"));
    }
  }
}

TEST_CASE("'Host' and 'host', and two different 4-byte characters, are different keys on every backend", "[bulk]") {
  for (DialectKind kind : test::backends_under_test()) {
    DYNAMIC_SECTION(dialect_name(kind)) {
      test::TestDatabase db(kind);
      auto c = db.connect();
      Ops ops;
      ops.create_table("keys", {col::string("id", 255).pk(), col::text("fact").not_null()},
                       [](TableSpec& t) { t.uniques.push_back({{"fact"}, "uq_keys_fact"}); });
      create(*c, ops);
      std::vector<BulkColumn> cols = {{"id", {TypeKind::string, 255}}, {"fact", {TypeKind::text}}};
      c->begin();
      {
        auto w = c->bulk_writer("keys", cols);
        w->write({"Host", "Disk full"});
        w->write({"host", "disk full"});
        w->write({"\xF0\x9F\x98\x80", "\xF0\x9F\x98\x80"});
        w->write({"\xF0\x9F\x90\xB3", "\xF0\x9F\x90\xB3"});
        w->write({"e\xCC\x81", "e\xCC\x81"});  // e + combining acute
        w->write({"\xC3\xA9", "\xC3\xA9"});    // precomposed é
        w->finish();
      }
      c->commit();
      CHECK(db.column("SELECT COUNT(DISTINCT " + c->dialect().quote("id") + ") FROM " + c->dialect().quote("keys")) ==
            std::vector<std::string>{"6"});
      CHECK(c->query("SELECT " + c->dialect().quote("fact") + " FROM " + c->dialect().quote("keys") + " WHERE " +
                         c->dialect().quote("id") + " = ?",
                     {"host"}) == std::vector<Row>{{std::string("disk full")}});
    }
  }
}
