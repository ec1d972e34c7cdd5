#include "dialects/sqlite/sqlite_rebuild.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "core/base/errors.h"
#include "dialects/sqlite/sqlite_dialect.h"
#include "dialects/sqlite/sqlite_fulltext.h"

namespace tsm::sqlite {
namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool contains(const std::vector<std::string>& items, const std::string& x) {
  return std::find(items.begin(), items.end(), x) != items.end();
}

// Conservative: a name appearing anywhere in an expression counts as a use.
bool mentions(const std::string& expression, const std::string& name) {
  return lower(expression).find(lower(name)) != std::string::npos;
}

bool has_autoincrement(const TableSpec& t) {
  return std::any_of(t.columns.begin(), t.columns.end(), [](const Column& c) { return c.autoincrement; });
}

// INTEGER PRIMARY KEY makes a column the rowid; copying it keeps rowids. Otherwise copy rowid.
bool has_rowid_alias(const SqliteDialect& d, const TableSpec& t) {
  auto pk = primary_key_columns(t);
  if (pk.size() != 1) return false;
  const Column* c = find_column(t, pk.front());
  return c && d.column_type(*c) == "INTEGER";
}

}  // namespace

bool can_add_column_natively(const Column& c) {
  if (c.primary_key || c.autoincrement) return false;
  if (c.server_default && std::holds_alternative<CurrentTimestamp>(*c.server_default)) return false;
  return c.nullable || c.server_default.has_value();
}

bool can_drop_column_natively(const Schema& before, const std::string& table, const std::string& column) {
  const TableModel* m = before.table(table);
  if (!m) return false;
  const TableSpec& t = m->spec;
  const Column* c = find_column(t, column);
  if (!c || c->primary_key || c->autoincrement || contains(primary_key_columns(t), column)) return false;
  for (const auto& uq : t.uniques)
    if (contains(uq.columns, column)) return false;
  for (const auto& fk : t.foreign_keys)
    if (contains(fk.columns, column)) return false;
  for (const auto& ck : t.checks)
    if (mentions(ck.expression, column)) return false;
  for (const auto& ix : m->indexes)
    if (contains(ix.columns, column) || mentions(ix.where, column)) return false;
  for (const auto& ft : m->fulltexts)
    if (contains(ft.columns, column) || ft.key_column == column) return false;
  for (const auto& [name, other] : before.tables)
    for (const auto& fk : other.spec.foreign_keys)
      if (fk.ref_table == table && contains(fk.ref_columns, column)) return false;
  return true;
}

std::vector<Statement> rebuild_table(const SqliteDialect& d, const Schema& before, const Schema& after,
                                     const std::string& table, const std::map<std::string, std::string>& renamed) {
  const TableModel* old_model = before.table(table);
  const TableModel* new_model = after.table(table);
  if (!old_model || !new_model)
    throw UsageError(fmt::format("sqlite must rebuild table {}, but the revisions never created it "
                                 "through the operations API",
                                 table));
  const TableSpec& old_t = old_model->spec;
  const TableSpec& new_t = new_model->spec;
  const std::string temp = "_tsm_new_" + table;
  const std::string q_table = d.quote(table), q_temp = d.quote(temp);

  std::vector<std::string> into, from;
  for (const auto& c : new_t.columns) {
    auto r = renamed.find(c.name);
    const std::string source = r == renamed.end() ? c.name : r->second;
    if (!find_column(old_t, source)) continue;  // a new column: its default fills it
    into.push_back(d.quote(c.name));
    from.push_back(d.quote(source));
  }
  if (!has_rowid_alias(d, new_t)) {
    into.insert(into.begin(), "rowid");
    from.insert(from.begin(), "rowid");
  }
  auto join = [](const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
    return out;
  };

  std::vector<Statement> out;
  out.push_back({"PRAGMA foreign_keys=OFF", false, Statement::Edge::before});
  out.push_back({d.create_table_sql(new_t, temp)});
  out.push_back({fmt::format("INSERT INTO {} ({}) SELECT {} FROM {}", q_temp, join(into), join(from), q_table)});
  if (has_autoincrement(new_t) && has_autoincrement(old_t)) {
    out.push_back({"DELETE FROM sqlite_sequence WHERE name = " + d.literal(temp)});
    out.push_back({fmt::format("INSERT INTO sqlite_sequence (name, seq) SELECT {}, seq FROM sqlite_sequence "
                               "WHERE name = {}",
                               d.literal(temp), d.literal(table))});
  }
  out.push_back({"DROP TABLE " + q_table});
  out.push_back({"PRAGMA legacy_alter_table=ON"});
  out.push_back({fmt::format("ALTER TABLE {} RENAME TO {}", q_temp, q_table)});
  out.push_back({"PRAGMA legacy_alter_table=OFF"});
  for (const auto& ix : new_model->indexes) out.push_back({d.create_index_sql(ix)});
  for (const auto& ft : new_model->fulltexts) {
    FulltextSpec spec = ft;
    spec.table = table;
    for (auto& s : create_fulltext_triggers(d, spec)) out.push_back(std::move(s));
  }
  out.push_back({"PRAGMA foreign_key_check(" + q_table + ")"});
  for (const auto& [name, other] : after.tables) {
    if (name == table) continue;
    for (const auto& fk : other.spec.foreign_keys)
      if (fk.ref_table == table) {
        out.push_back({"PRAGMA foreign_key_check(" + d.quote(name) + ")"});
        break;
      }
  }
  out.push_back({"PRAGMA foreign_keys=ON", false, Statement::Edge::after});
  return out;
}

}  // namespace tsm::sqlite
