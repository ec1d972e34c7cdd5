#include "core/recovery/revision_store.h"

#include <optional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/base/errors.h"
#include "core/base/text.h"

namespace tsm {
namespace {

std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    if (comma > start) out.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

const char* edge_name(Statement::Edge e) {
  switch (e) {
    case Statement::Edge::before: return "before";
    case Statement::Edge::after: return "after";
    default: return "none";
  }
}

[[noreturn]] void malformed(const std::string& why) {
  throw AttentionError(fmt::format("the stored downgrade SQL in {} is malformed: {}", kRevisionsTable, why));
}

std::string to_hex(const std::string& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 0xf];
  }
  return out;
}

std::string from_hex(const std::string& hex) {
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  if (hex.size() % 2) malformed("\"sql_hex\" has an odd number of digits");
  std::string out;
  for (size_t i = 0; i < hex.size(); i += 2) {
    int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) malformed("\"sql_hex\" holds a character that is not a lowercase hex digit");
    out += static_cast<char>((hi << 4) | lo);
  }
  return out;
}

// Each byte as the code point of the same value, in UTF-8 (ASCII unchanged).
std::string latin1_to_utf8(const std::string& bytes) {
  std::string out;
  for (unsigned char c : bytes) {
    if (c < 0x80) {
      out += static_cast<char>(c);
    } else {
      out += static_cast<char>(0xC0 | (c >> 6));
      out += static_cast<char>(0x80 | (c & 0x3F));
    }
  }
  return out;
}

// The inverse, on a string nlohmann decoded (so valid UTF-8). A code point above U+00FF could
// only come from a \u escape that no build wrote.
std::string utf8_to_latin1(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      out += static_cast<char>(c);
    } else if ((c == 0xC2 || c == 0xC3) && i + 1 < text.size()) {
      out += static_cast<char>(((c & 0x03) << 6) | (static_cast<unsigned char>(text[++i]) & 0x3F));
    } else {
      malformed("a \\u escape above U+00FF in text that is not UTF-8");
    }
  }
  return out;
}

// One statement in the plain form, {"sql":…,"in_transaction":…,"edge":…}; nullopt when the SQL
// needs "sql_hex" (see encode_statements).
std::optional<std::string> plain_form(const Statement& st) {
  if (st.sql.find_first_of("\b\f") != std::string::npos) return std::nullopt;
  nlohmann::ordered_json j;
  j["sql"] = st.sql;
  j["in_transaction"] = st.in_transaction;
  j["edge"] = edge_name(st.edge);
  try {
    return j.dump(-1, ' ', /*ensure_ascii=*/false, nlohmann::json::error_handler_t::strict);
  } catch (const nlohmann::json::type_error&) {  // 316: the SQL is not valid UTF-8
    return std::nullopt;
  }
}

std::string hex_form(const Statement& st) {
  nlohmann::ordered_json j;
  j["sql_hex"] = to_hex(st.sql);
  j["in_transaction"] = st.in_transaction;
  j["edge"] = edge_name(st.edge);
  return j.dump();
}

// Reads the parsed array; `latin1` when the text was read as Latin-1 (see decode_statements).
std::vector<Statement> statements_from(const nlohmann::json& doc, bool latin1) {
  const char* shape = "expected an array of {\"sql\" or \"sql_hex\", \"in_transaction\", \"edge\"}";
  if (!doc.is_array()) malformed(shape);
  std::vector<Statement> out;
  for (const auto& item : doc) {
    if (!item.is_object()) malformed(shape);
    auto sql = item.find("sql"), hex = item.find("sql_hex"), in_tx = item.find("in_transaction"),
         edge = item.find("edge");
    auto has = [&](nlohmann::json::const_iterator it) { return it != item.end(); };
    size_t keys = has(sql) + has(hex) + has(in_tx) + has(edge);
    if (keys != item.size() || has(sql) == has(hex) || !has(in_tx) || !has(edge)) malformed(shape);
    if (!(has(sql) ? sql : hex)->is_string() || !in_tx->is_boolean() || !edge->is_string()) malformed(shape);
    Statement st;
    if (has(sql)) st.sql = latin1 ? utf8_to_latin1(sql->get<std::string>()) : sql->get<std::string>();
    else st.sql = from_hex(hex->get<std::string>());
    st.in_transaction = in_tx->get<bool>();
    const auto& e = edge->get_ref<const std::string&>();
    if (e == "before") st.edge = Statement::Edge::before;
    else if (e == "after") st.edge = Statement::Edge::after;
    else if (e == "none") st.edge = Statement::Edge::none;
    else malformed("unknown edge \"" + e + "\"");
    out.push_back(std::move(st));
  }
  return out;
}

std::string table(const Connection& conn) { return conn.dialect().quote(kRevisionsTable); }

}  // namespace

// The stored form is a JSON array, one statement a line:
//   [{"sql":"DROP TABLE t","in_transaction":true,"edge":"none"},
//   {"sql":"PRAGMA foreign_keys=ON","in_transaction":false,"edge":"after"}]
// byte for byte what builds before nlohmann wrote, so the hand-written reader of an older binary
// (a deploy rolled back) still reads it: same key order, compact, "\u00XX" for control bytes.
//
// One escape: "sql_hex" (the SQL's bytes in lowercase hex) takes the place of "sql" when
//  - the SQL is not valid UTF-8. A JSON string cannot hold such bytes: nlohmann's strict error
//    handler throws, replace/ignore would alter the SQL, and \u00XX means the code point U+00XX
//    to a JSON reader, not the byte XX;
//  - or it holds a backspace or a form feed. nlohmann writes them "\b" and "\f", which the reader
//    of older builds decodes as the letters b and f; "sql_hex" makes such a build refuse the row
//    (a key it does not know, exit 5) instead of reverting with altered SQL.
std::string encode_statements(const std::vector<Statement>& statements) {
  std::string out = "[";
  for (size_t i = 0; i < statements.size(); ++i) {
    if (i) out += ",\n";
    auto plain = plain_form(statements[i]);
    out += plain ? *plain : hex_form(statements[i]);
  }
  return out + "]";
}

std::vector<Statement> decode_statements(const std::string& text) {
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    // Builds before nlohmann stored SQL that is not valid UTF-8 as raw bytes, which nlohmann's
    // parser rejects. Such text is read as Latin-1 (each byte one code point, U+0000-U+00FF) and
    // its strings mapped back to bytes: lossless for any bytes, and JSON syntax is all ASCII.
    auto as_latin1 = nlohmann::json::parse(latin1_to_utf8(text), nullptr, /*allow_exceptions=*/false);
    if (as_latin1.is_discarded()) malformed(fmt::format("not JSON (near character {})", e.byte));
    return statements_from(as_latin1, /*latin1=*/true);
  } catch (const nlohmann::json::exception& e) {
    // Valid JSON syntax nlohmann still refuses, e.g. a number too large for a double (406).
    malformed(fmt::format("not JSON this build reads ({})", e.what()));
  }
  return statements_from(doc, /*latin1=*/false);
}

void RevisionStore::ensure_table() {
  if (conn_.table_exists(kRevisionsTable)) return;
  TableSpec spec;
  spec.name = kRevisionsTable;
  spec.columns = {col::string("tree", 64).not_null(),          col::string("revision", 32).not_null(),
                  col::text("down_revisions").not_null(),      col::text("depends_on").not_null(),
                  col::text("message").not_null(),            col::text("downgrade_sql").not_null(),
                  col::timestamp("applied_at").not_null().default_now()};
  spec.primary_key = {"tree", "revision"};
  for (const auto& st : conn_.dialect().render(CreateTable{spec}, Schema{})) conn_.execute(st.sql);
}

void RevisionStore::record_applied(const Revision& rev, const std::vector<Statement>& downgrade) {
  forget(rev.id);  // a row left by an earlier stamp/downgrade cycle is replaced
  conn_.query(fmt::format("INSERT INTO {} (tree, revision, down_revisions, depends_on, message, downgrade_sql) "
                          "VALUES (?, ?, ?, ?, ?, ?)",
                          table(conn_)),
              {tree_, rev.id, join(rev.down_revisions, ","), join(rev.depends_on, ","), rev.message, encode_statements(downgrade)});
}

void RevisionStore::forget(const std::string& revision) {
  conn_.query(fmt::format("DELETE FROM {} WHERE tree = ? AND revision = ?", table(conn_)), {tree_, revision});
}

std::map<std::string, StoredRevision> stored_revisions_from_rows(const std::string& tree, const std::vector<Row>& rows) {
  std::map<std::string, StoredRevision> out;
  for (const auto& r : rows) {
    auto field = [&](size_t i, const char* null_as) { return i < r.size() && r[i] ? *r[i] : std::string(null_as); };
    StoredRevision s;
    s.tree = tree;
    s.revision = field(0, "");
    s.down_revisions = split(field(1, ""));
    s.depends_on = split(field(2, ""));
    s.message = field(3, "");
    s.downgrade = decode_statements(field(4, "[]"));
    s.applied_at = field(5, "");
    out[s.revision] = std::move(s);
  }
  return out;
}

std::map<std::string, StoredRevision> RevisionStore::load() {
  if (!conn_.table_exists(kRevisionsTable)) return {};
  return stored_revisions_from_rows(
      tree_, conn_.query(fmt::format("SELECT revision, down_revisions, depends_on, message, downgrade_sql, applied_at "
                                     "FROM {} WHERE tree = ?",
                                     table(conn_)),
                         {tree_}));
}

}  // namespace tsm
