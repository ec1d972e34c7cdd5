#include "core/types.h"

namespace tsm {

const char* dialect_name(DialectKind d) {
  switch (d) {
    case DialectKind::sqlite: return "sqlite";
    case DialectKind::postgresql: return "postgresql";
    case DialectKind::mariadb: return "mariadb";
  }
  return "unknown";
}

std::optional<DialectKind> parse_dialect(const std::string& name) {
  if (name == "sqlite") return DialectKind::sqlite;
  if (name == "postgresql" || name == "postgres") return DialectKind::postgresql;
  if (name == "mariadb" || name == "mysql") return DialectKind::mariadb;
  return std::nullopt;
}

const char* type_name(TypeKind t) {
  switch (t) {
    case TypeKind::integer: return "integer";
    case TypeKind::big_integer: return "big_integer";
    case TypeKind::boolean: return "boolean";
    case TypeKind::real: return "real";
    case TypeKind::double_: return "double";
    case TypeKind::text: return "text";
    case TypeKind::string: return "string";
    case TypeKind::timestamp: return "timestamp";
    case TypeKind::date: return "date";
    case TypeKind::blob: return "blob";
    case TypeKind::json: return "json";
  }
  return "unknown";
}

}  // namespace tsm
