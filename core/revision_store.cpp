#include "core/revision_store.h"

#include <fmt/format.h>

#include "core/errors.h"
#include "core/json_text.h"

namespace tsm {
namespace {

std::string join(const std::vector<std::string>& items) { return fmt::format("{}", fmt::join(items, ",")); }

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

// A reader for exactly what encode_statements writes (strings, booleans, arrays, flat objects).
class Reader {
 public:
  explicit Reader(const std::string& text) : t_(text) {}
  std::vector<Statement> statements() {
    std::vector<Statement> out;
    expect('[');
    if (peek() == ']') return ++i_, out;
    do {
      out.push_back(statement());
    } while (take(','));
    expect(']');
    return out;
  }

 private:
  Statement statement() {
    Statement st;
    expect('{');
    do {
      std::string key = string();
      expect(':');
      if (key == "sql") st.sql = string();
      else if (key == "in_transaction") st.in_transaction = boolean();
      else if (key == "edge") {
        std::string e = string();
        st.edge = e == "before" ? Statement::Edge::before : e == "after" ? Statement::Edge::after : Statement::Edge::none;
      } else fail();
    } while (take(','));
    expect('}');
    return st;
  }
  std::string string() {
    expect('"');
    std::string out;
    while (i_ < t_.size() && t_[i_] != '"') {
      char c = t_[i_++];
      if (c != '\\') { out += c; continue; }
      if (i_ >= t_.size()) fail();
      char e = t_[i_++];
      switch (e) {
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u':
          if (i_ + 4 > t_.size()) fail();
          out += static_cast<char>(std::stoi(t_.substr(i_, 4), nullptr, 16));
          i_ += 4;
          break;
        default: out += e;
      }
    }
    expect('"');
    return out;
  }
  bool boolean() {
    skip();
    if (t_.compare(i_, 4, "true") == 0) return i_ += 4, true;
    if (t_.compare(i_, 5, "false") == 0) return i_ += 5, false;
    fail();
  }
  void skip() { while (i_ < t_.size() && isspace(static_cast<unsigned char>(t_[i_]))) ++i_; }
  char peek() { skip(); return i_ < t_.size() ? t_[i_] : '\0'; }
  bool take(char c) { if (peek() != c) return false; ++i_; return true; }
  void expect(char c) { if (!take(c)) fail(); }
  [[noreturn]] void fail() {
    throw AttentionError(fmt::format("the stored downgrade SQL in {} is malformed near character {}", kRevisionsTable, i_));
  }
  const std::string& t_;
  size_t i_ = 0;
};

std::string table(const Connection& conn) { return conn.dialect().quote(kRevisionsTable); }

}  // namespace

std::string encode_statements(const std::vector<Statement>& statements) {
  std::string out = "[";
  for (size_t i = 0; i < statements.size(); ++i) {
    const auto& st = statements[i];
    out += fmt::format("{}{{\"sql\":{},\"in_transaction\":{},\"edge\":\"{}\"}}", i ? ",\n" : "", json_quote(st.sql),
                       st.in_transaction ? "true" : "false", edge_name(st.edge));
  }
  return out + "]";
}

std::vector<Statement> decode_statements(const std::string& text) { return Reader(text).statements(); }

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
              {tree_, rev.id, join(rev.down_revisions), join(rev.depends_on), rev.message, encode_statements(downgrade)});
}

void RevisionStore::forget(const std::string& revision) {
  conn_.query(fmt::format("DELETE FROM {} WHERE tree = ? AND revision = ?", table(conn_)), {tree_, revision});
}

std::map<std::string, StoredRevision> RevisionStore::load() {
  std::map<std::string, StoredRevision> out;
  if (!conn_.table_exists(kRevisionsTable)) return out;
  auto rows = conn_.query(fmt::format("SELECT revision, down_revisions, depends_on, message, downgrade_sql, applied_at "
                                      "FROM {} WHERE tree = ?",
                                      table(conn_)),
                          {tree_});
  for (auto& r : rows) {
    StoredRevision s;
    s.tree = tree_;
    s.revision = r[0].value_or("");
    s.down_revisions = split(r[1].value_or(""));
    s.depends_on = split(r[2].value_or(""));
    s.message = r[3].value_or("");
    s.downgrade = decode_statements(r[4].value_or("[]"));
    s.applied_at = r[5].value_or("");
    out[s.revision] = std::move(s);
  }
  return out;
}

}  // namespace tsm
