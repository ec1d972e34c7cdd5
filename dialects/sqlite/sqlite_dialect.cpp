#include "dialects/sqlite/sqlite_dialect.h"

#include <algorithm>
#include <cmath>
#include <tuple>

#include <fmt/format.h>

#include "core/base/errors.h"
#include "dialects/sqlite/sqlite_fulltext.h"
#include "dialects/sqlite/sqlite_normalize.h"
#include "core/base/text.h"

namespace tsm::sqlite {
const SqliteDialect& dialect() {
  static const SqliteDialect instance;
  return instance;
}

std::string SqliteDialect::quote(const std::string& identifier) const {
  return quote_identifier(identifier, '"', max_identifier_length(), "SQLite");
}

std::string SqliteDialect::literal(const std::string& text) const {
  if (text.find('\0') != std::string::npos) throw UsageError("string literal contains a NUL character");
  return quote_string(text);
}

std::string SqliteDialect::literal(const Value& value) const {
  struct Visitor {
    const SqliteDialect& d;
    std::string operator()(std::monostate) const { return "NULL"; }
    std::string operator()(const std::string& s) const { return d.literal(s); }
    std::string operator()(std::int64_t i) const { return std::to_string(i); }
    std::string operator()(double x) const {
      if (!std::isfinite(x)) throw UsageError("sqlite cannot store a non-finite number literally");
      return double_sql(x);
    }
    std::string operator()(bool b) const { return b ? "1" : "0"; }
  };
  return std::visit(Visitor{*this}, value);
}

// Legacy Turnstone DDL wrote TEXT for strings and timestamps, INTEGER for booleans, REAL for
// scores; the mapping follows it so legacy files describe exactly like replayed revisions.
// SQLite ignores declared lengths, so string(n) is TEXT as well.
std::string SqliteDialect::native_type(const ColumnType& type) const {
  switch (type.kind) {
    case TypeKind::integer:
    case TypeKind::big_integer:
    case TypeKind::boolean: return "INTEGER";
    case TypeKind::real:
    case TypeKind::double_: return "REAL";
    case TypeKind::text:
    case TypeKind::string:
    case TypeKind::timestamp:
    case TypeKind::date:
    case TypeKind::json: return "TEXT";
    case TypeKind::blob: return "BLOB";
  }
  return "TEXT";
}

std::string SqliteDialect::column_type(const Column& column) const {
  return column.autoincrement ? "INTEGER" : native_type(column.type);
}

std::string SqliteDialect::default_sql(const DefaultValue& value) const {
  struct Visitor {
    const SqliteDialect& d;
    std::string operator()(const std::string& s) const { return d.literal(s); }
    std::string operator()(std::int64_t i) const { return std::to_string(i); }
    std::string operator()(double x) const { return d.literal(Value{x}); }
    std::string operator()(bool b) const { return b ? "1" : "0"; }
    std::string operator()(CurrentTimestamp) const { return "CURRENT_TIMESTAMP"; }
  };
  return std::visit(Visitor{*this}, value);
}

std::string SqliteDialect::column_definition(const Column& c, bool inline_primary_key) const {
  std::string out = quote(c.name) + " " + column_type(c);
  if (c.autoincrement) return out + " PRIMARY KEY AUTOINCREMENT";  // the legacy text form
  if (!c.nullable || (inline_primary_key && c.primary_key)) out += " NOT NULL";
  if (inline_primary_key && c.primary_key) out += " PRIMARY KEY";
  if (c.server_default) out += " DEFAULT " + default_sql(*c.server_default);
  if (c.type.kind == TypeKind::json) out += " CHECK (json_valid(" + quote(c.name) + "))";
  return out;
}

std::string SqliteDialect::create_table_sql(const TableSpec& t, const std::string& as_name) const {
  if (t.columns.empty()) throw UsageError(fmt::format("create_table {} has no column", t.name));
  const auto pk = primary_key_columns(t);
  // A single pk column is declared inline (INTEGER PRIMARY KEY is then the rowid alias).
  const bool inline_pk = t.primary_key.empty() && pk.size() == 1;
  std::vector<std::string> parts;
  for (const auto& c : t.columns) parts.push_back(column_definition(c, inline_pk));
  auto quoted = [&](const std::vector<std::string>& cols) {
    std::vector<std::string> q;
    for (const auto& c : cols) q.push_back(quote(c));
    return join(q, ", ");
  };
  if (!inline_pk && !pk.empty())
    parts.push_back(fmt::format("CONSTRAINT {} PRIMARY KEY ({})", quote(primary_key_name(t.name)), quoted(pk)));
  for (const auto& uq : t.uniques)
    parts.push_back(fmt::format("CONSTRAINT {} UNIQUE ({})", quote(unique_name(t.name, uq)), quoted(uq.columns)));
  for (const auto& fk : t.foreign_keys) {
    std::string s = fmt::format("CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {}", quote(foreign_key_name(t.name, fk)),
                                quoted(fk.columns), quote(fk.ref_table));
    if (!fk.ref_columns.empty()) s += " (" + quoted(fk.ref_columns) + ")";
    if (fk.on_delete != FkAction::no_action) s += std::string(" ON DELETE ") + fk_action_sql(fk.on_delete);
    parts.push_back(s);
  }
  for (const auto& ck : t.checks) {
    if (ck.expression.empty()) throw UsageError(fmt::format("check constraint on {} has no expression", t.name));
    parts.push_back((ck.name.empty() ? "" : "CONSTRAINT " + quote(ck.name) + " ") + "CHECK (" + ck.expression + ")");
  }
  return fmt::format("CREATE TABLE {} (\n  {}\n)", quote(as_name), join(parts, ",\n  "));
}

std::string SqliteDialect::create_index_sql(const IndexSpec& ix) const {
  if (ix.columns.empty()) throw UsageError(fmt::format("index {} names no column", ix.name));
  std::vector<std::string> cols;
  for (const auto& c : ix.columns) cols.push_back(quote(c));
  std::string out = fmt::format("CREATE {}INDEX {} ON {} ({})", ix.unique ? "UNIQUE " : "", quote(ix.name),
                                quote(ix.table), join(cols, ", "));
  if (!ix.where.empty()) out += " WHERE " + ix.where;
  return out;
}

std::string SqliteDialect::create_version_table(const std::string& table) const {
  return fmt::format("CREATE TABLE IF NOT EXISTS {} (\n  version_num VARCHAR(32) NOT NULL,\n"
                     "  CONSTRAINT {} PRIMARY KEY (version_num)\n)",
                     quote(table), quote(table + "_pkc"));
}

SchemaDescription SqliteDialect::describe(const Schema& expected) const {
  SchemaDescription out;
  for (const auto& [name, model] : expected.tables) {
    const TableSpec& t = model.spec;
    TableDescription d;
    d.name = t.name;
    d.primary_key = primary_key_columns(t);
    for (const auto& c : t.columns) {
      bool in_pk = std::find(d.primary_key.begin(), d.primary_key.end(), c.name) != d.primary_key.end();
      d.columns.push_back({c.name, normalize_type(column_type(c)), c.nullable && !in_pk,
                           c.server_default ? normalize_default(default_sql(*c.server_default)) : std::string()});
    }
    for (const auto& ix : model.indexes) d.indexes.push_back({ix.name, ix.columns, ix.unique});
    // SQLite keeps no name for a UNIQUE constraint (its index is sqlite_autoindex_…): both sides
    // name it by the default rule, so a named and an unnamed constraint on the same columns agree.
    for (const auto& uq : t.uniques) d.indexes.push_back({unique_name(t.name, UniqueConstraint{uq.columns, {}}), uq.columns, true});
    std::sort(d.indexes.begin(), d.indexes.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    for (const auto& fk : t.foreign_keys) {
      auto ref_cols = fk.ref_columns;
      if (ref_cols.empty())
        if (const TableModel* parent = expected.table(fk.ref_table)) ref_cols = primary_key_columns(parent->spec);
      d.foreign_keys.push_back({fk.columns, fk.ref_table, ref_cols, fk_action_sql(fk.on_delete)});
    }
    std::sort(d.foreign_keys.begin(), d.foreign_keys.end(), [](const auto& a, const auto& b) {
      return std::tie(a.columns, a.ref_table, a.ref_columns) < std::tie(b.columns, b.ref_table, b.ref_columns);
    });
    if (!model.fulltexts.empty()) d.fulltext_objects = fts_object_names(t.name);
    out.tables[name] = std::move(d);
  }
  return out;
}

}  // namespace tsm::sqlite
