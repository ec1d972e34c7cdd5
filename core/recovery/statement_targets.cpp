#include "core/recovery/statement_targets.h"

#include <cctype>
#include <initializer_list>

namespace tsm {
namespace {

struct Token {
  enum class Kind { word, identifier, string, punct } kind;
  std::string text;  // word: upper-cased; identifier: unquoted; punct: the character
  std::string raw;   // word: as written (a table name keeps its case)
};

bool space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

bool word_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  return std::isalnum(u) || c == '_' || c == '$' || u >= 0x80;
}

// Index just past a quoted run opened at `i`; `q` doubled is the quote itself.
std::size_t skip_quoted(const std::string& s, std::size_t i, char q, bool backslash) {
  for (++i; i < s.size(); ++i) {
    if (backslash && s[i] == '\\') {
      ++i;
    } else if (s[i] == q) {
      if (i + 1 < s.size() && s[i + 1] == q) ++i;
      else return i + 1;
    }
  }
  return s.size();
}

std::string unquote(const std::string& s, std::size_t from, std::size_t to, char q) {
  const std::size_t end = to > from + 1 && s[to - 1] == q ? to - 1 : to;  // unterminated: to the end
  std::string out;
  for (std::size_t i = from + 1; i < end; ++i) {
    if (s[i] == q && i + 1 < end && s[i + 1] == q) ++i;
    out += s[i];
  }
  return out;
}

// MariaDB's lexical rules, as far as names and keywords go. `executable` is set when the text
// holds /*! … */ or /*M! … */: the server runs what those hold, so nothing read here is certain.
std::vector<Token> tokenize(const std::string& s, bool& executable) {
  std::vector<Token> out;
  executable = false;
  std::size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    const char n = i + 1 < s.size() ? s[i + 1] : '\0';
    const bool dash_comment = c == '-' && n == '-' && (i + 2 >= s.size() || space(s[i + 2]));  // "-- " only
    if (space(c)) {
      ++i;
    } else if (c == '#' || dash_comment) {
      while (i < s.size() && s[i] != '\n') ++i;
    } else if (c == '/' && n == '*') {
      if (s.compare(i, 3, "/*!") == 0 || s.compare(i, 4, "/*M!") == 0) executable = true;
      const auto end = s.find("*/", i + 2);
      i = end == std::string::npos ? s.size() : end + 2;
    } else if (c == '\'') {
      i = skip_quoted(s, i, '\'', /*backslash=*/true);
      out.push_back({Token::Kind::string, "", ""});
    } else if (c == '`' || c == '"') {
      const std::size_t end = skip_quoted(s, i, c, /*backslash=*/false);
      std::string name = unquote(s, i, end, c);
      out.push_back({Token::Kind::identifier, name, name});
      i = end;
    } else if (word_char(c)) {
      const std::size_t start = i;
      while (i < s.size() && word_char(s[i])) ++i;
      std::string raw = s.substr(start, i - start), upper = raw;
      for (auto& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      out.push_back({Token::Kind::word, upper, raw});
    } else {
      out.push_back({Token::Kind::punct, std::string(1, c), std::string(1, c)});
      ++i;
    }
  }
  while (!out.empty() && out.back().kind == Token::Kind::punct && out.back().text == ";") out.pop_back();
  return out;
}

// A cursor over the tokens; every accessor is safe past the end.
class Reader {
 public:
  explicit Reader(const std::vector<Token>& t) : t_(t) {}

  bool at_end() const { return i_ >= t_.size(); }
  bool word(const char* w) const { return i_ < t_.size() && t_[i_].kind == Token::Kind::word && t_[i_].text == w; }
  bool punct(char p) const { return i_ < t_.size() && t_[i_].kind == Token::Kind::punct && t_[i_].text[0] == p; }
  bool accept(const char* w) {
    if (!word(w)) return false;
    ++i_;
    return true;
  }
  bool accept_any(std::initializer_list<const char*> ws) {
    for (const char* w : ws)
      if (accept(w)) return true;
    return false;
  }
  bool accept_punct(char p) {
    if (!punct(p)) return false;
    ++i_;
    return true;
  }
  // IF EXISTS / IF NOT EXISTS: false when IF is followed by anything else.
  bool if_clause(bool negated) {
    if (!accept("IF")) return true;
    if (negated && !accept("NOT")) return false;
    return accept("EXISTS");
  }
  // One name part: a bare word or a quoted identifier.
  std::optional<std::string> part() {
    if (i_ >= t_.size()) return std::nullopt;
    const Token& t = t_[i_];
    if (t.kind != Token::Kind::word && t.kind != Token::Kind::identifier) return std::nullopt;
    ++i_;
    return t.raw;
  }
  std::optional<ObjectName> name() {
    auto first = part();
    if (!first) return std::nullopt;
    if (!accept_punct('.')) return ObjectName{*first};
    auto second = part();
    if (!second) return std::nullopt;
    return ObjectName{*first, *second};
  }
  // ALGORITHM = x, DEFINER = user, SQL SECURITY x (CREATE / ALTER VIEW); false: none here.
  bool view_option() {
    if (accept("ALGORITHM")) return accept_punct('=') && part();
    if (accept("DEFINER")) {
      if (!accept_punct('=')) return false;
      if (accept_any({"CURRENT_USER", "CURRENT_ROLE"})) {
        if (accept_punct('(')) return accept_punct(')');
        return true;
      }
      if (!user_part()) return false;
      return !accept_punct('@') || user_part();
    }
    if (word("SQL") && i_ + 1 < t_.size() && t_[i_ + 1].kind == Token::Kind::word && t_[i_ + 1].text == "SECURITY") {
      i_ += 2;
      return accept_any({"DEFINER", "INVOKER"});
    }
    return false;
  }
  // WAIT n | NOWAIT (MariaDB's lock-wait clause of DROP, RENAME, TRUNCATE).
  void wait_clause() {
    if (accept("NOWAIT")) return;
    if (accept("WAIT")) part();
  }

 private:
  bool user_part() {
    if (i_ >= t_.size() || t_[i_].kind == Token::Kind::punct) return false;
    ++i_;
    return true;
  }

  const std::vector<Token>& t_;
  std::size_t i_ = 1;  // past the statement's first word
};

using Targets = std::optional<std::vector<ObjectName>>;

Targets one(std::optional<ObjectName> n) {
  if (!n) return std::nullopt;
  return std::vector<ObjectName>{*n};
}

Targets create(Reader& r) {
  if (r.accept("OR") && !r.accept("REPLACE")) return std::nullopt;
  while (r.accept_any({"TEMPORARY", "UNIQUE", "FULLTEXT", "SPATIAL"}) || r.view_option()) {
  }
  if (r.accept("TABLE") || r.accept("VIEW")) {
    if (!r.if_clause(/*negated=*/true)) return std::nullopt;
    return one(r.name());
  }
  if (!r.accept("INDEX") || !r.if_clause(/*negated=*/true) || !r.part()) return std::nullopt;
  if (r.accept("USING") && !r.part()) return std::nullopt;
  if (!r.accept("ON")) return std::nullopt;
  return one(r.name());
}

Targets alter(Reader& r) {
  while (r.accept_any({"ONLINE", "IGNORE"}) || r.view_option()) {
  }
  if (r.accept("TABLE")) {
    if (!r.if_clause(/*negated=*/false)) return std::nullopt;
    return one(r.name());
  }
  if (r.accept("VIEW")) return one(r.name());
  return std::nullopt;
}

Targets drop(Reader& r) {
  r.accept("TEMPORARY");
  if (r.accept("INDEX")) {
    if (!r.if_clause(/*negated=*/false) || !r.part() || !r.accept("ON")) return std::nullopt;
    return one(r.name());
  }
  if (!r.accept("TABLE") && !r.accept("VIEW")) return std::nullopt;
  if (!r.if_clause(/*negated=*/false)) return std::nullopt;
  std::vector<ObjectName> out;
  do {
    auto n = r.name();
    if (!n) return std::nullopt;
    out.push_back(*n);
  } while (r.accept_punct(','));
  r.wait_clause();
  r.accept_any({"RESTRICT", "CASCADE"});
  if (!r.at_end()) return std::nullopt;  // a form this reading does not know
  return out;
}

Targets rename(Reader& r) {
  if (!r.accept("TABLE") && !r.accept("TABLES")) return std::nullopt;
  if (!r.if_clause(/*negated=*/false)) return std::nullopt;
  std::vector<ObjectName> out;
  do {
    auto from = r.name();
    if (!from) return std::nullopt;
    r.wait_clause();
    if (!r.accept("TO")) return std::nullopt;
    auto to = r.name();
    if (!to) return std::nullopt;
    out.push_back(*from);
    out.push_back(*to);
  } while (r.accept_punct(','));
  if (!r.at_end()) return std::nullopt;
  return out;
}

Targets truncate(Reader& r) {
  r.accept("TABLE");
  return one(r.name());
}

}  // namespace

bool commits_with_record(const std::string& sql) {
  bool executable = false;
  const auto tokens = tokenize(sql, executable);
  if (executable) return false;
  std::size_t i = 0;
  while (i < tokens.size() && tokens[i].kind == Token::Kind::punct && tokens[i].text == "(") ++i;
  if (i >= tokens.size() || tokens[i].kind != Token::Kind::word) return false;
  for (const char* w : {"INSERT", "UPDATE", "DELETE", "REPLACE", "SELECT", "WITH"})
    if (tokens[i].text == w) return true;
  return false;
}

std::optional<std::vector<ObjectName>> ddl_targets(const std::string& sql) {
  bool executable = false;
  const auto tokens = tokenize(sql, executable);
  if (executable || tokens.empty() || tokens[0].kind != Token::Kind::word) return std::nullopt;
  Reader r(tokens);
  const std::string& first = tokens[0].text;
  if (first == "CREATE") return create(r);
  if (first == "ALTER") return alter(r);
  if (first == "DROP") return drop(r);
  if (first == "RENAME") return rename(r);
  if (first == "TRUNCATE") return truncate(r);
  return std::nullopt;
}

}  // namespace tsm
