// The expected schema in the same normalized terms introspect() produces (see postgresql_normalize.h).
#include <algorithm>
#include <tuple>

#include "dialects/postgresql/postgresql_describe.h"
#include "dialects/postgresql/postgresql_dialect.h"
#include "dialects/postgresql/postgresql_fulltext.h"
#include "dialects/postgresql/postgresql_normalize.h"

namespace tsm::postgresql {

void sort_description(TableDescription& t) {
  std::sort(t.indexes.begin(), t.indexes.end(), [](auto& a, auto& b) { return a.name < b.name; });
  std::sort(t.foreign_keys.begin(), t.foreign_keys.end(), [](auto& a, auto& b) {
    return std::tie(a.columns, a.ref_table, a.ref_columns) < std::tie(b.columns, b.ref_table, b.ref_columns);
  });
  std::sort(t.fulltext_objects.begin(), t.fulltext_objects.end());
}

SchemaDescription PostgresDialect::describe(const Schema& expected) const {
  SchemaDescription out;
  for (const auto& [name, model] : expected.tables) {
    TableDescription t;
    t.name = name;
    const TableSpec& spec = model.spec;
    t.primary_key = spec.primary_key;
    for (const Column& c : spec.columns) {
      bool in_pk = c.primary_key || c.autoincrement ||
                   std::find(spec.primary_key.begin(), spec.primary_key.end(), c.name) != spec.primary_key.end();
      if (spec.primary_key.empty() && (c.primary_key || c.autoincrement)) t.primary_key.push_back(c.name);
      t.columns.push_back({c.name, described_type(c.type), c.nullable && !in_pk, described_default(c)});
    }
    for (const IndexSpec& ix : model.indexes) t.indexes.push_back({ix.name, ix.columns, ix.unique});
    for (const ForeignKey& fk : spec.foreign_keys)
      t.foreign_keys.push_back({fk.columns, fk.ref_table, fk.ref_columns, fk_action_sql(fk.on_delete)});
    for (const FulltextSpec& fts : model.fulltexts)
      for (auto& o : fulltext_objects(fts)) t.fulltext_objects.push_back(o);
    sort_description(t);
    out.tables[name] = std::move(t);
  }
  return out;
}

}  // namespace tsm::postgresql
