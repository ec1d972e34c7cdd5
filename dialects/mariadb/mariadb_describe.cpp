// MariaDbDialect::describe: the expected schema in the terms introspect() reports.
#include <algorithm>

#include "dialects/mariadb/mariadb_dialect.h"
#include "dialects/mariadb/mariadb_fulltext.h"
#include "dialects/mariadb/mariadb_names.h"
#include "dialects/mariadb/mariadb_normalize.h"

namespace tsm::mariadb {
namespace {

std::vector<std::string> described_key(const TableSpec& spec, const std::vector<std::string>& columns, bool plain) {
  std::vector<std::string> out;
  for (const auto& name : columns) {
    const Column* c = find_column(spec, name);
    bool prefixed = plain && c && !indexable_whole(c->type);
    out.push_back(index_part(name, prefixed ? std::optional<int>(MariaDbDialect::kTextIndexPrefix)
                                                      : std::nullopt));
  }
  return out;
}

}  // namespace

SchemaDescription MariaDbDialect::describe(const Schema& expected) const {
  SchemaDescription out;
  for (const auto& [name, model] : expected.tables) {
    const TableSpec& spec = model.spec;
    TableDescription t;
    t.name = name;
    t.primary_key = primary_key_columns(spec);
    for (const auto& c : spec.columns) {
      bool in_pk = std::find(t.primary_key.begin(), t.primary_key.end(), c.name) != t.primary_key.end();
      t.columns.push_back(ColumnDescription{c.name, normalized_type(c.type),
                                            c.nullable && !in_pk && !c.autoincrement,
                                            c.autoincrement ? "" : normalized_default(c)});
    }
    // Unique constraints are unique indexes on MariaDB: listed with the explicit indexes.
    for (const auto& u : spec.uniques)
      t.indexes.push_back(IndexDescription{unique_name(name, u), described_key(spec, u.columns, false), true});
    for (const auto& ix : model.indexes)
      t.indexes.push_back(IndexDescription{ix.name, described_key(spec, ix.columns, !ix.unique), ix.unique});
    std::sort(t.indexes.begin(), t.indexes.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    // The indexes InnoDB adds for foreign keys are not listed on either side (introspect skips them).
    for (const auto& fk : spec.foreign_keys)
      t.foreign_keys.push_back(
          ForeignKeyDescription{fk.columns, fk.ref_table, fk.ref_columns, fk_action_sql(fk.on_delete)});
    std::sort(t.foreign_keys.begin(), t.foreign_keys.end(),
              [](const auto& a, const auto& b) { return a.columns < b.columns; });
    for (const auto& ft : model.fulltexts)
      for (auto& object : fulltext_object_names(ft.table)) t.fulltext_objects.push_back(std::move(object));
    std::sort(t.fulltext_objects.begin(), t.fulltext_objects.end());
    t.fulltext_objects.erase(std::unique(t.fulltext_objects.begin(), t.fulltext_objects.end()),
                             t.fulltext_objects.end());
    out.tables[name] = std::move(t);
  }
  return out;
}

}  // namespace tsm::mariadb
