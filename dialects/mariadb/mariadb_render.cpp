// MariaDbDialect::render: one Operation → MariaDB/MySQL 8 statements. DDL is not transactional
// on MariaDB: each statement commits on its own (the executor records progress).
#include <algorithm>

#include <fmt/format.h>

#include "core/base/errors.h"
#include "dialects/mariadb/mariadb_dialect.h"
#include "dialects/mariadb/mariadb_fulltext.h"
#include "dialects/mariadb/mariadb_names.h"
#include "dialects/mariadb/mariadb_normalize.h"
#include "core/base/text.h"

namespace tsm::mariadb {
namespace {

constexpr std::size_t kRowsPerInsert = 500;
const char* const kTableOptions = " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4";

enum class KeyUse { index, unique, primary_key, foreign_key };

bool is_text(const TableSpec& t, const std::string& column) {
  const Column* c = find_column(t, column);
  return c && c->type.kind == TypeKind::text;
}

// The text columns of `t` that some unique key covers: each has a key companion
// (MariaDbDialect::key_companion_definition) while, and only while, that is true.
// `skip_index` leaves one unique index out (the one being dropped).
std::vector<std::string> keyed_text_columns(const TableSpec& t, const std::vector<IndexSpec>& indexes,
                                            const std::string& skip_index = "") {
  std::vector<std::string> out;
  auto add = [&](const std::vector<std::string>& columns) {
    for (const auto& c : columns)
      if (is_text(t, c) && std::find(out.begin(), out.end(), c) == out.end()) out.push_back(c);
  };
  for (const auto& u : t.uniques) add(u.columns);
  for (const auto& ix : indexes)
    if (ix.unique && ix.name != skip_index) add(ix.columns);
  // Column order, so CREATE TABLE lists companions predictably.
  std::vector<std::string> ordered;
  for (const auto& c : t.columns)
    if (std::find(out.begin(), out.end(), c.name) != out.end()) ordered.push_back(c.name);
  return ordered;
}

bool has_companion(const TableModel* model, const std::string& column) {
  if (!model) return false;
  auto keyed = keyed_text_columns(model->spec, model->indexes);
  return std::find(keyed.begin(), keyed.end(), column) != keyed.end();
}

class Renderer {
 public:
  Renderer(const MariaDbDialect& d, const Schema& before) : d_(d), before_(before) {}

  std::vector<Statement> operator()(const CreateTable& op) const { return {{create_table(op.table)}}; }

  // The triggers go with the table; its full-text side table would not.
  std::vector<Statement> operator()(const DropTable& op) const {
    std::vector<Statement> out{{"DROP TABLE " + d_.quote(op.name)}};
    if (fulltext_of(op.name)) out.push_back(drop_fulltext(d_, op.name).back());
    return out;
  }

  // Online clauses (docs/online.md): asked for explicitly, so the server refuses rather than
  // silently copying the table under a lock. Not where it cannot do it online anyway (an
  // AUTO_INCREMENT key). Full-text search lives on a side table (mariadb_fulltext.h), so a
  // searched table keeps its INSTANT column changes.
  std::vector<Statement> operator()(const AddColumn& op) const {
    const Column& c = op.column;
    std::string clause;
    // JSON carries a CHECK (json_valid) that the server validates by copying.
    if (!c.autoincrement && !c.primary_key && c.type.kind != TypeKind::json)
      clause = std::holds_alternative<CurrentTimestamp>(c.server_default.value_or(DefaultValue{}))
                   ? kOnline
                   : kInstant;
    return {{fmt::format("ALTER TABLE {} ADD COLUMN {}{}", d_.quote(op.table), d_.column_definition(op.column, true),
                         clause)}};
  }

  std::vector<Statement> operator()(const DropColumn& op) const {
    std::string companion;
    if (has_companion(before_.table(op.table), op.name))
      companion = fmt::format("DROP COLUMN {}, ", d_.quote(key_companion_name(op.name)));
    // A long unique (the companion's hash) makes the server copy: no online clause then.
    return {{fmt::format("ALTER TABLE {} {}DROP COLUMN {}{}", d_.quote(op.table), companion, d_.quote(op.name),
                         !companion.empty() ? "" : kOnline)}};
  }

  std::vector<Statement> operator()(const AlterColumn& op) const {
    const Column* current = before_.column(op.table, op.name);
    if (!current)
      throw UsageError(fmt::format("alter_column: {}.{} is not in the schema so far", op.table, op.name));
    bool redefine = op.type || op.nullable || op.server_default;
    std::string table = d_.quote(op.table);
    // A renamed column takes its key companion's name along (MariaDB rewrites the expression).
    std::string companion;
    if (op.new_name && has_companion(before_.table(op.table), op.name))
      companion = fmt::format(", RENAME COLUMN {} TO {}", d_.quote(key_companion_name(op.name)),
                              d_.quote(key_companion_name(*op.new_name)));
    if (!redefine) {
      if (!op.new_name) return {};
      return with_searched_rename(op, {{fmt::format("ALTER TABLE {} RENAME COLUMN {} TO {}{}{}", table,
                                                    d_.quote(op.name), d_.quote(*op.new_name), companion,
                                                    !companion.empty() ? "" : kInstant)}});
    }
    // MODIFY/CHANGE replace the whole definition: start from the current column.
    Column changed = *current;
    if (op.type) changed.type = *op.type;
    if (op.nullable) changed.nullable = *op.nullable;
    if (op.server_default) changed.server_default = *op.server_default;
    if (op.new_name) {
      std::string old_name = changed.name;
      changed.name = *op.new_name;
      return with_searched_rename(op, {{fmt::format("ALTER TABLE {} CHANGE COLUMN {} {}{}", table,
                                                    d_.quote(old_name), d_.column_definition(changed, false),
                                                    companion)}});
    }
    // A new default only touches the data dictionary; NULL/NOT NULL rebuilds online. A type
    // change may need a copy: no clause (lint's business).
    const bool same_type = !op.type || *op.type == current->type;
    const char* clause = !same_type || has_companion(before_.table(op.table), op.name) ? ""
                         : op.nullable && *op.nullable != current->nullable ? kOnline
                         : kInstant;
    return {{fmt::format("ALTER TABLE {} MODIFY COLUMN {}{}", table, d_.column_definition(changed, false), clause)}};
  }

  // Full-text objects are named after their table (<table>_fts, ft_<table>, <table>_ai…): they
  // follow it. The old triggers name the old side table, so they go first and come back under the
  // new names; the catch-up covers what was written in between.
  std::vector<Statement> operator()(const RenameTable& op) const {
    const FulltextSpec* ft = fulltext_of(op.from);
    if (!ft) return {{fmt::format("RENAME TABLE {} TO {}", d_.quote(op.from), d_.quote(op.to))}};
    FulltextSpec renamed = *ft;
    renamed.table = op.to;
    auto out = drop_fulltext_triggers(d_, op.from);
    out.push_back({fmt::format("RENAME TABLE {} TO {}, {} TO {}", d_.quote(op.from), d_.quote(op.to),
                               d_.quote(fulltext_side_table(op.from)), d_.quote(fulltext_side_table(op.to)))});
    out.push_back({fmt::format("ALTER TABLE {} RENAME INDEX {} TO {}", d_.quote(fulltext_side_table(op.to)),
                               d_.quote(fulltext_name(op.from)), d_.quote(fulltext_name(op.to)))});
    return with_sync(std::move(out), renamed);
  }

  std::vector<Statement> operator()(const CreateIndex& op) const {
    const IndexSpec& ix = op.index;
    const std::string parts = key_parts(ix.table, ix.columns, ix.unique ? KeyUse::unique : KeyUse::index);
    std::vector<std::string> companions;
    if (const TableModel* t = before_.table(ix.table); t && ix.unique) {
      auto keyed = keyed_text_columns(t->spec, t->indexes);
      for (const auto& c : ix.columns)
        if (is_text(t->spec, c) && std::find(keyed.begin(), keyed.end(), c) == keyed.end() &&
            std::find(companions.begin(), companions.end(), c) == companions.end())
          companions.push_back(c);
    }
    // No partial indexes on MariaDB/MySQL: `where` is dropped and the index covers every row.
    if (companions.empty())
      return {{fmt::format("CREATE {}INDEX {} ON {} ({}){}", ix.unique ? "UNIQUE " : "", d_.quote(ix.name),
                           d_.quote(ix.table), parts, online_index(ix) ? " ALGORITHM=INPLACE LOCK=NONE" : "")}};
    // A unique key over text is a long unique (a hidden hash): the server copies, no online clause.
    std::string sql = "ALTER TABLE " + d_.quote(ix.table);
    for (const auto& c : companions) sql += " ADD COLUMN " + d_.key_companion_definition(c) + ",";
    return {{fmt::format("{} ADD UNIQUE INDEX {} ({})", sql, d_.quote(ix.name), parts)}};
  }

  std::vector<Statement> operator()(const DropIndex& op) const {
    std::vector<std::string> clauses = foreign_keys_losing_their_index(op.table, op.name);
    bool drops_companion = false;
    if (const TableModel* t = before_.table(op.table)) {
      auto now = keyed_text_columns(t->spec, t->indexes);
      auto after = keyed_text_columns(t->spec, t->indexes, op.name);
      for (const auto& c : now)
        if (std::find(after.begin(), after.end(), c) == after.end()) {
          clauses.push_back("DROP COLUMN " + d_.quote(key_companion_name(c)));
          drops_companion = true;
        }
    }
    const bool online = online_index(op.table, op.name) && !drops_companion;
    // DROP INDEX takes no ALGORITHM/LOCK clause on MariaDB (error 1064): the online form is ALTER TABLE.
    if (clauses.empty() && !online) return {{fmt::format("DROP INDEX {} ON {}", d_.quote(op.name), d_.quote(op.table))}};
    // InnoDB refuses to drop the only index serving a foreign key (error 1553): put back the
    // index it would have created itself, named after the constraint, in the same statement.
    std::string sql = fmt::format("ALTER TABLE {} DROP INDEX {}", d_.quote(op.table), d_.quote(op.name));
    for (const auto& add : clauses) sql += ", " + add;
    return {{sql + (online ? kOnline : "")}};
  }

  std::vector<Statement> operator()(const CreateFulltext& op) const { return create_fulltext(d_, op.spec, before_); }

  std::vector<Statement> operator()(const DropFulltext& op) const { return drop_fulltext(d_, op.spec.table); }

  std::vector<Statement> operator()(const AddForeignKey& op) const {
    return {{fmt::format("ALTER TABLE {} ADD {}", d_.quote(op.table), foreign_key(op.table, op.fk))}};
  }

  std::vector<Statement> operator()(const AddCheck& op) const {
    return {{fmt::format("ALTER TABLE {} ADD {}", d_.quote(op.table), check(op.check))}};
  }

  std::vector<Statement> operator()(const Execute& op) const {
    if (op.skips(DialectKind::mariadb)) return {};  // deliberately not for MariaDB
    auto sql = op.for_dialect(DialectKind::mariadb);
    if (!sql) throw UsageError("revision needs SQL for mariadb");
    return {{*sql}};
  }

  // Each batch commits on its own (the step runner's non-transactional path).
  std::vector<Statement> operator()(const Backfill& op) const { return {d_.backfill_statement(op, "SIGNED", false)}; }

  std::vector<Statement> operator()(const BulkInsert& op) const {
    std::vector<Statement> out;
    if (op.rows.empty()) return out;
    std::vector<std::string> cols;
    for (const auto& c : op.columns) cols.push_back(d_.quote(c));
    std::string head = fmt::format("INSERT INTO {} ({}) VALUES ", d_.quote(op.table), join(cols));
    for (std::size_t start = 0; start < op.rows.size(); start += kRowsPerInsert) {
      std::string sql = head;
      std::size_t end = std::min(op.rows.size(), start + kRowsPerInsert);
      for (std::size_t r = start; r < end; ++r) {
        if (op.rows[r].size() != op.columns.size())
          throw UsageError(fmt::format("bulk_insert into {}: row {} has {} values for {} columns", op.table, r + 1,
                                       op.rows[r].size(), op.columns.size()));
        std::vector<std::string> values;
        for (const auto& v : op.rows[r]) values.push_back(d_.literal(v));
        sql += (r == start ? "(" : ", (") + join(values) + ")";
      }
      out.push_back({sql});
    }
    return out;
  }

 private:
  static constexpr const char* kInstant = ", ALGORITHM=INSTANT";
  static constexpr const char* kOnline = ", ALGORITHM=INPLACE, LOCK=NONE";

  const FulltextSpec* fulltext_of(const std::string& table) const {
    const TableModel* t = before_.table(table);
    return t && !t->fulltexts.empty() ? &t->fulltexts.front() : nullptr;
  }

  // `main` between dropping the sync triggers and creating them again for `after`, then the
  // catch-up over rows written in between.
  std::vector<Statement> with_sync(std::vector<Statement> main, const FulltextSpec& after) const {
    for (auto& st : create_fulltext_triggers(d_, after)) main.push_back(std::move(st));
    for (auto& st : fulltext_catch_up(d_, after)) main.push_back(std::move(st));
    return main;
  }

  // A renamed searched (or key) column: the triggers name it, and the side table's column follows.
  std::vector<Statement> with_searched_rename(const AlterColumn& op, std::vector<Statement> main) const {
    const FulltextSpec* ft = fulltext_of(op.table);
    if (!ft || !op.new_name) return main;
    FulltextSpec after = *ft;
    bool searched = false;
    for (auto& c : after.columns)
      if (c == op.name) {
        c = *op.new_name;
        searched = true;
      }
    if (after.key_column == op.name) {
      after.key_column = *op.new_name;
      searched = true;
    }
    if (!searched) return main;
    auto out = drop_fulltext_triggers(d_, op.table);
    for (auto& st : main) out.push_back(std::move(st));
    out.push_back({fmt::format("ALTER TABLE {} RENAME COLUMN {} TO {}", d_.quote(fulltext_side_table(op.table)),
                               d_.quote(op.name), d_.quote(*op.new_name))});
    return with_sync(std::move(out), after);
  }

  // A unique key over TEXT/BLOB is a hidden hash column ("long unique"): the server copies.
  bool online_index(const IndexSpec& ix) const {
    if (!ix.unique) return true;
    const TableModel* t = before_.table(ix.table);
    for (const auto& name : ix.columns) {
      const Column* c = t ? find_column(t->spec, name) : nullptr;
      if (c && !indexable_whole(c->type)) return false;
    }
    return true;
  }
  bool online_index(const std::string& table, const std::string& name) const {
    if (const TableModel* t = before_.table(table))
      for (const auto& ix : t->indexes)
        if (ix.name == name) return online_index(ix);
    return true;
  }

  // Quoted key parts. TEXT/BLOB get a prefix in plain indexes; in unique keys they stay whole
  // (MariaDB 10.4+ enforces them with a hidden hash, "long unique"; MySQL 8 refuses that), a text
  // column through its byte-exact companion; primary and foreign keys cannot use them at all, and
  // JSON is never keyed.
  std::string key_parts(const std::string& table, const std::vector<std::string>& columns, KeyUse use,
                        const TableSpec* spec = nullptr) const {
    if (columns.empty()) throw UsageError("a key on " + table + " needs at least one column");
    if (!spec)
      if (const TableModel* t = before_.table(table)) spec = &t->spec;
    std::vector<std::string> parts;
    for (const auto& name : columns) {
      const Column* c = spec ? find_column(*spec, name) : nullptr;
      std::string part = d_.quote(name);
      if (c && !indexable_whole(c->type)) {
        if (use == KeyUse::unique && c->type.kind != TypeKind::json) {
          parts.push_back(c->type.kind == TypeKind::text ? d_.quote(key_companion_name(name)) : part);
          continue;
        }
        if (use != KeyUse::index || c->type.kind == TypeKind::json)
          throw UsageError(fmt::format(
              "MariaDB cannot use {} column {}.{} in a {}: use string(n) (VARCHAR) for keyed columns",
              type_name(c->type.kind), table, name,
              use == KeyUse::index ? "index" : use == KeyUse::unique ? "unique key"
                                             : use == KeyUse::primary_key ? "primary key" : "foreign key"));
        part += fmt::format("({})", MariaDbDialect::kTextIndexPrefix);
      }
      parts.push_back(part);
    }
    return join(parts);
  }

  std::string foreign_key(const std::string& table, const ForeignKey& fk, const TableSpec* spec = nullptr) const {
    if (fk.on_delete == FkAction::set_default)
      throw UsageError("InnoDB does not support ON DELETE SET DEFAULT (foreign key on " + table + ")");
    std::vector<std::string> refs;
    for (const auto& c : fk.ref_columns) refs.push_back(d_.quote(c));
    return fmt::format("CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {} ({}) ON DELETE {}",
                       d_.quote(foreign_key_name(table, fk)), key_parts(table, fk.columns, KeyUse::foreign_key, spec),
                       d_.quote(fk.ref_table), join(refs), fk_action_sql(fk.on_delete));
  }

  std::string check(const CheckConstraint& c) const {
    if (c.expression.empty()) throw UsageError("check constraint without expression");
    if (c.name.empty()) return "CHECK (" + c.expression + ")";
    return fmt::format("CONSTRAINT {} CHECK ({})", d_.quote(c.name), c.expression);
  }

  std::string create_table(const TableSpec& t) const {
    if (t.columns.empty()) throw UsageError("create_table " + t.name + " needs columns");
    std::vector<std::string> lines;
    bool inline_pk = false;
    for (const auto& c : t.columns) {
      bool pk_here = c.autoincrement;  // AUTO_INCREMENT must be a key: keep it inline
      inline_pk = inline_pk || pk_here;
      lines.push_back(d_.column_definition(c, pk_here));
    }
    for (const auto& c : keyed_text_columns(t, {})) lines.push_back(d_.key_companion_definition(c));
    std::vector<std::string> pk = primary_key_columns(t);
    if (!inline_pk && !pk.empty()) lines.push_back("PRIMARY KEY (" + key_parts(t.name, pk, KeyUse::primary_key, &t) + ")");
    for (const auto& u : t.uniques)
      lines.push_back(fmt::format("CONSTRAINT {} UNIQUE ({})", d_.quote(unique_name(t.name, u)),
                                  key_parts(t.name, u.columns, KeyUse::unique, &t)));
    for (const auto& c : t.checks) lines.push_back(check(c));
    for (const auto& fk : t.foreign_keys) lines.push_back(foreign_key(t.name, fk, &t));
    return fmt::format("CREATE TABLE {} (\n  {}\n){}", d_.quote(t.name), join(lines, ",\n  "), kTableOptions);
  }

  static bool covers(const std::vector<std::string>& key, const std::vector<std::string>& fk_columns) {
    return key.size() >= fk_columns.size() && std::equal(fk_columns.begin(), fk_columns.end(), key.begin());
  }

  // ADD INDEX clauses for foreign keys whose only supporting index is `dropped`.
  std::vector<std::string> foreign_keys_losing_their_index(const std::string& table, const std::string& dropped) const {
    std::vector<std::string> out;
    const TableModel* t = before_.table(table);
    if (!t) return out;
    const IndexSpec* gone = nullptr;
    std::vector<std::vector<std::string>> remaining;
    for (const auto& ix : t->indexes) {
      if (ix.name == dropped) gone = &ix;
      else remaining.push_back(ix.columns);
    }
    if (!gone) return out;
    for (const auto& u : t->spec.uniques) remaining.push_back(u.columns);
    remaining.push_back(primary_key_columns(t->spec));
    for (const auto& fk : t->spec.foreign_keys) {
      if (!covers(gone->columns, fk.columns)) continue;
      bool still_covered = std::any_of(remaining.begin(), remaining.end(),
                                       [&](const auto& key) { return covers(key, fk.columns); });
      if (!still_covered)
        out.push_back(fmt::format("ADD INDEX {} ({})", d_.quote(foreign_key_name(table, fk)),
                                  key_parts(table, fk.columns, KeyUse::foreign_key)));
    }
    return out;
  }

  const MariaDbDialect& d_;
  const Schema& before_;
};

}  // namespace

std::vector<Statement> MariaDbDialect::render(const Operation& op, const Schema& before) const {
  return std::visit(Renderer{*this, before}, op);
}

}  // namespace tsm::mariadb
