// SqliteDialect::render: one operation → the statements that carry it out on SQLite.
#include <fmt/format.h>

#include "core/base/errors.h"
#include "dialects/sqlite/sqlite_dialect.h"
#include "dialects/sqlite/sqlite_fulltext.h"
#include "dialects/sqlite/sqlite_rebuild.h"

namespace tsm::sqlite {
namespace {

// The replayed schema after `op`, for rebuilds that recreate a table from its new definition.
Schema applied(const Schema& before, const Operation& op) {
  Schema after = before;
  after.apply(op);
  return after;
}

const TableModel* table_in(const Schema& s, const std::string& name) { return s.table(name); }

constexpr std::size_t kRowsPerInsert = 500;

struct Renderer {
  const SqliteDialect& d;
  const Schema& before;
  const Operation& op;

  std::vector<Statement> operator()(const CreateTable& o) const { return {{d.create_table_sql(o.table, o.table.name)}}; }

  std::vector<Statement> operator()(const DropTable& o) const {
    std::vector<Statement> out{{"DROP TABLE " + d.quote(o.name)}};  // its triggers go with it
    const TableModel* m = table_in(before, o.name);
    if (m && !m->fulltexts.empty()) out.push_back({"DROP TABLE IF EXISTS " + d.quote(fts_table_name(o.name))});
    return out;
  }

  std::vector<Statement> operator()(const AddColumn& o) const {
    if (can_add_column_natively(o.column))
      return {{fmt::format("ALTER TABLE {} ADD COLUMN {}", d.quote(o.table), d.column_definition(o.column, false))}};
    return rebuild_table(d, before, applied(before, op), o.table);
  }

  std::vector<Statement> operator()(const DropColumn& o) const {
    if (can_drop_column_natively(before, o.table, o.name))
      return {{fmt::format("ALTER TABLE {} DROP COLUMN {}", d.quote(o.table), d.quote(o.name))}};
    return rebuild_table(d, before, applied(before, op), o.table);
  }

  std::vector<Statement> operator()(const AlterColumn& o) const {
    const bool only_rename = o.new_name && !o.type && !o.nullable && !o.server_default;
    if (only_rename)  // SQLite rewrites indexes, triggers, views and foreign keys that use it
      return {{fmt::format("ALTER TABLE {} RENAME COLUMN {} TO {}", d.quote(o.table), d.quote(o.name),
                           d.quote(*o.new_name))}};
    std::map<std::string, std::string> renamed;
    if (o.new_name) renamed[*o.new_name] = o.name;
    return rebuild_table(d, before, applied(before, op), o.table, renamed);
  }

  std::vector<Statement> operator()(const RenameTable& o) const {
    // An external-content FTS table names its content table: move it along under the new names.
    const TableModel* m = table_in(before, o.from);
    std::vector<Statement> out;
    if (m && !m->fulltexts.empty()) out = drop_fulltext(d, o.from);
    out.push_back({fmt::format("ALTER TABLE {} RENAME TO {}", d.quote(o.from), d.quote(o.to))});
    if (m)
      for (const auto& ft : m->fulltexts) {
        FulltextSpec spec = ft;
        spec.table = o.to;
        for (auto& s : create_fulltext(d, spec)) out.push_back(std::move(s));
      }
    return out;
  }

  std::vector<Statement> operator()(const CreateIndex& o) const { return {{d.create_index_sql(o.index)}}; }
  std::vector<Statement> operator()(const DropIndex& o) const { return {{"DROP INDEX " + d.quote(o.name)}}; }
  std::vector<Statement> operator()(const CreateFulltext& o) const { return create_fulltext(d, o.spec); }
  std::vector<Statement> operator()(const DropFulltext& o) const { return drop_fulltext(d, o.spec.table); }
  std::vector<Statement> operator()(const AddForeignKey& o) const {
    return rebuild_table(d, before, applied(before, op), o.table);
  }
  std::vector<Statement> operator()(const AddCheck& o) const {
    return rebuild_table(d, before, applied(before, op), o.table);
  }

  std::vector<Statement> operator()(const Execute& o) const {
    if (o.skips(DialectKind::sqlite)) return {};
    auto sql = o.for_dialect(DialectKind::sqlite);
    if (!sql) throw UsageError("revision needs SQL for sqlite");
    return {{*sql}};
  }

  std::vector<Statement> operator()(const BulkInsert& o) const {
    if (o.columns.empty()) throw UsageError(fmt::format("bulk_insert into {} names no column", o.table));
    std::string cols;
    for (const auto& c : o.columns) cols += (cols.empty() ? "" : ", ") + d.quote(c);
    std::vector<Statement> out;
    for (std::size_t start = 0; start < o.rows.size(); start += kRowsPerInsert) {
      std::string sql = fmt::format("INSERT INTO {} ({}) VALUES", d.quote(o.table), cols);
      for (std::size_t i = start; i < std::min(o.rows.size(), start + kRowsPerInsert); ++i) {
        const auto& row = o.rows[i];
        if (row.size() != o.columns.size())
          throw UsageError(fmt::format("bulk_insert into {}: row {} has {} values for {} columns", o.table, i + 1,
                                       row.size(), o.columns.size()));
        std::string values;
        for (const auto& v : row) values += (values.empty() ? "" : ", ") + d.literal(v);
        sql += (i == start ? "\n  (" : ",\n  (") + values + ")";
      }
      out.push_back({std::move(sql)});
    }
    return out;
  }

  // Batches between the step's transactions: SQLite has one writer at a time, so a concurrent
  // writer waits for at most one batch (docs/online.md).
  std::vector<Statement> operator()(const Backfill& o) const { return {d.backfill_statement(o, "BIGINT", true)}; }
};

}  // namespace

std::vector<Statement> SqliteDialect::render(const Operation& op, const Schema& before) const {
  return std::visit(Renderer{*this, before, op}, op);
}

}  // namespace tsm::sqlite
