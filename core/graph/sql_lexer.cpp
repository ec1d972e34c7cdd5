#include "core/graph/sql_lexer.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

namespace tsm {
namespace {

bool is_space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }
// Identifier characters, bytes of multi-byte UTF-8 included (and '$', as PostgreSQL allows).
bool is_word_char(char c) {
  auto u = static_cast<unsigned char>(c);
  return std::isalnum(u) || c == '_' || c == '$' || u >= 0x80;
}
bool is_word_start(char c) {
  auto u = static_cast<unsigned char>(c);
  return std::isalpha(u) || c == '_' || u >= 0x80;
}

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// Counts BEGIN … END nesting inside the compound statements the lexer must not split.
class CompoundTracker {
 public:
  void reset() { *this = CompoundTracker(); }

  void word(const std::string& w) {
    if (pending_end_) {
      pending_end_ = false;
      ++words_;
      // END IF / END LOOP / END WHILE / END REPEAT close blocks that did not count; END CASE
      // closes a CASE, which did.
      if (w == "IF" || w == "LOOP" || w == "WHILE" || w == "REPEAT") return;
      --depth_;
      if (w == "CASE") return;
    }
    if (w == "END") {
      if (depth_ > 0) pending_end_ = true;
      ++words_;
      return;
    }
    if (words_ == 0) first_ = w;
    if (words_ == 1 && first_ == "BEGIN" && (w == "NOT" || w == "ATOMIC")) {
      routine_ = true;  // an anonymous block: BEGIN NOT ATOMIC (MariaDB)
      depth_ = 1;
    }
    if (words_ == 1 && first_ == "CREATE" && is_plain_object(w)) plain_object_ = true;
    if (first_ == "CREATE" && !plain_object_ && words_ <= 7 && is_routine_word(w)) routine_ = true;
    if (routine_ && (w == "BEGIN" || w == "CASE")) ++depth_;  // CASE … END nests (also in a WHEN clause)
    ++words_;
  }

  // Anything but a word: an END waiting for its next word is settled as a block end.
  void other() { resolve_end(); }

  // Whether a ';' here is inside a body.
  bool inside() {
    resolve_end();
    return depth_ > 0;
  }

 private:
  static bool is_plain_object(const std::string& w) {
    return w == "TABLE" || w == "INDEX" || w == "UNIQUE" || w == "VIEW" || w == "SCHEMA" || w == "DATABASE" ||
           w == "SEQUENCE" || w == "TYPE" || w == "EXTENSION";
  }
  static bool is_routine_word(const std::string& w) {
    return w == "TRIGGER" || w == "PROCEDURE" || w == "FUNCTION" || w == "EVENT";
  }

  // An END followed by anything but a word closes a BEGIN or a CASE.
  void resolve_end() {
    if (!pending_end_) return;
    pending_end_ = false;
    --depth_;
  }

  std::string first_;
  int words_ = 0;
  int depth_ = 0;
  bool routine_ = false;
  bool plain_object_ = false;
  bool pending_end_ = false;
};

class Splitter {
 public:
  Splitter(const std::string& text, DialectKind d, int first_line, bool compound_bodies)
      : s_(text), d_(d), first_line_(first_line), compound_bodies_(compound_bodies) {
    for (std::size_t k = 0; k < s_.size(); ++k)
      if (s_[k] == '\n') newlines_.push_back(k);
  }

  std::vector<SqlStatementText> split() {
    while (i_ < s_.size()) step();
    if (start_ != npos) {
      if (compound_.inside())
        fail(start_, "unclosed BEGIN … END body (a compound statement needs its END and the terminator after it)");
      fail(start_, delimiter_ == ";" ? "statement without a terminating ';' at the end of its section"
                                      : fmt::format("statement without the terminating '{}' (DELIMITER) at the end "
                                                    "of its section",
                                                    delimiter_));
    }
    return std::move(out_);
  }

 private:
  static constexpr std::size_t npos = std::string::npos;

  [[noreturn]] void fail(std::size_t at, const std::string& why) const { throw SqlSyntaxError(line_at(at), why); }

  int line_at(std::size_t pos) const {
    auto before = std::lower_bound(newlines_.begin(), newlines_.end(), pos) - newlines_.begin();
    return first_line_ + static_cast<int>(before);
  }

  char at(std::size_t k) const { return k < s_.size() ? s_[k] : '\0'; }

  void significant(std::size_t from, std::size_t to) {
    if (start_ == npos) start_ = from;
    end_ = to;
  }

  void step() {
    const char c = s_[i_];
    const char n = at(i_ + 1);
    if (start_ == npos && d_ == DialectKind::mariadb && (c == 'D' || c == 'd') && at_line_start() &&
        delimiter_directive())
      return;
    if (is_space(c)) {
      ++i_;
    } else if (delimiter_ != ";" && s_.compare(i_, delimiter_.size(), delimiter_) == 0) {
      finish();
      i_ += delimiter_.size();
    } else if (c == ';' && delimiter_ == ";") {
      if (start_ != npos && compound_bodies_ && compound_.inside()) {
        significant(i_, i_ + 1);
        ++i_;
      } else {
        finish();
        ++i_;
      }
    } else if (c == '-' && n == '-' && (d_ != DialectKind::mariadb || i_ + 2 >= s_.size() ||
                                        static_cast<unsigned char>(s_[i_ + 2]) <= ' ')) {
      skip_line();
    } else if (c == '#' && d_ == DialectKind::mariadb) {
      skip_line();
    } else if (c == '/' && n == '*') {
      block_comment();
    } else if (c == '\'' || c == '"' || c == '`' || (c == '[' && d_ == DialectKind::sqlite)) {
      const bool backslash = d_ == DialectKind::mariadb && c != '`';
      quoted(c == '[' ? ']' : c, backslash);
    } else if ((c == 'E' || c == 'e') && n == '\'' && d_ == DialectKind::postgresql &&
               (i_ == 0 || !is_word_char(s_[i_ - 1]))) {
      ++i_;
      quoted('\'', true, i_ - 1);
    } else if (c == '$' && d_ == DialectKind::postgresql && (i_ == 0 || !is_word_char(s_[i_ - 1])) &&
               dollar_quoted()) {
    } else if (is_word_start(c)) {
      std::size_t b = i_;
      while (i_ < s_.size() && is_word_char(s_[i_])) ++i_;
      significant(b, i_);
      compound_.word(upper(s_.substr(b, i_ - b)));
    } else {
      significant(i_, i_ + 1);
      if (!is_word_char(c)) compound_.other();
      ++i_;
    }
  }

  bool at_line_start() const {
    for (std::size_t k = i_; k > 0; --k) {
      if (s_[k - 1] == '\n') return true;
      if (!is_space(s_[k - 1])) return false;
    }
    return true;
  }

  // "DELIMITER x" on a line of its own (the mariadb client's command, any case).
  bool delimiter_directive() {
    static const std::string kWord = "DELIMITER";
    if (s_.size() - i_ <= kWord.size() || upper(s_.substr(i_, kWord.size())) != kWord || !is_space(s_[i_ + kWord.size()]))
      return false;
    std::size_t eol = s_.find('\n', i_);
    if (eol == npos) eol = s_.size();
    std::string rest = s_.substr(i_ + kWord.size(), eol - i_ - kWord.size());
    auto b = rest.find_first_not_of(" \t\r");
    if (b == npos) fail(i_, "DELIMITER without a delimiter");
    auto e = rest.find_first_of(" \t\r", b);
    std::string delimiter = rest.substr(b, e == npos ? npos : e - b);
    if (e != npos && rest.find_first_not_of(" \t\r", e) != npos)
      fail(i_, "DELIMITER takes one delimiter and nothing after it on its line");
    if (delimiter.find('\\') != npos) fail(i_, "a DELIMITER may not contain a backslash");
    delimiter_ = delimiter;
    i_ = eol;
    return true;
  }

  void skip_line() {
    while (i_ < s_.size() && s_[i_] != '\n') ++i_;
  }

  void block_comment() {
    const std::size_t open = i_;
    // MariaDB executable comments (/*! … */, /*M! … */) are SQL the server runs.
    const bool executable = d_ == DialectKind::mariadb && (at(i_ + 2) == '!' || (at(i_ + 2) == 'M' && at(i_ + 3) == '!'));
    const bool nested = d_ == DialectKind::postgresql;
    int depth = 0;
    while (i_ < s_.size()) {
      if (s_.compare(i_, 2, "/*") == 0 && (depth == 0 || nested)) {
        ++depth;
        i_ += 2;
      } else if (s_.compare(i_, 2, "*/") == 0) {
        i_ += 2;
        if (--depth == 0) break;
      } else {
        ++i_;
      }
    }
    if (depth > 0) fail(open, "unterminated /* comment");
    if (executable) significant(open, i_);
  }

  // A quoted run from i_ (the opening quote, or `open` for E'…'), `close` doubled to escape.
  void quoted(char close, bool backslash, std::size_t open = npos) {
    if (open == npos) open = i_;
    for (++i_; i_ < s_.size(); ++i_) {
      if (backslash && s_[i_] == '\\') {
        ++i_;
      } else if (s_[i_] == close) {
        if (close != ']' && at(i_ + 1) == close) {
          ++i_;
        } else {
          ++i_;
          significant(open, i_);
          compound_.other();
          return;
        }
      }
    }
    fail(open, fmt::format("unterminated {} (opened here)", close == '\'' ? "string literal" : "quoted identifier"));
  }

  // $tag$ … $tag$; false when the '$' does not open one (a positional parameter, an operator).
  bool dollar_quoted() {
    std::size_t k = i_ + 1;
    if (at(k) != '$') {
      if (!is_word_start(at(k))) return false;
      while (k < s_.size() && is_word_char(s_[k]) && s_[k] != '$') ++k;
      if (at(k) != '$') return false;
    }
    const std::string tag = s_.substr(i_, k - i_ + 1);
    const std::size_t close = s_.find(tag, k + 1);
    if (close == npos) fail(i_, fmt::format("unterminated dollar-quoted string {}", tag));
    significant(i_, close + tag.size());
    compound_.other();
    i_ = close + tag.size();
    return true;
  }

  void finish() {
    if (start_ != npos) out_.push_back({s_.substr(start_, end_ - start_), line_at(start_)});
    start_ = npos;
    compound_.reset();
  }

  const std::string& s_;
  DialectKind d_;
  int first_line_;
  bool compound_bodies_;
  std::size_t i_ = 0;
  std::size_t start_ = npos;  // first significant character of the statement being read
  std::size_t end_ = 0;       // just past its last significant character
  std::string delimiter_ = ";";
  CompoundTracker compound_;
  std::vector<std::size_t> newlines_;
  std::vector<SqlStatementText> out_;
};

}  // namespace

std::vector<SqlStatementText> split_sql(const std::string& text, DialectKind dialect, int first_line,
                                        bool compound_bodies) {
  return Splitter(text, dialect, first_line, compound_bodies).split();
}

}  // namespace tsm
