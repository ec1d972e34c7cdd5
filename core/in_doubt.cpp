#include "core/in_doubt.h"

#include <algorithm>

namespace tsm {
namespace {

const TableDescription* live_table(Connection& conn, const std::string& table, SchemaDescription& holder) {
  holder = conn.introspect({});
  auto it = holder.tables.find(table);
  return it == holder.tables.end() ? nullptr : &it->second;
}

bool has_column(Connection& conn, const std::string& table, const std::string& column) {
  SchemaDescription live;
  const TableDescription* t = live_table(conn, table, live);
  return t && std::any_of(t->columns.begin(), t->columns.end(), [&](auto& c) { return c.name == column; });
}

bool has_index(Connection& conn, const std::string& table, const std::string& index) {
  SchemaDescription live;
  const TableDescription* t = live_table(conn, table, live);
  return t && std::any_of(t->indexes.begin(), t->indexes.end(), [&](auto& i) { return i.name == index; });
}

}  // namespace

std::optional<bool> took_effect(Connection& conn, const Operation& op, bool first_statement_of_op,
                                std::size_t statements_of_op) {
  // CREATE TABLE comes first in its operation; the statements after it (indexes) are not judged here.
  if (auto* o = std::get_if<CreateTable>(&op)) {
    if (!first_statement_of_op) return std::nullopt;
    return conn.table_exists(o->table.name);
  }
  if (statements_of_op != 1) return std::nullopt;
  if (auto* o = std::get_if<DropTable>(&op)) return !conn.table_exists(o->name);
  if (auto* o = std::get_if<RenameTable>(&op)) return conn.table_exists(o->to) && !conn.table_exists(o->from);
  if (auto* o = std::get_if<AddColumn>(&op)) return has_column(conn, o->table, o->column.name);
  if (auto* o = std::get_if<DropColumn>(&op)) return !has_column(conn, o->table, o->name);
  if (auto* o = std::get_if<CreateIndex>(&op)) return has_index(conn, o->index.table, o->index.name);
  if (auto* o = std::get_if<DropIndex>(&op)) return !has_index(conn, o->table, o->name);
  return std::nullopt;
}

}  // namespace tsm
