// PostgreSQL DDL for every operation of core/model/ops.h. No trailing semicolons.
#include <algorithm>

#include <fmt/format.h>

#include "core/base/errors.h"
#include "dialects/postgresql/postgresql_describe.h"
#include "dialects/postgresql/postgresql_dialect.h"
#include "dialects/postgresql/postgresql_fulltext.h"
#include "core/base/text.h"

namespace tsm::postgresql {
namespace {

std::string quoted_list(const PostgresDialect& d, const std::vector<std::string>& names) {
  std::vector<std::string> q;
  for (auto& n : names) q.push_back(d.quote(n));
  return join(q, ", ");
}

std::string fk_clause(const PostgresDialect& d, const std::string& table, const ForeignKey& fk) {
  std::string out = fmt::format("CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {} ({})", d.quote(foreign_key_name(table, fk)),
                                quoted_list(d, fk.columns), d.quote(fk.ref_table), quoted_list(d, fk.ref_columns));
  if (fk.on_delete != FkAction::no_action) out += std::string(" ON DELETE ") + fk_action_sql(fk.on_delete);
  return out;
}

std::string check_clause(const PostgresDialect& d, const CheckConstraint& c) {
  if (c.expression.empty()) throw UsageError("check constraint without an expression");
  std::string head = c.name.empty() ? "" : "CONSTRAINT " + d.quote(c.name) + " ";
  return head + "CHECK (" + c.expression + ")";
}

std::vector<std::string> primary_key_of(const TableSpec& t) {
  if (!t.primary_key.empty()) return t.primary_key;
  std::vector<std::string> pk;
  for (auto& c : t.columns)
    if (c.primary_key || c.autoincrement) pk.push_back(c.name);
  return pk;
}

const Column& column_in(const Schema& before, const std::string& table, const std::string& name) {
  const Column* c = before.column(table, name);
  if (!c) throw UsageError(fmt::format("unknown column {}.{}", table, name));
  return *c;
}

struct Renderer {
  const PostgresDialect& d;
  const Schema& before;
  using Out = std::vector<Statement>;

  Out operator()(const CreateTable& op) const {
    const TableSpec& t = op.table;
    if (t.columns.empty()) throw UsageError(fmt::format("table {} has no columns", t.name));
    std::vector<std::string> parts;
    for (auto& c : t.columns) parts.push_back(d.column_definition(c));
    auto pk = primary_key_of(t);
    if (!pk.empty()) parts.push_back(fmt::format("CONSTRAINT {} PRIMARY KEY ({})", d.quote("pk_" + t.name), quoted_list(d, pk)));
    for (auto& u : t.uniques) {
      std::string name = unique_name(t.name, u);
      parts.push_back(fmt::format("CONSTRAINT {} UNIQUE ({})", d.quote(name), quoted_list(d, u.columns)));
    }
    for (auto& c : t.checks) parts.push_back(check_clause(d, c));
    for (auto& fk : t.foreign_keys) parts.push_back(fk_clause(d, t.name, fk));
    return {{fmt::format("CREATE TABLE {} (\n  {}\n)", d.quote(t.name), join(parts, ",\n  "))}};
  }

  Out operator()(const DropTable& op) const { return {{"DROP TABLE " + d.quote(op.name)}}; }

  Out operator()(const AddColumn& op) const {
    std::string def = d.column_definition(op.column);
    if (op.column.primary_key || op.column.autoincrement)
      def += " CONSTRAINT " + d.quote("pk_" + op.table) + " PRIMARY KEY";
    // IF NOT EXISTS: a revision with an online statement is not one transaction; its rerun
    // after a failure repeats what already committed (docs/online.md).
    return {{fmt::format("ALTER TABLE {} ADD COLUMN IF NOT EXISTS {}", d.quote(op.table), def)}};
  }

  Out operator()(const DropColumn& op) const {
    return {{fmt::format("ALTER TABLE {} DROP COLUMN IF EXISTS {}", d.quote(op.table), d.quote(op.name))}};
  }

  Out operator()(const AlterColumn& op) const {
    const Column& old = column_in(before, op.table, op.name);
    std::string alter = fmt::format("ALTER TABLE {} ALTER COLUMN {} ", d.quote(op.table), d.quote(op.name));
    Out out;
    ColumnType type = op.type ? *op.type : old.type;
    bool type_changes = op.type && *op.type != old.type;
    // An old default may not cast to the new type: drop it first, then set it again for the new type.
    std::optional<std::optional<DefaultValue>> new_default = op.server_default;
    if (type_changes && old.server_default) {
      out.push_back({alter + "DROP DEFAULT"});
      if (!new_default) new_default = old.server_default;
    }
    if (op.type) {
      std::string native = d.native_type(*op.type);
      out.push_back({alter + fmt::format("TYPE {} USING {}::{}", native, d.quote(op.name), native)});
    }
    if (op.nullable && !*op.nullable && !type_changes) {
      set_not_null(op.table, op.name, out);
    } else if (op.nullable) {
      out.push_back({alter + (*op.nullable ? "DROP NOT NULL" : "SET NOT NULL")});
    }
    if (new_default) {
      if (*new_default)
        out.push_back({alter + "SET DEFAULT " + d.default_sql(type, **new_default)});
      else if (!(type_changes && old.server_default))  // already dropped above
        out.push_back({alter + "DROP DEFAULT"});
    }
    if (op.new_name && *op.new_name != op.name) {
      out.push_back({fmt::format("ALTER TABLE {} RENAME COLUMN {} TO {}", d.quote(op.table), d.quote(op.name),
                                 d.quote(*op.new_name))});
      // A trigram index is named after its column: keep it the name FulltextSpec promises.
      if (const TableModel* t = before.table(op.table))
        for (const FulltextSpec& fts : t->fulltexts)
          if (fts.options.trigram && std::count(fts.columns.begin(), fts.columns.end(), op.name))
            out.push_back({fmt::format("ALTER INDEX {} RENAME TO {}", d.quote("ix_" + op.table + "_" + op.name + "_trgm"),
                                       d.quote("ix_" + op.table + "_" + *op.new_name + "_trgm"))});
    }
    return out;
  }

  // Derived FTS index names carry the table name: rename them with the table so they stay
  // what FulltextSpec promises (and what `check` expects).
  Out operator()(const RenameTable& op) const {
    Out out{{fmt::format("ALTER TABLE {} RENAME TO {}", d.quote(op.from), d.quote(op.to))}};
    if (const TableModel* t = before.table(op.from)) {
      for (const FulltextSpec& fts : t->fulltexts) {
        FulltextSpec renamed = fts;
        renamed.table = op.to;
        auto old_names = fulltext_index_names(fts), new_names = fulltext_index_names(renamed);
        for (std::size_t i = 0; i < old_names.size(); ++i)
          out.push_back({fmt::format("ALTER INDEX {} RENAME TO {}", d.quote(old_names[i]), d.quote(new_names[i]))});
      }
    }
    return out;
  }

  // CONCURRENTLY, outside the transaction: writers keep going while it builds. A build that
  // failed or was killed leaves an INVALID index of that name: drop it first (a no-op otherwise),
  // so a rerun simply builds again. On a table created in the same revision (or under
  // --single-transaction) the step runner uses the plain forms instead.
  Out operator()(const CreateIndex& op) const {
    const IndexSpec& ix = op.index;
    if (ix.columns.empty()) throw UsageError(fmt::format("index {} has no columns", ix.name));
    auto create = [&](const char* how) {
      std::string sql = fmt::format("CREATE {}INDEX {}{} ON {} ({})", ix.unique ? "UNIQUE " : "", how, d.quote(ix.name),
                                    d.quote(ix.table), quoted_list(d, ix.columns));
      if (!ix.where.empty()) sql += " WHERE " + ix.where;
      return sql;
    };
    return {online("DROP INDEX CONCURRENTLY IF EXISTS " + d.quote(ix.name), "DROP INDEX IF EXISTS " + d.quote(ix.name),
                   ix.table),
            online(create("CONCURRENTLY "), create(""), ix.table)};
  }

  Out operator()(const DropIndex& op) const { return {{"DROP INDEX IF EXISTS " + d.quote(op.name)}}; }

  Out operator()(const CreateFulltext& op) const { return render_create_fulltext(d, op.spec, before); }
  Out operator()(const DropFulltext& op) const { return render_drop_fulltext(d, op.spec); }

  // NOT VALID takes its lock only for a moment; VALIDATE scans under SHARE UPDATE EXCLUSIVE
  // (writers go on), committed between the two so the first lock is gone.
  Out operator()(const AddForeignKey& op) const {
    const std::string name = d.quote(foreign_key_name(op.table, op.fk));
    return {{fmt::format("ALTER TABLE {} DROP CONSTRAINT IF EXISTS {}", d.quote(op.table), name)},
            {fmt::format("ALTER TABLE {} ADD {} NOT VALID", d.quote(op.table), fk_clause(d, op.table, op.fk))},
            validate(op.table, name)};
  }

  Out operator()(const AddCheck& op) const {
    const std::string add = fmt::format("ALTER TABLE {} ADD {}", d.quote(op.table), check_clause(d, op.check));
    if (op.check.name.empty()) return {{add}};  // no name to VALIDATE by
    return {{fmt::format("ALTER TABLE {} DROP CONSTRAINT IF EXISTS {}", d.quote(op.table), d.quote(op.check.name))},
            {add + " NOT VALID"},
            validate(op.table, d.quote(op.check.name))};
  }

  Out operator()(const Execute& op) const {
    if (op.skips(DialectKind::postgresql)) return {};
    auto sql = op.for_dialect(DialectKind::postgresql);
    if (!sql) throw UsageError("revision needs SQL for postgresql");
    return {{*sql}};
  }

  Out operator()(const Backfill& op) const { return {d.backfill_statement(op, "BIGINT", true)}; }

  Out operator()(const BulkInsert& op) const {
    if (op.rows.empty()) return {};
    // Integer 0/1 into a boolean column (the legacy data shape) becomes FALSE/TRUE.
    std::vector<bool> is_bool;
    for (auto& c : op.columns) {
      const Column* col = before.column(op.table, c);
      is_bool.push_back(col && col->type.kind == TypeKind::boolean);
    }
    constexpr std::size_t batch = 500;
    Out out;
    for (std::size_t start = 0; start < op.rows.size(); start += batch) {
      std::vector<std::string> tuples;
      for (std::size_t r = start; r < std::min(op.rows.size(), start + batch); ++r) {
        const auto& row = op.rows[r];
        if (row.size() != op.columns.size())
          throw UsageError(fmt::format("bulk_insert into {}: row {} has {} values for {} columns", op.table, r + 1,
                                       row.size(), op.columns.size()));
        std::vector<std::string> values;
        for (std::size_t i = 0; i < row.size(); ++i) {
          auto n = std::get_if<std::int64_t>(&row[i]);
          if (is_bool[i] && n && (*n == 0 || *n == 1))
            values.push_back(*n ? "TRUE" : "FALSE");
          else
            values.push_back(d.literal(row[i]));
        }
        tuples.push_back("(" + join(values, ", ") + ")");
      }
      out.push_back({fmt::format("INSERT INTO {} ({}) VALUES\n  {}", d.quote(op.table), quoted_list(d, op.columns),
                                 join(tuples, ",\n  "))});
    }
    return out;
  }

 private:
  static Statement online(std::string sql, std::string plain, const std::string& table) {
    Statement st{std::move(sql)};
    st.in_transaction = false;
    st.plain_form = std::move(plain);
    st.table = table;
    return st;
  }

  Statement validate(const std::string& table, const std::string& quoted_name) const {
    std::string sql = fmt::format("ALTER TABLE {} VALIDATE CONSTRAINT {}", d.quote(table), quoted_name);
    return online(sql, sql, table);
  }

  // SET NOT NULL scans under ACCESS EXCLUSIVE unless a validated CHECK (col IS NOT NULL) already
  // proves it (PostgreSQL 12+): add one NOT VALID, validate it online, set, drop the helper.
  void set_not_null(const std::string& table, const std::string& column, Out& out) const {
    const std::string check = d.quote(not_null_check_name(table, column));
    const std::string t = d.quote(table);
    out.push_back({fmt::format("ALTER TABLE {} DROP CONSTRAINT IF EXISTS {}", t, check)});
    out.push_back({fmt::format("ALTER TABLE {} ADD CONSTRAINT {} CHECK ({} IS NOT NULL) NOT VALID", t, check, d.quote(column))});
    out.push_back(validate(table, check));
    out.push_back({fmt::format("ALTER TABLE {} ALTER COLUMN {} SET NOT NULL", t, d.quote(column))});
    out.push_back({fmt::format("ALTER TABLE {} DROP CONSTRAINT {}", t, check)});
  }
};

}  // namespace

std::vector<Statement> PostgresDialect::render(const Operation& op, const Schema& before) const {
  return std::visit(Renderer{*this, before}, op);
}

}  // namespace tsm::postgresql
