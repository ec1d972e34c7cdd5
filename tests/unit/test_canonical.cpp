// Canonical values (Dialect::canonical): what each backend's query() returns, mapped to the one
// text every dialect agrees on, so copy's checksums compare across backends.
#include <catch2/catch.hpp>

#include <optional>
#include <string>

#include "core/base/canonical.h"
#include "core/base/errors.h"
#include "dialects/mariadb/mariadb_dialect.h"
#include "dialects/postgresql/postgresql_dialect.h"
#include "dialects/sqlite/sqlite_dialect.h"

using namespace tsm;
using namespace std::string_literals;

namespace {

ColumnType t(TypeKind k) { return ColumnType{k, k == TypeKind::string ? 64 : 0}; }

std::string sq(TypeKind k, const std::string& raw) { return *sqlite::dialect().canonical(t(k), raw); }
std::string pg(TypeKind k, const std::string& raw) { return *postgresql::dialect().canonical(t(k), raw); }
std::string my(TypeKind k, const std::string& raw) { return *mariadb::dialect().canonical(t(k), raw); }

}  // namespace

TEST_CASE("canonical: NULL stays NULL on every dialect and type", "[canonical]") {
  for (auto k : {TypeKind::integer, TypeKind::boolean, TypeKind::real, TypeKind::text, TypeKind::timestamp,
                 TypeKind::date, TypeKind::blob, TypeKind::json}) {
    CHECK_FALSE(sqlite::dialect().canonical(t(k), std::nullopt).has_value());
    CHECK_FALSE(postgresql::dialect().canonical(t(k), std::nullopt).has_value());
    CHECK_FALSE(mariadb::dialect().canonical(t(k), std::nullopt).has_value());
  }
}

TEST_CASE("canonical: integers are decimal and an integral SQLite REAL is accepted (anything else refused)",
          "[canonical]") {
  CHECK(sq(TypeKind::integer, "42") == "42");
  CHECK(sq(TypeKind::big_integer, "-9223372036854775808") == "-9223372036854775808");
  CHECK(sq(TypeKind::integer, "5.0") == "5");
  CHECK(pg(TypeKind::big_integer, "9007199254740993") == "9007199254740993");
  CHECK(my(TypeKind::integer, "007") == "7");
  CHECK_THROWS_AS(sq(TypeKind::integer, "5.5"), UsageError);
  CHECK_THROWS_WITH(sq(TypeKind::integer, "abc"), Catch::Contains("'abc'") && Catch::Contains("integer"));
  CHECK_THROWS_AS(sq(TypeKind::integer, ""), UsageError);
}

TEST_CASE("canonical: booleans are 0/1 from SQLite 0/1, PostgreSQL t/f and MariaDB TINYINT(1)", "[canonical]") {
  CHECK(sq(TypeKind::boolean, "1") == "1");
  CHECK(sq(TypeKind::boolean, "0") == "0");
  CHECK(sq(TypeKind::boolean, "true") == "1");
  CHECK(pg(TypeKind::boolean, "t") == "1");
  CHECK(pg(TypeKind::boolean, "f") == "0");
  CHECK(my(TypeKind::boolean, "1") == "1");
  CHECK_THROWS_WITH(my(TypeKind::boolean, "2"), Catch::Contains("'2'") && Catch::Contains("boolean"));
}

TEST_CASE("canonical: reals are the shortest text of the 8-byte value", "[canonical]") {
  CHECK(sq(TypeKind::real, "0.1") == "0.1");
  CHECK(sq(TypeKind::real, "0.30000000000000004") == "0.30000000000000004");
  CHECK(sq(TypeKind::double_, "1.0") == "1");  // SQLite prints an integral REAL with ".0"
  CHECK(sq(TypeKind::real, "-0.0") == "0");  // MariaDB prints -0 as 0: one text for both
  CHECK(pg(TypeKind::double_, "-0") == "0");
  CHECK(sq(TypeKind::real, "Inf") == "Infinity");  // SQLite's text of 9e999
  CHECK(pg(TypeKind::double_, "-Infinity") == "-Infinity");
  CHECK(pg(TypeKind::double_, "NaN") == "NaN");
  CHECK(pg(TypeKind::double_, "1e-07") == "1e-07");
  CHECK(my(TypeKind::double_, "1e-7") == "1e-07");
  CHECK(my(TypeKind::double_, "1e21") == "1e+21");
  CHECK(pg(TypeKind::real, "1.7976931348623157e+308") == "1.7976931348623157e+308");
  CHECK(canonical::parse_double(canonical::shortest(0.1 + 0.2)) == 0.1 + 0.2);
  CHECK_THROWS_WITH(sq(TypeKind::real, "0.1x"), Catch::Contains("'0.1x'"));
  CHECK_THROWS_AS(sq(TypeKind::real, ""), UsageError);
}

TEST_CASE("canonical: SQLite timestamps in every ISO form become one UTC text", "[canonical]") {
  const std::string want = "2024-03-05 10:11:12.000000";
  CHECK(sq(TypeKind::timestamp, "2024-03-05 10:11:12") == want);
  CHECK(sq(TypeKind::timestamp, "2024-03-05T10:11:12") == want);
  CHECK(sq(TypeKind::timestamp, "2024-03-05T10:11:12Z") == want);
  CHECK(sq(TypeKind::timestamp, "2024-03-05 10:11:12+00:00") == want);
  CHECK(sq(TypeKind::timestamp, "2024-03-05T12:11:12+02:00") == want);
  CHECK(sq(TypeKind::timestamp, "2024-03-05T12:11:12+0200") == want);
  CHECK(sq(TypeKind::timestamp, "2024-03-05 05:41:12 -04:30") == want);
  CHECK(sq(TypeKind::timestamp, "2024-03-05 10:11:12.5") == "2024-03-05 10:11:12.500000");
  CHECK(sq(TypeKind::timestamp, "2024-03-05T10:11:12.123456Z") == "2024-03-05 10:11:12.123456");
  CHECK(sq(TypeKind::timestamp, "2024-03-05 10:11:12.123456789") == "2024-03-05 10:11:12.123456");  // truncated
  CHECK(sq(TypeKind::timestamp, "2024-03-05 10:11") == "2024-03-05 10:11:00.000000");
  CHECK(sq(TypeKind::timestamp, "2024-03-05") == "2024-03-05 00:00:00.000000");
  // An offset that crosses midnight, a month and a year; and a leap day.
  CHECK(sq(TypeKind::timestamp, "2024-12-31T23:30:00-01:00") == "2025-01-01 00:30:00.000000");
  CHECK(sq(TypeKind::timestamp, "2024-03-01T00:30:00+01:00") == "2024-02-29 23:30:00.000000");
  CHECK(sq(TypeKind::timestamp, "1969-12-31 23:59:59.999999") == "1969-12-31 23:59:59.999999");
  CHECK(sq(TypeKind::timestamp, "0001-01-01 00:00:00") == "0001-01-01 00:00:00.000000");
  for (const char* bad : {"2023-02-29 00:00:00", "2024-13-01", "2024-03-05 24:00:00", "2024-03-05 10:11:12.",
                          "2024-03-05 10:11:12 PST", "1709633472", "yesterday", "2024-03-05 10:11:12+25:00", ""})
    CHECK_THROWS_WITH(sq(TypeKind::timestamp, bad), Catch::Contains("timestamp"));
}

TEST_CASE("canonical: PostgreSQL timestamptz and MariaDB DATETIME(6) match SQLite's", "[canonical]") {
  CHECK(pg(TypeKind::timestamp, "2024-03-05 10:11:12+00") == "2024-03-05 10:11:12.000000");
  CHECK(pg(TypeKind::timestamp, "2024-03-05 10:11:12.5+00") == "2024-03-05 10:11:12.500000");
  CHECK(pg(TypeKind::timestamp, "2024-03-05 12:11:12.000001+02") == "2024-03-05 10:11:12.000001");
  CHECK(my(TypeKind::timestamp, "2024-03-05 10:11:12.500000") == "2024-03-05 10:11:12.500000");
  CHECK_THROWS_AS(pg(TypeKind::timestamp, "infinity"), UsageError);
  CHECK_THROWS_AS(pg(TypeKind::timestamp, "0044-03-15 00:00:00+00 BC"), UsageError);
  CHECK_THROWS_AS(my(TypeKind::timestamp, "0000-00-00 00:00:00.000000"), UsageError);
}

TEST_CASE("canonical: dates are YYYY-MM-DD and must be calendar days", "[canonical]") {
  CHECK(sq(TypeKind::date, "2024-02-29") == "2024-02-29");
  CHECK(pg(TypeKind::date, "1999-12-31") == "1999-12-31");
  CHECK_THROWS_AS(sq(TypeKind::date, "2024-2-3"), UsageError);
  CHECK_THROWS_AS(my(TypeKind::date, "2023-02-29"), UsageError);
  CHECK(canonical::format_date(canonical::parse_date("2000-01-01")) == "2000-01-01");
  CHECK(canonical::parse_date("1970-01-02") == 1);
}

TEST_CASE("canonical: text and strings are unchanged bytes", "[canonical]") {
  const std::string hostile = "tab\there\nnew\\line 'q' \"dq\" \xF0\x9F\x98\x80 \r\x01 done";
  CHECK(sq(TypeKind::text, hostile) == hostile);
  CHECK(pg(TypeKind::text, hostile) == hostile);
  CHECK(my(TypeKind::string, hostile) == hostile);
  const std::string with_nul = "a\0b"s;
  CHECK(sq(TypeKind::text, with_nul) == with_nul);
}

TEST_CASE("canonical: blobs are lowercase hex of the bytes (PostgreSQL bytea decoded)", "[canonical]") {
  const std::string bytes = "\x00\xff\x10\\A\n"s;
  CHECK(sq(TypeKind::blob, bytes) == "00ff105c410a");
  CHECK(my(TypeKind::blob, bytes) == "00ff105c410a");
  CHECK(pg(TypeKind::blob, "\\x00ff105c410a") == "00ff105c410a");
  CHECK(pg(TypeKind::blob, "\\x00FF105C410A") == "00ff105c410a");
  CHECK(pg(TypeKind::blob, "\\000\\377\\020\\\\A\\012") == "00ff105c410a");  // bytea_output = escape
  CHECK(pg(TypeKind::blob, "\\x") == "");
  CHECK_THROWS_AS(pg(TypeKind::blob, "\\x0"), UsageError);
  CHECK(canonical::unhex("00ff105c410a") == bytes);
}

TEST_CASE("canonical: JSON is compact with sorted keys, whatever each backend did to it", "[canonical]") {
  // SQLite and MariaDB return JSON as written; PostgreSQL's jsonb re-serializes it (spacing, key
  // order by length, \u escapes resolved, 1e2 → 100). All four land on one text.
  const std::string sqlite_text = R"({"b": 1, "a": [1.0, 2.5, 1e2, "\u00e9\ud83d\ude00", "tab\tq\"", null, true]})";
  const std::string jsonb_text = "{\"a\": [1.0, 2.5, 100, \"\xC3\xA9\xF0\x9F\x98\x80\", \"tab\\tq\\\"\", null, true], \"b\": 1}";
  const std::string want = "{\"a\":[1,2.5,100,\"\xC3\xA9\xF0\x9F\x98\x80\",\"tab\\tq\\\"\",null,true],\"b\":1}";
  CHECK(sq(TypeKind::json, sqlite_text) == want);
  CHECK(pg(TypeKind::json, jsonb_text) == want);
  CHECK(my(TypeKind::json, sqlite_text) == want);
  CHECK(sq(TypeKind::json, "[]") == "[]");
  CHECK(sq(TypeKind::json, " \"x\" ") == "\"x\"");
  // Keys sort bytewise (UTF-8 order), not by length as jsonb does.
  CHECK(pg(TypeKind::json, R"({"b": 1, "aa": 2, "é": 3})") == "{\"aa\":2,\"b\":1,\"\xC3\xA9\":3}");
  CHECK_THROWS_WITH(sq(TypeKind::json, R"({"a": )"), Catch::Contains("not valid JSON") && Catch::Contains("{\"a\":"));
  CHECK_THROWS_AS(sq(TypeKind::json, "[1,]"), UsageError);
  CHECK_THROWS_AS(sq(TypeKind::json, "\"\xff\""), UsageError);  // not UTF-8
}

TEST_CASE("canonical: the timestamp arithmetic round-trips across the calendar", "[canonical]") {
  for (const char* ts : {"0001-01-01 00:00:00.000000", "1600-02-29 12:00:00.000001", "1900-03-01 00:00:00.000000",
                         "1970-01-01 00:00:00.000000", "2000-02-29 23:59:59.999999", "9999-12-31 23:59:59.999999"})
    CHECK(canonical::format_timestamp(canonical::parse_timestamp(ts)) == ts);
  CHECK(canonical::parse_timestamp("1970-01-01 00:00:01") == 1000000);
  CHECK(canonical::parse_timestamp("1969-12-31 23:59:59.5") == -500000);
}
