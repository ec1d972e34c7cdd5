#include "dialects/mariadb/mariadb_names.h"

#include "core/errors.h"

namespace tsm::mariadb {

std::string fk_name(const std::string& table, const ForeignKey& fk) {
  if (!fk.name.empty()) return fk.name;
  if (fk.columns.empty()) throw UsageError("foreign key on " + table + " has no columns");
  return "fk_" + table + "_" + fk.columns.front() + "_" + fk.ref_table;
}

std::string unique_name(const std::string& table, const UniqueConstraint& u) {
  if (!u.name.empty()) return u.name;
  std::string name = "uq_" + table;
  for (const auto& c : u.columns) name += "_" + c;
  return name;
}

std::string fulltext_name(const std::string& table) { return "ft_" + table; }

std::string on_delete_sql(FkAction action) {
  switch (action) {
    case FkAction::no_action: return "NO ACTION";
    case FkAction::cascade: return "CASCADE";
    case FkAction::set_null: return "SET NULL";
    case FkAction::restrict_: return "RESTRICT";
    case FkAction::set_default: return "SET DEFAULT";
  }
  return "NO ACTION";
}

std::vector<std::string> primary_key_columns(const TableSpec& spec) {
  if (!spec.primary_key.empty()) return spec.primary_key;
  std::vector<std::string> out;
  for (const auto& c : spec.columns)
    if (c.primary_key || c.autoincrement) out.push_back(c.name);
  return out;
}

const Column* find_column(const TableSpec& spec, const std::string& name) {
  for (const auto& c : spec.columns)
    if (c.name == name) return &c;
  return nullptr;
}

}  // namespace tsm::mariadb
