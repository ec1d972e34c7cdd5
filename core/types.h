#pragma once
// Portable column types and defaults. Each dialect maps them to native DDL.
#include <cstdint>
#include <optional>
#include <string>
#include <variant>

namespace tsm {

enum class DialectKind { sqlite, postgresql, mariadb };
const char* dialect_name(DialectKind d);                  // "sqlite" | "postgresql" | "mariadb"
std::optional<DialectKind> parse_dialect(const std::string& name);  // also accepts "mysql", "postgres"

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
