// Rules on operations, before anything is rendered: how each operation runs on each dialect
// once rendered by this tool (issue 14's online forms). PostgreSQL: create_index CONCURRENTLY,
// add_foreign_key/add_check NOT VALID + VALIDATE, nullable=false through a validated CHECK,
// create_fulltext as an expression GIN index built CONCURRENTLY, add_column with a constant
// default instant. MariaDB: ALGORITHM=INSTANT/INPLACE, LOCK=NONE where the server can (columns
// INSTANT, indexes INPLACE, foreign keys INPLACE with foreign_key_checks=0), create_fulltext on a
// side table synced by triggers (the table keeps its INSTANT column changes). SQLite: one
// writer; every DDL holds the write lock for its duration
// and alter_column / add_foreign_key / add_check (and some add/drop column) rebuild the table.
//
// A new operation is one more operator() below (the visitor has no catch-all on purpose).
#include <fmt/format.h>

#include "core/lint/hits.h"

namespace tsm::lint {
namespace {

using Scale = Hit::Scale;

// SQLite ALTER TABLE ADD COLUMN refuses a key column and a non-constant default (the rebuild
// takes over); NOT NULL without a default is TM105's business.
bool sqlite_adds_natively(const Column& c) {
  if (c.primary_key || c.autoincrement) return false;
  return !(c.server_default && std::holds_alternative<CurrentTimestamp>(*c.server_default));
}

// SQLite DROP COLUMN (3.35+) refuses a column that a key, index, check or FTS uses (rebuild then).
bool sqlite_drops_natively(const Schema& before, const std::string& table, const std::string& column) {
  const TableModel* t = before.table(table);
  if (!t) return true;
  auto uses = [&](const std::vector<std::string>& cols) {
    for (const auto& c : cols)
      if (c == column) return true;
    return false;
  };
  if (uses(t->spec.primary_key)) return false;
  for (const auto& c : t->spec.columns)
    if (c.name == column && c.primary_key) return false;
  for (const auto& u : t->spec.uniques)
    if (uses(u.columns)) return false;
  for (const auto& fk : t->spec.foreign_keys)
    if (uses(fk.columns)) return false;
  for (const auto& ix : t->indexes)
    if (uses(ix.columns)) return false;
  for (const auto& ft : t->fulltexts)
    if (uses(ft.columns)) return false;
  return t->spec.checks.empty();  // a check's expression may name it: rebuild to be safe
}

Hit sqlite_rebuild(const std::string& table, const std::string& why) {
  return {"TM102", table, fmt::format("{}: SQLite rebuilds the table (copies every row) under the write lock", why),
          {Effect::rewrites_table, Effect::blocks_writes}, Work::rewrite, Scale::time};
}

class OpRules {
 public:
  OpRules(const Schema& before, RevisionContext& ctx) : before_(before), ctx_(ctx) {}

  std::vector<Hit> operator()(const CreateTable& o) const {
    ctx_.created.insert(o.table.name);
    return {};
  }
  std::vector<Hit> operator()(const DropTable& o) const {
    if (ctx_.fresh(o.name)) return {};
    return {{"TM201", o.name, fmt::format("drop_table {} deletes every row", o.name),
             {Effect::destroys_data, Effect::breaks_old_release}}};
  }
  std::vector<Hit> operator()(const AddColumn& o) const {
    if (ctx_.fresh(o.table)) return {};
    const Column& c = o.column;
    std::vector<Hit> out;
    if (!c.nullable && !c.server_default && !c.autoincrement)
      out.push_back({"TM105", o.table,
                     fmt::format("add_column {}.{} NOT NULL without a default: existing rows have no value", o.table,
                                 c.name),
                     {Effect::fails_on_rows, Effect::breaks_old_release}, Work::none, Scale::rows});
    if (ctx_.dialect == DialectKind::sqlite && !sqlite_adds_natively(c))
      out.push_back(sqlite_rebuild(o.table, fmt::format("add_column {}.{} (key or non-constant default)", o.table, c.name)));
    return out;  // PostgreSQL / MariaDB: nullable or constant default → instant
  }
  std::vector<Hit> operator()(const DropColumn& o) const {
    if (ctx_.fresh(o.table)) return {};
    std::vector<Hit> out{{"TM202", o.table, fmt::format("drop_column {}.{} deletes the column's data", o.table, o.name),
                          {Effect::destroys_data, Effect::breaks_old_release}}};
    if (ctx_.dialect == DialectKind::sqlite && !sqlite_drops_natively(before_, o.table, o.name))
      out.push_back(sqlite_rebuild(o.table, fmt::format("drop_column {}.{} (the column is keyed or indexed)", o.table, o.name)));
    return out;
  }
  std::vector<Hit> operator()(const AlterColumn& o) const {
    if (ctx_.fresh(o.table)) return {};
    std::vector<Hit> out;
    const std::string name = fmt::format("{}.{}", o.table, o.name);
    if (o.new_name)
      out.push_back({"TM204", o.table, fmt::format("alter_column renames {} to {}", name, *o.new_name),
                     {Effect::breaks_old_release}});
    const Column* current = before_.column(o.table, o.name);
    if (o.type && (!current || current->type != *o.type))
      out.push_back({"TM107", o.table,
                     fmt::format("alter_column changes the type of {} to {}: every row is rewritten under an "
                                 "exclusive lock",
                                 name, type_name(o.type->kind)),
                     {Effect::rewrites_table, Effect::blocks_writes, Effect::breaks_old_release}, Work::rewrite});
    if (ctx_.dialect == DialectKind::sqlite) {
      if (out.empty() || o.nullable || o.server_default) out.push_back(sqlite_rebuild(o.table, "alter_column " + name));
      return out;
    }
    if (ctx_.dialect == DialectKind::mariadb && o.nullable && !o.type)
      // MODIFY … NULL/NOT NULL: INPLACE rebuild with LOCK=NONE — writers continue, the table is copied.
      out.push_back({"TM102", o.table,
                     fmt::format("alter_column {} nullable={}: MariaDB rebuilds the table online (INPLACE, "
                                 "LOCK=NONE)",
                                 name, *o.nullable ? "true" : "false"),
                     {Effect::rewrites_table}, Work::rewrite, Scale::rows});
    return out;  // PostgreSQL: SET NOT NULL after a validated CHECK; defaults are metadata only
  }
  std::vector<Hit> operator()(const RenameTable& o) const {
    if (ctx_.fresh(o.from)) {  // a staging table of this revision takes its final name
      ctx_.created.insert(o.to);
      return {};
    }
    return {{"TM203", o.from, fmt::format("rename_table {} to {}", o.from, o.to), {Effect::breaks_old_release}}};
  }
  std::vector<Hit> operator()(const CreateIndex& o) const {
    const IndexSpec& ix = o.index;
    if (ctx_.fresh(ix.table)) return {};
    if (ctx_.dialect == DialectKind::postgresql && !ctx_.online_in_pieces) return {one_transaction(ix.table, "create_index " + ix.name)};
    if (ctx_.dialect != DialectKind::sqlite) return {};  // CONCURRENTLY / INPLACE
    return {{"TM101", ix.table,
             fmt::format("create_index {}: SQLite holds the write lock while it reads every row of {}", ix.name,
                         ix.table),
             {Effect::blocks_writes}, Work::index_build, Scale::time}};
  }
  std::vector<Hit> operator()(const DropIndex&) const { return {}; }
  std::vector<Hit> operator()(const CreateFulltext& o) const {
    const std::string& t = o.spec.table;
    if (ctx_.fresh(t)) return {};
    switch (ctx_.dialect) {
      case DialectKind::postgresql:  // expression GIN index, CONCURRENTLY (when the revision allows it)
        if (!ctx_.online_in_pieces) return {one_transaction(t, "create_fulltext " + t)};
        return {};
      case DialectKind::mariadb:  // side table filled in batches, FULLTEXT built before the sync triggers
        return {};
      case DialectKind::sqlite:
        return {{"TM103", t,
                 fmt::format("create_fulltext {}: SQLite fills the FTS5 index from every row under the write lock", t),
                 {Effect::blocks_writes}, Work::fulltext_build, Scale::time}};
    }
    return {};
  }
  std::vector<Hit> operator()(const DropFulltext&) const { return {}; }
  std::vector<Hit> operator()(const AddForeignKey& o) const {
    if (ctx_.fresh(o.table) || ctx_.dialect != DialectKind::sqlite) return {};  // NOT VALID / INPLACE
    return {sqlite_rebuild(o.table, fmt::format("add_foreign_key on {}", o.table))};
  }
  std::vector<Hit> operator()(const AddCheck& o) const {
    if (ctx_.fresh(o.table)) return {};
    switch (ctx_.dialect) {
      case DialectKind::postgresql: return {};  // NOT VALID + VALIDATE
      case DialectKind::mariadb:
        return {{"TM104", o.table,
                 fmt::format("add_check on {}: MariaDB checks every row with ALGORITHM=COPY, writes wait", o.table),
                 {Effect::blocks_writes, Effect::rewrites_table}, Work::rewrite, Scale::time}};
      case DialectKind::sqlite: return {sqlite_rebuild(o.table, fmt::format("add_check on {}", o.table))};
    }
    return {};
  }
  std::vector<Hit> operator()(const Execute& o) const {
    if (o.skips(ctx_.dialect)) return {};
    auto sql = o.for_dialect(ctx_.dialect);
    return sql ? sql_hits(*sql, ctx_) : std::vector<Hit>{};  // no SQL at all: rendering says so
  }
  std::vector<Hit> operator()(const BulkInsert&) const { return {}; }  // literal seed rows, a few at most
  // The safe form of a data change: key-range batches of about target_batch_ms, resumable.
  std::vector<Hit> operator()(const Backfill&) const { return {}; }

 private:
  // PostgreSQL: the revision cannot commit in pieces, so the index is built without CONCURRENTLY.
  Hit one_transaction(const std::string& table, const std::string& what) const {
    return {"TM101", table,
            fmt::format("{}: the revision also creates, drops or renames a table, renames or retypes a column, "
                        "or runs raw SQL or seed rows, so it runs as one transaction and builds the index "
                        "without CONCURRENTLY while writes to {} wait (move the index to a revision of its own)",
                        what, table),
            {Effect::blocks_writes}, Work::index_build, Scale::time};
  }

  const Schema& before_;
  RevisionContext& ctx_;
};

}  // namespace

std::vector<Hit> op_hits(const Operation& op, const Schema& before, RevisionContext& ctx) {
  return std::visit(OpRules(before, ctx), op);
}

}  // namespace tsm::lint
