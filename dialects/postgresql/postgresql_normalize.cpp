#include "dialects/postgresql/postgresql_normalize.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <regex>

#include <fmt/format.h>

namespace tsm::postgresql {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t\n");
  if (b == std::string::npos) return {};
  auto e = s.find_last_not_of(" \t\n");
  return s.substr(b, e - b + 1);
}

std::string standard_literal(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

// Whole expression wrapped in one pair of parentheses: "(-1)" → "-1".
std::string strip_outer_parens(std::string s) {
  while (s.size() >= 2 && s.front() == '(' && s.back() == ')') {
    int depth = 0;
    bool wraps = true;
    for (std::size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '(') ++depth;
      if (s[i] == ')' && --depth == 0 && i + 1 < s.size()) { wraps = false; break; }
    }
    if (!wraps) break;
    s = trim(s.substr(1, s.size() - 2));
  }
  return s;
}

// End (one past) of the standard string literal starting at s[0] == '\'', or npos.
std::size_t literal_end(const std::string& s) {
  for (std::size_t i = 1; i < s.size(); ++i) {
    if (s[i] != '\'') continue;
    if (i + 1 < s.size() && s[i + 1] == '\'') { ++i; continue; }
    return i + 1;
  }
  return std::string::npos;
}

std::optional<std::string> as_number(const std::string& text) {
  static const std::regex integer(R"([+-]?[0-9]+)");
  static const std::regex decimal(R"([+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?)");
  if (std::regex_match(text, integer)) {
    std::string digits = text[0] == '+' ? text.substr(1) : text;
    return std::to_string(std::strtoll(digits.c_str(), nullptr, 10));
  }
  if (std::regex_match(text, decimal)) return canonical_number(std::strtod(text.c_str(), nullptr));
  return std::nullopt;
}

bool numeric_type(const std::string& cast) {
  static const char* names[] = {"integer", "bigint", "smallint", "numeric", "real", "double precision"};
  return std::any_of(std::begin(names), std::end(names), [&](const char* n) { return cast == n; });
}

}  // namespace

std::string described_type(const ColumnType& type) {
  switch (type.kind) {
    case TypeKind::integer: return "integer";
    case TypeKind::big_integer: return "bigint";
    case TypeKind::boolean: return "boolean";
    case TypeKind::real:
    case TypeKind::double_: return "double precision";
    case TypeKind::text: return "text";
    case TypeKind::string: return fmt::format("varchar({})", type.length);
    case TypeKind::timestamp: return "timestamptz";
    case TypeKind::date: return "date";
    case TypeKind::blob: return "bytea";
    case TypeKind::json: return "jsonb";
  }
  return "unknown";
}

std::string described_default(const Column& column) {
  if (column.autoincrement) return kIdentityDefault;
  if (!column.server_default) return {};
  const DefaultValue& v = *column.server_default;
  if (column.type.kind == TypeKind::boolean) {
    if (auto b = boolean_default(v)) return *b ? "true" : "false";
  }
  struct Visitor {
    std::string operator()(const std::string& s) const { return standard_literal(s); }
    std::string operator()(std::int64_t i) const { return std::to_string(i); }
    std::string operator()(double x) const { return canonical_number(x); }
    std::string operator()(bool b) const { return b ? "true" : "false"; }
    std::string operator()(CurrentTimestamp) const { return "CURRENT_TIMESTAMP"; }
  };
  return std::visit(Visitor{}, v);
}

std::string normalize_type(const std::string& format_type) {
  std::string t = lower(trim(format_type));
  static const std::pair<const char*, const char*> renames[] = {
      {"character varying", "varchar"},   {"timestamp with time zone", "timestamptz"},
      {"timestamp without time zone", "timestamp"}, {"time with time zone", "timetz"},
      {"time without time zone", "time"}, {"character", "char"}};
  for (auto& [from, to] : renames) {
    std::string f = from;
    if (t.compare(0, f.size(), f) == 0 && (t.size() == f.size() || t[f.size()] == '(' || t[f.size()] == '['))
      return to + t.substr(f.size());
  }
  return t;
}

std::string normalize_default(const std::string& expression) {
  std::string e = strip_outer_parens(trim(expression));
  if (e.empty()) return {};
  std::string l = lower(e);
  if (l == "now()" || l == "current_timestamp" || l == "transaction_timestamp()") return "CURRENT_TIMESTAMP";
  if (l == "true" || l == "false") return l;
  if (e[0] == '\'') {
    std::size_t end = literal_end(e);
    if (end == std::string::npos) return e;
    std::string rest = trim(e.substr(end));
    if (!rest.empty() && rest.compare(0, 2, "::") != 0) return e;  // not a plain cast chain
    std::string lit = e.substr(0, end);
    std::string cast = lower(trim(rest.substr(std::min<std::size_t>(2, rest.size()))));
    if (numeric_type(cast)) {
      if (auto n = as_number(lit.substr(1, lit.size() - 2))) return *n;
    }
    if (cast == "boolean") {
      std::string inner = lower(lit.substr(1, lit.size() - 2));
      if (inner == "true" || inner == "t") return "true";
      if (inner == "false" || inner == "f") return "false";
    }
    return lit;
  }
  if (auto n = as_number(e)) return *n;
  return e;
}

std::optional<bool> boolean_default(const DefaultValue& value) {
  if (auto b = std::get_if<bool>(&value)) return *b;
  if (auto i = std::get_if<std::int64_t>(&value)) {
    if (*i == 0 || *i == 1) return *i == 1;
    return std::nullopt;
  }
  if (auto s = std::get_if<std::string>(&value)) {
    std::string l = lower(*s);
    if (l == "1" || l == "true" || l == "t") return true;
    if (l == "0" || l == "false" || l == "f") return false;
  }
  return std::nullopt;
}

std::string canonical_number(double value) { return fmt::format("{}", value); }

std::string number_sql(double value) {
  if (std::isnan(value)) return "'NaN'";
  if (std::isinf(value)) return value > 0 ? "'Infinity'" : "'-Infinity'";
  std::string s = canonical_number(value);
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

}  // namespace tsm::postgresql
