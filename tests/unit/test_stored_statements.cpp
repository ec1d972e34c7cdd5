// The stored form of downgrade SQL in turnstone_migrate_revisions (encode_statements /
// decode_statements): what older builds wrote must still read, what this build writes must read
// back byte for byte (whatever bytes the SQL holds), and anything else is refused.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "core/base/errors.h"
#include "core/recovery/revision_store.h"

using namespace tsm;

namespace {

Statement stmt(std::string sql, bool in_transaction = true, Statement::Edge edge = Statement::Edge::none) {
  Statement st;
  st.sql = std::move(sql);
  st.in_transaction = in_transaction;
  st.edge = edge;
  return st;
}

void check_same(const std::vector<Statement>& got, const std::vector<Statement>& want) {
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    INFO("statement " << i);
    CHECK(got[i].sql == want[i].sql);
    CHECK(got[i].in_transaction == want[i].in_transaction);
    CHECK(got[i].edge == want[i].edge);
  }
}

// What the hand-written encoder of builds before nlohmann stored for `statements()` below: one
// statement a line, "\u00XX" (lowercase) for control bytes other than \n \r \t, everything else
// raw.
const std::string kOldFormat =
    "[{\"sql\":\"DROP TABLE \\\"t\\\"\",\"in_transaction\":true,\"edge\":\"none\"},\n"
    "{\"sql\":\"PRAGMA foreign_keys=ON\",\"in_transaction\":false,\"edge\":\"after\"},\n"
    "{\"sql\":\"PRAGMA foreign_keys=OFF\",\"in_transaction\":false,\"edge\":\"before\"},\n"
    "{\"sql\":\"INSERT INTO t VALUES ('a\\\\b', 'line\\nnext\\r\\tx', '\\u0001\\u001f', 'caf\xc3\xa9 \xe2\x82\xac', "
    "'\x7f/')\",\"in_transaction\":true,\"edge\":\"none\"}]";

std::vector<Statement> statements() {
  return {stmt("DROP TABLE \"t\""), stmt("PRAGMA foreign_keys=ON", false, Statement::Edge::after),
          stmt("PRAGMA foreign_keys=OFF", false, Statement::Edge::before),
          stmt("INSERT INTO t VALUES ('a\\b', 'line\nnext\r\tx', '\x01\x1f', 'caf\xc3\xa9 \xe2\x82\xac', '\x7f/')")};
}

ExitCode refusal(const std::string& text) {
  try {
    decode_statements(text);
  } catch (const Error& e) {
    INFO(e.what());
    CHECK(std::string(e.what()).find("turnstone_migrate_revisions is malformed") != std::string::npos);
    return e.code();
  }
  FAIL("decoded without complaint: " << text);
  return ExitCode::ok;
}

}  // namespace

TEST_CASE("stored statements: rows written by builds before nlohmann still decode", "[revision_store]") {
  check_same(decode_statements(kOldFormat), statements());
  check_same(decode_statements("[]"), {});
  // The old encoder wrote backspace and form feed as \u escapes.
  check_same(decode_statements("[{\"sql\":\"a\\u0008b\\u000cc\",\"in_transaction\":true,\"edge\":\"none\"}]"),
             {stmt("a\bb\fc")});
}

TEST_CASE("stored statements: the plain form is byte for byte what older builds wrote", "[revision_store]") {
  // Older binaries (a deploy rolled back) read these rows with their hand-written reader.
  CHECK(encode_statements(statements()) == kOldFormat);
  CHECK(encode_statements({}) == "[]");
  check_same(decode_statements(encode_statements(statements())), statements());
}

TEST_CASE("stored statements: old rows holding SQL that is not UTF-8 decode byte for byte", "[revision_store]") {
  // The old encoder copied such bytes raw; nlohmann's parser refuses them, so they are read as
  // Latin-1. Valid UTF-8 beside them (é) and \u escapes must come back unchanged too.
  const std::string old_row = "[{\"sql\":\"INSERT INTO t VALUES ('caf\xe9', 'caf\xc3\xa9', '\\u0001\xff\xfe\x80')\","
                              "\"in_transaction\":true,\"edge\":\"none\"},\n"
                              "{\"sql\":\"SELECT 1\",\"in_transaction\":false,\"edge\":\"after\"}]";
  check_same(decode_statements(old_row),
             {stmt("INSERT INTO t VALUES ('caf\xe9', 'caf\xc3\xa9', '\x01\xff\xfe\x80')"),
              stmt("SELECT 1", false, Statement::Edge::after)});
}

TEST_CASE("stored statements: SQL that is not UTF-8 round-trips through sql_hex", "[revision_store]") {
  std::string every_byte;
  for (int c = 0; c < 256; ++c) every_byte += static_cast<char>(c);
  std::vector<Statement> in{stmt("SELECT 'ok'"), stmt("INSERT INTO t VALUES ('caf\xe9')", false, Statement::Edge::before),
                            stmt(every_byte), stmt("truncated \xe2\x82")};
  std::string text = encode_statements(in);
  check_same(decode_statements(text), in);

  // Still JSON (valid UTF-8) with one object per statement; only the statements that need it are hex.
  auto doc = nlohmann::json::parse(text);
  REQUIRE(doc.size() == 4);
  CHECK(doc[0].at("sql") == "SELECT 'ok'");
  CHECK(doc[1].at("sql_hex") == "494e5345525420494e544f20742056414c554553202827636166e92729");
  CHECK_FALSE(doc[1].contains("sql"));
  CHECK(doc[2].contains("sql_hex"));
  CHECK(doc[3].contains("sql_hex"));
  CHECK(encode_statements({stmt("\xff", false, Statement::Edge::after)}) ==
        "[{\"sql_hex\":\"ff\",\"in_transaction\":false,\"edge\":\"after\"}]");
}

TEST_CASE("stored statements: backspace and form feed go to sql_hex", "[revision_store]") {
  // nlohmann writes them "\b" and "\f", which older builds' reader decodes as the letters b and f:
  // sql_hex makes such a build refuse the row instead of running altered SQL.
  std::vector<Statement> in{stmt("SELECT 1\f"), stmt("a\bb")};
  std::string text = encode_statements(in);
  CHECK(text == "[{\"sql_hex\":\"53454c45435420310c\",\"in_transaction\":true,\"edge\":\"none\"},\n"
                "{\"sql_hex\":\"610862\",\"in_transaction\":true,\"edge\":\"none\"}]");
  check_same(decode_statements(text), in);
}

TEST_CASE("stored statements: any layout nlohmann parses is read", "[revision_store]") {
  check_same(decode_statements(" [ {\n  \"edge\" : \"after\", \"in_transaction\" : false,\n  \"sql\" : \"SELECT 1\" } ] "),
             {stmt("SELECT 1", false, Statement::Edge::after)});
}

TEST_CASE("stored statements: malformed text is refused (needs attention)", "[revision_store]") {
  const std::string ok_tail = ",\"in_transaction\":true,\"edge\":\"none\"}]";
  for (const std::string& bad : std::vector<std::string>{
           "",
           "[",
           "[{\"sql\":\"x\"" + ok_tail + " trailing",
           "{\"sql\":\"x\",\"in_transaction\":true,\"edge\":\"none\"}",  // not an array
           "[\"DROP TABLE t\"]",                                         // not an object
           "[{}]",
           "[{\"sql\":1" + ok_tail,                                       // not a string
           "[{\"sql\":\"x\",\"in_transaction\":\"yes\",\"edge\":\"none\"}]",
           "[{\"sql\":\"x\",\"edge\":\"none\"}]",                         // a key missing
           "[{\"sql\":\"x\",\"in_transaction\":true}]",
           "[{\"sql\":\"x\",\"extra\":1" + ok_tail,                       // a key this build does not know
           "[{\"sql\":\"x\",\"sql_hex\":\"78\"" + ok_tail,                // both forms
           "[{\"sql\":\"x\",\"in_transaction\":true,\"edge\":\"sideways\"}]",
           "[{\"sql_hex\":\"7\"" + ok_tail,                               // odd number of digits
           "[{\"sql_hex\":\"zz\"" + ok_tail,
           "[{\"sql\":\"\xff\"" + ok_tail + " trailing",                  // old bytes, broken syntax
           "[{\"sql\":\"\xff\\u20ac\"" + ok_tail,                          // a code point no build wrote
           "5000e9000",                                                   // JSON, but no double holds it (fuzz_version_rows)
           "[{\"sql\":\"x\"" + ok_tail.substr(0, ok_tail.size() - 1) + ",1e999]",
           "[{\"sql\":\"\xff\"" + ok_tail.substr(0, ok_tail.size() - 1) + ",-1e999]",  // and old bytes
       }) {
    INFO("text: " << bad);
    CHECK(refusal(bad) == ExitCode::needs_attention);
  }
}
