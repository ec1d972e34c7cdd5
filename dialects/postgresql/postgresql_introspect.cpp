// The live schema of current_schema() (never a hard-coded `public`), normalized as in
// postgresql_normalize.h. FTS objects (generated tsvector columns, their GIN indexes, trigram indexes)
// are listed as fulltext objects, not as columns or indexes, so column lists stay portable.
#include <algorithm>
#include <map>

#include "dialects/postgresql/postgresql_connection.h"
#include "dialects/postgresql/postgresql_describe.h"
#include "dialects/postgresql/postgresql_normalize.h"

namespace tsm::postgresql {
namespace {

std::string text(const Row& row, std::size_t i) { return row.at(i).value_or(""); }
bool flag(const Row& row, std::size_t i) { return text(row, i) == "t"; }

const char* delete_action(const std::string& code) {
  if (code == "c") return "CASCADE";
  if (code == "n") return "SET NULL";
  if (code == "r") return "RESTRICT";
  if (code == "d") return "SET DEFAULT";
  return "NO ACTION";
}

}  // namespace

SchemaDescription PostgresConnection::introspect(const std::vector<std::string>& ignore) {
  SchemaDescription out;
  auto tables = query(
      "SELECT c.oid::bigint, c.relname FROM pg_catalog.pg_class c "
      "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
      "WHERE n.nspname = pg_catalog.current_schema() AND c.relkind IN ('r', 'p') ORDER BY c.relname");
  for (const Row& trow : tables) {
    const std::string oid = text(trow, 0), name = text(trow, 1);
    if (std::find(ignore.begin(), ignore.end(), name) != ignore.end()) continue;
    TableDescription t;
    t.name = name;

    std::vector<std::string> tsvector_columns;
    for (const Row& r : query("SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull, "
                              "pg_catalog.pg_get_expr(d.adbin, d.adrelid), a.attidentity, a.attgenerated "
                              "FROM pg_catalog.pg_attribute a LEFT JOIN pg_catalog.pg_attrdef d "
                              "ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
                              "WHERE a.attrelid = ?::oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
                              {oid})) {
      std::string type = normalize_type(text(r, 1));
      if (text(r, 5) == "s" && type == "tsvector") {
        tsvector_columns.push_back(text(r, 0));
        t.fulltext_objects.push_back(text(r, 0));
        continue;
      }
      bool identity = text(r, 4) == "a" || text(r, 4) == "d";
      t.columns.push_back({text(r, 0), type, !flag(r, 2), identity ? kIdentityDefault : normalize_default(text(r, 3))});
    }

    for (const Row& r : query("SELECT a.attname FROM pg_catalog.pg_constraint c "
                              "CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord) "
                              "JOIN pg_catalog.pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum "
                              "WHERE c.conrelid = ?::oid AND c.contype = 'p' ORDER BY k.ord",
                              {oid}))
      t.primary_key.push_back(text(r, 0));

    // Explicit indexes only: those backing a pk/unique/exclusion constraint belong to the constraint.
    std::map<std::string, IndexDescription> indexes;
    std::map<std::string, bool> is_fulltext;
    for (const Row& r : query(
             "SELECT i.relname, ix.indisunique, am.amname = 'gin', "
             "pg_catalog.pg_get_indexdef(ix.indexrelid) LIKE '%gin_trgm_ops%', "
             "coalesce(a.attname, pg_catalog.pg_get_indexdef(ix.indexrelid, k.ord::int, true)) "
             "FROM pg_catalog.pg_index ix JOIN pg_catalog.pg_class i ON i.oid = ix.indexrelid "
             "JOIN pg_catalog.pg_am am ON am.oid = i.relam "
             "CROSS JOIN LATERAL unnest(ix.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord) "
             "LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = k.attnum AND k.attnum > 0 "
             "WHERE ix.indrelid = ?::oid AND k.ord <= ix.indnkeyatts AND NOT EXISTS (SELECT 1 FROM "
             "pg_catalog.pg_constraint c WHERE c.conindid = ix.indexrelid AND c.contype IN ('p', 'u', 'x')) "
             "ORDER BY i.relname, k.ord",
             {oid})) {
      const std::string ix = text(r, 0), column = text(r, 4);
      bool on_tsvector = std::find(tsvector_columns.begin(), tsvector_columns.end(), column) != tsvector_columns.end();
      const bool tsvector_expression = column.rfind("to_tsvector(", 0) == 0;
      is_fulltext[ix] = is_fulltext[ix] || (flag(r, 2) && (on_tsvector || tsvector_expression || flag(r, 3)));
      auto& d = indexes[ix];
      d.name = ix;
      d.unique = flag(r, 1);
      d.columns.push_back(column);
    }
    for (auto& [ix, d] : indexes) {
      if (is_fulltext[ix])
        t.fulltext_objects.push_back(ix);
      else
        t.indexes.push_back(d);
    }

    std::map<std::string, ForeignKeyDescription> fks;
    for (const Row& r : query("SELECT c.conname, c.confdeltype, rt.relname, a.attname, ra.attname "
                              "FROM pg_catalog.pg_constraint c JOIN pg_catalog.pg_class rt ON rt.oid = c.confrelid "
                              "CROSS JOIN LATERAL unnest(c.conkey, c.confkey) WITH ORDINALITY AS k(attnum, refnum, ord) "
                              "JOIN pg_catalog.pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum "
                              "JOIN pg_catalog.pg_attribute ra ON ra.attrelid = c.confrelid AND ra.attnum = k.refnum "
                              "WHERE c.conrelid = ?::oid AND c.contype = 'f' ORDER BY c.conname, k.ord",
                              {oid})) {
      auto& fk = fks[text(r, 0)];
      fk.on_delete = delete_action(text(r, 1));
      fk.ref_table = text(r, 2);
      fk.columns.push_back(text(r, 3));
      fk.ref_columns.push_back(text(r, 4));
    }
    for (auto& [conname, fk] : fks) t.foreign_keys.push_back(fk);

    sort_description(t);
    out.tables[name] = std::move(t);
  }
  return out;
}

}  // namespace tsm::postgresql
