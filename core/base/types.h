#pragma once
// Portable column types and defaults. Each dialect maps them to native DDL.
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace tsm {

enum class DialectKind { sqlite, postgresql, mariadb };
// The one table of dialects: every list of dialect names (URL schemes, --dialect choices, SQL
// unit sections, error messages, the tests' backends) is derived from it. A new dialect is one
// row here plus its folder under dialects/ (see dialects/README.md).
struct DialectInfo {
  DialectKind kind;
  const char* name;                  // canonical: "sqlite" | "postgresql" | "mariadb"
  std::vector<const char*> aliases;  // other accepted spellings: "postgres", "mysql"
};
const std::vector<DialectInfo>& dialects();
const char* dialect_name(DialectKind d);
std::optional<DialectKind> parse_dialect(const std::string& name);  // a name or an alias
std::vector<std::string> dialect_spellings();                       // every name and alias
// "sqlite, postgresql or mariadb" (with aliases: "sqlite, postgresql, postgres, mariadb or mysql").
std::string dialect_choices(bool with_aliases = false);

enum class TypeKind { integer, big_integer, boolean, real, double_, text, string, timestamp, date, blob, json };
const char* type_name(TypeKind t);  // "integer", "big_integer", … (portable, used in descriptions)

struct ColumnType {
  TypeKind kind = TypeKind::text;
  int length = 0;  // string(n) only
  bool operator==(const ColumnType& o) const { return kind == o.kind && length == o.length; }
  bool operator!=(const ColumnType& o) const { return !(*this == o); }
};

// A server default. Literals are rendered (and quoted) by the dialect, never pasted.
struct CurrentTimestamp {
  bool operator==(const CurrentTimestamp&) const { return true; }
};
using DefaultValue = std::variant<std::string, std::int64_t, double, bool, CurrentTimestamp>;

}  // namespace tsm
