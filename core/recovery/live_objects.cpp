#include "core/recovery/live_objects.h"

#include <algorithm>

namespace tsm {
namespace {

const TableDescription* live_table(Connection& conn, const std::string& table, SchemaDescription& holder) {
  holder = conn.introspect({});
  auto it = holder.tables.find(table);
  return it == holder.tables.end() ? nullptr : &it->second;
}

}  // namespace

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

bool has_fulltext(Connection& conn, const std::string& table) {
  SchemaDescription live;
  const TableDescription* t = live_table(conn, table, live);
  return t && !t->fulltext_objects.empty();
}

}  // namespace tsm
