#include <cctype>

#include "core/lint/sql_scan.h"

namespace tsm::lint {
namespace {

bool word_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$'; }

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// Index just past a quoted run that started at `i` (the opening quote), `q` doubled to escape.
std::size_t skip_quoted(const std::string& s, std::size_t i, char q, bool backslash) {
  for (++i; i < s.size(); ++i) {
    if (backslash && s[i] == '\\') {
      ++i;
    } else if (s[i] == q) {
      if (i + 1 < s.size() && s[i + 1] == q) {
        ++i;
      } else {
        return i + 1;
      }
    }
  }
  return s.size();
}

}  // namespace

std::vector<Token> tokenize(const std::string& s, bool mariadb) {
  std::vector<Token> out;
  std::size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    char n = i + 1 < s.size() ? s[i + 1] : '\0';
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (c == '-' && n == '-') {
      while (i < s.size() && s[i] != '\n') ++i;
    } else if (c == '#' && mariadb) {  // MariaDB line comment (PostgreSQL: an operator)
      while (i < s.size() && s[i] != '\n') ++i;
    } else if (c == '/' && n == '*') {
      int depth = 0;
      do {
        if (s.compare(i, 2, "/*") == 0) {
          ++depth;
          i += 2;
        } else if (s.compare(i, 2, "*/") == 0) {
          --depth;
          i += 2;
        } else {
          ++i;
        }
      } while (i < s.size() && depth > 0);
    } else if (c == '\'') {
      i = skip_quoted(s, i, '\'', /*backslash=*/mariadb);
      out.push_back({Token::Kind::literal, {}, {}});
    } else if ((c == 'E' || c == 'e') && n == '\'') {
      i = skip_quoted(s, i + 1, '\'', /*backslash=*/true);
      out.push_back({Token::Kind::literal, {}, {}});
    } else if (c == '"' || c == '`') {
      std::string name;
      std::size_t k = i + 1;
      for (; k < s.size(); ++k) {
        if (s[k] != c) {
          name += s[k];
        } else if (k + 1 < s.size() && s[k + 1] == c) {
          name += c;
          ++k;
        } else {
          break;
        }
      }
      out.push_back({Token::Kind::identifier, name, name});
      i = k < s.size() ? k + 1 : s.size();
    } else if (c == '$' && (n == '$' || word_start(n))) {
      std::size_t close = s.find('$', i + 1);
      std::string tag = close == std::string::npos ? "" : s.substr(i, close - i + 1);
      bool is_tag = !tag.empty();
      for (std::size_t k = 1; is_tag && k + 1 < tag.size(); ++k) is_tag = word_char(tag[k]) && tag[k] != '$';
      if (!is_tag) {  // a positional parameter such as $1 never gets here; a stray '$'
        out.push_back({Token::Kind::punct, "$", "$"});
        ++i;
        continue;
      }
      std::size_t end = s.find(tag, close + 1);
      i = end == std::string::npos ? s.size() : end + tag.size();
      out.push_back({Token::Kind::literal, {}, {}});
    } else if (word_start(c)) {
      std::size_t b = i;
      while (i < s.size() && word_char(s[i])) ++i;
      out.push_back({Token::Kind::word, upper(s.substr(b, i - b)), s.substr(b, i - b)});
    } else if (std::isdigit(static_cast<unsigned char>(c))) {
      std::size_t b = i;
      while (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '.')) ++i;
      out.push_back({Token::Kind::number, s.substr(b, i - b), s.substr(b, i - b)});
    } else {
      out.push_back({Token::Kind::punct, std::string(1, c), std::string(1, c)});
      ++i;
    }
  }
  return out;
}

std::vector<std::vector<Token>> split_statements(const std::vector<Token>& tokens) {
  std::vector<std::vector<Token>> out;
  std::vector<Token> current;
  auto is_word = [](const Token& t, const char* w) { return t.kind == Token::Kind::word && t.text == w; };
  auto in_trigger_body = [&]() {
    // CREATE [OR REPLACE] [TEMP] TRIGGER … BEGIN … (until END)
    if (current.empty() || !is_word(current[0], "CREATE")) return false;
    bool trigger = false;
    int begins = 0, ends = 0;
    for (const auto& t : current) {
      if (is_word(t, "TRIGGER")) trigger = true;
      if (trigger && (is_word(t, "BEGIN") || is_word(t, "CASE"))) ++begins;
      if (trigger && is_word(t, "END")) ++ends;
    }
    return trigger && begins > ends;
  };
  for (const auto& t : tokens) {
    if (t.kind == Token::Kind::punct && t.text == ";" && !in_trigger_body()) {
      if (!current.empty()) out.push_back(std::move(current));
      current.clear();
      continue;
    }
    current.push_back(t);
  }
  if (!current.empty()) out.push_back(std::move(current));
  return out;
}

}  // namespace tsm::lint
