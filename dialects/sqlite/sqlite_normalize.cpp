#include "dialects/sqlite/sqlite_normalize.h"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <limits>

#include <fmt/format.h>

namespace tsm::sqlite {
namespace {

std::string trim(const std::string& s) {
  std::size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// True when s is "( … )" with the first '(' closing at the very end (quotes respected).
bool wrapped_in_parentheses(const std::string& s) {
  if (s.size() < 2 || s.front() != '(' || s.back() != ')') return false;
  int depth = 0;
  char in_quote = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (in_quote) {
      if (c == in_quote) in_quote = 0;  // a doubled quote re-enters at once: same effect
      continue;
    }
    if (c == '\'' || c == '"') in_quote = c;
    else if (c == '(') ++depth;
    else if (c == ')' && --depth == 0 && i + 1 != s.size()) return false;
  }
  return depth == 0;
}

// The content of a whole quoted token ('…' or "…", doubled quotes inside), if s is exactly one.
bool unquote(const std::string& s, std::string& out) {
  if (s.size() < 2) return false;
  char q = s.front();
  if ((q != '\'' && q != '"') || s.back() != q) return false;
  out.clear();
  for (std::size_t i = 1; i + 1 < s.size(); ++i) {
    if (s[i] == q) {
      if (i + 2 < s.size() && s[i + 1] == q) {
        out += q;
        ++i;
        continue;
      }
      return false;  // a lone quote: more than one token
    }
    out += s[i];
  }
  return true;
}

bool numeric(const std::string& s) {
  if (s.empty()) return false;
  char* end = nullptr;
  std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size()) return false;
  // strtod also takes "inf", "nan" and hex: SQL numeric literals are digits only.
  for (char c : s)
    if (!(std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-'))
      return false;
  return true;
}

std::string canonical_number(const std::string& s) {
  double d = std::strtod(s.c_str(), nullptr);
  if (std::floor(d) == d && std::fabs(d) < 9.007199254740992e15) return fmt::format("{}", static_cast<long long>(d));
  return fmt::format("{}", d);
}

}  // namespace

std::string normalize_type(const std::string& declared) {
  std::string out;
  bool space = false;
  for (char c : trim(declared)) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      space = true;
      continue;
    }
    if (space && c != '(' && c != ')' && c != ',' && !out.empty() && out.back() != '(' && out.back() != ',') out += ' ';
    space = false;
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

std::string normalize_default(const std::string& sql) {
  std::string s = trim(sql);
  while (wrapped_in_parentheses(s)) s = trim(s.substr(1, s.size() - 2));
  std::string text;
  if (unquote(s, text)) return quote_string(text);
  std::string up = upper(s);
  if (up.empty() || up == "NULL") return {};
  if (up == "TRUE") return "1";
  if (up == "FALSE") return "0";
  if (up == "CURRENT_TIMESTAMP" || up == "CURRENT_DATE" || up == "CURRENT_TIME") return up;
  if (numeric(s)) return canonical_number(s);
  return normalize_type(s);  // an expression: compare it case- and space-insensitively
}

std::string quote_string(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

std::string double_sql(double value) {
  std::string out = fmt::format("{}", value);
  if (out.find_first_of(".eEn") == std::string::npos) out += ".0";
  return out;
}

}  // namespace tsm::sqlite
