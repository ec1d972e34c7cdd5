#include "dialects/mariadb/mariadb_normalize.h"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <regex>

#include <fmt/format.h>

#include "dialects/mariadb/mariadb_dialect.h"

namespace tsm::mariadb {
namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool is_numeric(const std::string& type) {
  static const std::regex numeric(R"(^(tinyint|smallint|mediumint|int|bigint|double|float|decimal).*)");
  return std::regex_match(type, numeric);
}

std::optional<double> parse_number(const std::string& text) {
  if (text.empty()) return std::nullopt;
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size()) return std::nullopt;
  return v;
}

// Undoes MariaDB's quoting of a literal default: 'x\'y\\z' or 'x''y' → x'y\z / x'y.
std::string unquote(const std::string& quoted) {
  std::string out;
  for (std::size_t i = 1; i + 1 < quoted.size(); ++i) {
    char c = quoted[i];
    if (c == '\\' && i + 2 < quoted.size()) {
      char n = quoted[++i];
      switch (n) {
        case '0': out += '\0'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'Z': out += '\x1a'; break;
        default: out += n;
      }
    } else if (c == '\'' && i + 2 < quoted.size() && quoted[i + 1] == '\'') {
      out += '\'';
      ++i;
    } else {
      out += c;
    }
  }
  return out;
}

std::string string_default(const std::string& raw, const std::string& type) {
  if (is_numeric(type))
    if (auto n = parse_number(raw)) return canonical_number(*n);
  return dialect().literal(raw);
}

}  // namespace

std::string canonical_number(double value) {
  if (std::isfinite(value) && value == std::floor(value) && std::fabs(value) < 1e15)
    return fmt::format("{}", static_cast<long long>(value));
  return fmt::format("{}", value);
}

std::string normalized_type(const ColumnType& type) {
  switch (type.kind) {
    case TypeKind::integer: return "int";
    case TypeKind::big_integer: return "bigint";
    case TypeKind::boolean: return "tinyint(1)";
    case TypeKind::real:
    case TypeKind::double_: return "double";
    case TypeKind::text: return "longtext";
    case TypeKind::string: return fmt::format("varchar({})", type.length);
    case TypeKind::timestamp: return "datetime(6)";
    case TypeKind::date: return "date";
    case TypeKind::blob: return "longblob";
    case TypeKind::json: return "json";
  }
  return "unknown";
}

std::string normalize_live_type(const std::string& column_type, bool is_json_checked) {
  std::string t = lower(column_type);
  if (t == "longtext" && is_json_checked) return "json";  // MariaDB's JSON alias
  if (t == "tinyint(1)") return t;
  // Display widths (int(11), bigint(20)) mean nothing; MySQL 8.0.19+ no longer shows them.
  static const std::regex width(R"(^(tinyint|smallint|mediumint|int|bigint)\(\d+\)(.*)$)");
  std::smatch m;
  if (std::regex_match(t, m, width)) return m[1].str() + m[2].str();
  return t;
}

std::string normalized_default(const Column& column) {
  if (!column.server_default) return "";
  const std::string type = normalized_type(column.type);
  struct Visitor {
    const std::string& type;
    std::string operator()(const std::string& s) const { return string_default(s, type); }
    std::string operator()(std::int64_t v) const { return std::to_string(v); }
    std::string operator()(double v) const { return canonical_number(v); }
    std::string operator()(bool v) const { return v ? "1" : "0"; }
    std::string operator()(const CurrentTimestamp&) const {
      return type == "date" ? "curdate()" : "current_timestamp(6)";
    }
  };
  return std::visit(Visitor{type}, *column.server_default);
}

std::string normalize_live_default(const std::optional<std::string>& column_default, const std::string& type,
                                   bool mysql_style) {
  if (!column_default || *column_default == "NULL") return "";
  std::string d = *column_default;
  std::string l = lower(d);
  if (l.rfind("current_timestamp", 0) == 0 || l == "now()" || l.rfind("now(", 0) == 0)
    return type == "date" ? "curdate()" : "current_timestamp(6)";
  if (l == "curdate()" || l == "current_date" || l == "curdate") return "curdate()";
  if (!mysql_style) {
    if (d.size() >= 2 && d.front() == '\'' && d.back() == '\'') return string_default(unquote(d), type);
    if (auto n = parse_number(d)) return canonical_number(*n);
    return l;  // another expression: keep it recognisable
  }
  // MySQL 8: literal defaults are shown raw; expression defaults on TEXT/JSON as _utf8mb4\'x\'.
  static const std::regex introducer(R"(^_[a-z0-9]+\\'(.*)\\'$)");
  std::smatch m;
  if (std::regex_match(d, m, introducer)) {
    std::string inner = m[1].str(), raw;
    for (std::size_t i = 0; i < inner.size(); ++i) {
      if (inner[i] == '\\' && i + 1 < inner.size()) ++i;
      raw += inner[i];
    }
    return string_default(raw, type);
  }
  return string_default(d, type);
}

std::string index_part(const std::string& column, std::optional<int> prefix) {
  return prefix ? fmt::format("{}({})", column, *prefix) : column;
}

bool indexable_whole(const ColumnType& type) {
  return type.kind != TypeKind::text && type.kind != TypeKind::blob && type.kind != TypeKind::json;
}

}  // namespace tsm::mariadb
