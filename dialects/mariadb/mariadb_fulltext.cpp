#include "dialects/mariadb/mariadb_fulltext.h"

#include <algorithm>

#include <fmt/format.h>

#include "core/base/errors.h"
#include "core/base/text.h"
#include "dialects/mariadb/mariadb_dialect.h"
#include "dialects/mariadb/mariadb_names.h"

namespace tsm::mariadb {
namespace {

// Quoted names of one full-text structure.
struct Names {
  Names(const MariaDbDialect& d, const FulltextSpec& spec)
      : table(d.quote(spec.table)), side(d.quote(fulltext_side_table(spec.table))), key(d.quote(spec.key_column)) {
    if (spec.columns.empty()) throw UsageError("create_fulltext on " + spec.table + " needs columns");
    for (const auto& c : spec.columns) columns.push_back(d.quote(c));
    d.quote(fulltext_name(spec.table));
    for (const auto& t : fulltext_trigger_names(spec.table)) d.quote(t);  // length checks
  }
  std::string all() const { return key + ", " + join(columns); }
  std::string prefixed(const char* row) const {
    std::vector<std::string> out{std::string(row) + "." + key};
    for (const auto& c : columns) out.push_back(std::string(row) + "." + c);
    return join(out);
  }
  // Unchanged values are not written (the server compares the row): the FULLTEXT index is only
  // touched for rows that really differ.
  std::string upsert_tail() const {
    std::vector<std::string> sets;
    for (const auto& c : columns) sets.push_back(fmt::format("{}.{} = VALUES({})", side, c, c));
    return " ON DUPLICATE KEY UPDATE " + join(sets);
  }
  std::string table, side, key;
  std::vector<std::string> columns;
};

constexpr const char* kRange = " BETWEEN CAST(? AS SIGNED) AND CAST(? AS SIGNED)";

Statement batched(std::string sql, std::string table, std::string bounds, std::string batch, bool catch_up) {
  BatchedUpdate b;
  b.table = std::move(table);
  b.bounds_sql = std::move(bounds);
  b.batch_sql = std::move(batch);
  b.follow_new_rows = false;  // the triggers (or the catch-up after them) cover later rows
  b.options.pause_percent = 20;
  Statement st{std::move(sql)};
  st.batched = std::move(b);
  st.rerunnable = true;
  st.catch_up = catch_up;
  return st;
}

// Copies (or refreshes) the side table's rows from the table, batch by batch.
Statement upsert_pass(const Names& n, const std::string& label, bool catch_up) {
  const std::string head = fmt::format("INSERT INTO {} ({}) SELECT {} FROM {}", n.side, n.all(), n.all(), n.table);
  return batched(head + n.upsert_tail(), label, fmt::format("SELECT min({}), max({}) FROM {}", n.key, n.key, n.table),
                 fmt::format("{} WHERE {}{}{}", head, n.key, kRange, n.upsert_tail()), catch_up);
}

Statement rerunnable(std::string sql) {
  Statement st{std::move(sql)};
  st.rerunnable = true;
  return st;
}

}  // namespace

std::string fulltext_side_table(const std::string& table) { return table + "_fts"; }

std::vector<std::string> fulltext_trigger_names(const std::string& table) {
  return {table + "_ad", table + "_ai", table + "_au"};
}

std::vector<std::string> fulltext_object_names(const std::string& table) {
  auto out = fulltext_trigger_names(table);
  out.push_back(fulltext_side_table(table));
  out.push_back(fulltext_name(table));
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<Statement> create_fulltext(const MariaDbDialect& d, const FulltextSpec& spec, const Schema& before) {
  const Names n(d, spec);
  std::string key_type = "BIGINT";
  if (const TableModel* t = before.table(spec.table)) {
    const Column* key = find_column(t->spec, spec.key_column);
    if (key && key->type.kind != TypeKind::integer && key->type.kind != TypeKind::big_integer)
      throw UsageError(fmt::format("MariaDB full-text search needs an integer key column: {}.{} is {}", spec.table,
                                   spec.key_column, type_name(key->type.kind)));
    if (key) key_type = d.native_type(key->type);
    for (const auto& c : spec.columns)
      if (const Column* col = find_column(t->spec, c))
        if (col->type.kind != TypeKind::text && col->type.kind != TypeKind::string)
          throw UsageError(fmt::format("MariaDB FULLTEXT needs text columns: {}.{} is {}", spec.table, c,
                                       type_name(col->type.kind)));
  }
  // Searched columns as LONGTEXT in the utf8mb4 default collation: FULLTEXT stays
  // case-insensitive like FTS5/tsvector whatever the source column's (binary) collation.
  std::vector<std::string> lines{n.key + " " + key_type + " NOT NULL PRIMARY KEY"};
  for (const auto& c : n.columns) lines.push_back(c + " LONGTEXT NULL");
  std::vector<Statement> out;
  out.push_back(rerunnable(fmt::format("CREATE TABLE IF NOT EXISTS {} (\n  {}\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
                                       n.side, join(lines, ",\n  "))));
  out.push_back(upsert_pass(n, fulltext_side_table(spec.table) + " (fill)", false));
  // No writer touches the side table before its triggers exist: LOCK=SHARED blocks nobody.
  out.push_back(rerunnable(fmt::format("ALTER TABLE {} ADD FULLTEXT INDEX IF NOT EXISTS {} ({}), ALGORITHM=INPLACE, "
                                       "LOCK=SHARED",
                                       n.side, d.quote(fulltext_name(spec.table)), join(n.columns))));
  for (auto& st : create_fulltext_triggers(d, spec)) out.push_back(std::move(st));
  for (auto& st : fulltext_catch_up(d, spec)) out.push_back(std::move(st));
  return out;
}

std::vector<Statement> create_fulltext_triggers(const MariaDbDialect& d, const FulltextSpec& spec) {
  const Names n(d, spec);
  const auto names = fulltext_trigger_names(spec.table);  // _ad, _ai, _au
  const std::string insert_new =
      fmt::format("INSERT INTO {} ({}) VALUES ({}){}", n.side, n.all(), n.prefixed("NEW"), n.upsert_tail());
  std::vector<std::string> changed{fmt::format("NOT (NEW.{} <=> OLD.{})", n.key, n.key)};
  for (const auto& c : n.columns) changed.push_back(fmt::format("NOT (NEW.{} <=> OLD.{})", c, c));
  return {
      rerunnable(fmt::format("CREATE TRIGGER IF NOT EXISTS {} AFTER INSERT ON {} FOR EACH ROW {}", d.quote(names[1]),
                             n.table, insert_new)),
      rerunnable(fmt::format("CREATE TRIGGER IF NOT EXISTS {} AFTER DELETE ON {} FOR EACH ROW DELETE FROM {} WHERE "
                             "{} = OLD.{}",
                             d.quote(names[0]), n.table, n.side, n.key, n.key)),
      rerunnable(fmt::format("CREATE TRIGGER IF NOT EXISTS {} AFTER UPDATE ON {} FOR EACH ROW BEGIN\n"
                             "  IF {} THEN DELETE FROM {} WHERE {} = OLD.{}; END IF;\n"
                             "  IF {} THEN {}; END IF;\n"
                             "END",
                             d.quote(names[2]), n.table, changed[0], n.side, n.key, n.key, join(changed, " OR "),
                             insert_new)),
  };
}

std::vector<Statement> fulltext_catch_up(const MariaDbDialect& d, const FulltextSpec& spec) {
  const Names n(d, spec);
  const std::string label = fulltext_side_table(spec.table);
  const std::string orphans =
      fmt::format("DELETE f FROM {} AS f LEFT JOIN {} AS e ON e.{} = f.{} WHERE e.{} IS NULL", n.side, n.table, n.key,
                  n.key, n.key);
  return {upsert_pass(n, label + " (catch-up)", true),
          batched(orphans, label + " (orphans)", fmt::format("SELECT min({}), max({}) FROM {}", n.key, n.key, n.side),
                  fmt::format("{} AND f.{}{}", orphans, n.key, kRange), true)};
}

std::vector<Statement> drop_fulltext_triggers(const MariaDbDialect& d, const std::string& table) {
  std::vector<Statement> out;
  for (const auto& t : fulltext_trigger_names(table)) out.push_back(rerunnable("DROP TRIGGER IF EXISTS " + d.quote(t)));
  return out;
}

std::vector<Statement> drop_fulltext(const MariaDbDialect& d, const std::string& table) {
  auto out = drop_fulltext_triggers(d, table);
  out.push_back(rerunnable("DROP TABLE IF EXISTS " + d.quote(fulltext_side_table(table))));
  return out;
}

}  // namespace tsm::mariadb
