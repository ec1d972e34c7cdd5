#include "dialects/mariadb/mariadb_dialect.h"
#include "dialects/mariadb/mariadb_names.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "core/base/errors.h"
#include "dialects/mariadb/mariadb_normalize.h"

namespace tsm::mariadb {

const MariaDbDialect& dialect() {
  static const MariaDbDialect dialect;
  return dialect;
}

std::string MariaDbDialect::quote(const std::string& identifier) const {
  return quote_identifier(identifier, '`', max_identifier_length(), "MariaDB");
}

std::string MariaDbDialect::literal(const std::string& text) const {
  // Backslash is an escape character unless NO_BACKSLASH_ESCAPES is set (our session never sets
  // it), so it is doubled along with the quote.
  std::string out = "'";
  for (char c : text) {
    switch (c) {
      case '\'': out += "''"; break;
      case '\\': out += "\\\\"; break;
      case '\0': out += "\\0"; break;
      case '\x1a': out += "\\Z"; break;
      default: out += c;
    }
  }
  return out + "'";
}

std::string MariaDbDialect::literal(const Value& value) const {
  struct Visitor {
    const MariaDbDialect& d;
    std::string operator()(std::monostate) const { return "NULL"; }
    std::string operator()(const std::string& s) const { return d.literal(s); }
    std::string operator()(std::int64_t v) const { return std::to_string(v); }
    std::string operator()(double v) const {
      if (!std::isfinite(v)) throw UsageError("MariaDB has no literal for NaN or infinity");
      return canonical_number(v);
    }
    std::string operator()(bool v) const { return v ? "1" : "0"; }
  };
  return std::visit(Visitor{*this}, value);
}

std::string MariaDbDialect::native_type(const ColumnType& type) const {
  switch (type.kind) {
    case TypeKind::integer: return "INT";
    case TypeKind::big_integer: return "BIGINT";
    case TypeKind::boolean: return "TINYINT(1)";
    case TypeKind::real:  // SQLite REAL is 8 bytes: FLOAT would lose precision of scores
    case TypeKind::double_: return "DOUBLE";
    case TypeKind::text: return "LONGTEXT";  // unbounded like SQLite and PostgreSQL (TEXT holds 64 KiB)
    case TypeKind::string:
      if (type.length <= 0 || type.length > 16383)
        throw UsageError(fmt::format("string({}) needs a length in 1..16383 on MariaDB", type.length));
      return fmt::format("VARCHAR({})", type.length);
    case TypeKind::timestamp: return "DATETIME(6)";  // UTC by convention; no TIMESTAMP auto-update
    case TypeKind::date: return "DATE";
    case TypeKind::blob: return "LONGBLOB";
    case TypeKind::json: return "JSON";
  }
  throw UsageError("unknown column type");
}

std::string MariaDbDialect::default_clause(const Column& column) const {
  if (!column.server_default) return "";
  struct Visitor {
    const MariaDbDialect& d;
    const Column& c;
    std::string operator()(const std::string& s) const {
      // TEXT/BLOB/JSON take only expression defaults on MySQL 8 (8.0.13+); MariaDB accepts both.
      return indexable_whole(c.type) ? d.literal(s) : "(" + d.literal(s) + ")";
    }
    std::string operator()(std::int64_t v) const { return std::to_string(v); }
    std::string operator()(double v) const { return d.literal(Value{v}); }
    std::string operator()(bool v) const { return v ? "1" : "0"; }
    std::string operator()(const CurrentTimestamp&) const {
      if (c.type.kind == TypeKind::timestamp) return "CURRENT_TIMESTAMP(6)";
      if (c.type.kind == TypeKind::date) return "(CURRENT_DATE)";
      throw UsageError(fmt::format("column {}: a CURRENT_TIMESTAMP default needs a timestamp or date column on MariaDB",
                                   c.name));
    }
  };
  return "DEFAULT " + std::visit(Visitor{*this, column}, *column.server_default);
}

std::string MariaDbDialect::collation(const Column& column) {
  return column.type.kind == TypeKind::string ? " COLLATE utf8mb4_nopad_bin" : "";
}

std::string MariaDbDialect::key_companion_definition(const std::string& column) const {
  return fmt::format("{} LONGBLOB AS ({}) VIRTUAL INVISIBLE", quote(key_companion_name(column)), quote(column));
}

std::string MariaDbDialect::column_definition(const Column& column, bool with_primary_key) const {
  std::string out = quote(column.name) + " " + native_type(column.type) + collation(column);
  bool not_null = !column.nullable || column.primary_key || column.autoincrement;
  out += not_null ? " NOT NULL" : " NULL";
  if (column.autoincrement) {
    if (column.type.kind != TypeKind::integer && column.type.kind != TypeKind::big_integer)
      throw UsageError(fmt::format("column {}: autoincrement needs an integer column", column.name));
    out += " AUTO_INCREMENT";
    if (with_primary_key) out += " PRIMARY KEY";
    return out;
  }
  std::string def = default_clause(column);
  if (!def.empty()) out += " " + def;
  return out;
}

std::string MariaDbDialect::create_version_table(const std::string& table) const {
  // MariaDB names every primary key PRIMARY; the Alembic-style name is accepted and ignored.
  return fmt::format(
      "CREATE TABLE IF NOT EXISTS {} (\n  version_num VARCHAR(32) NOT NULL,\n  CONSTRAINT {} PRIMARY KEY (version_num)\n) "
      "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
      quote(table), quote(table + "_pkc"));
}

}  // namespace tsm::mariadb
