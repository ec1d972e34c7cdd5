#include "core/model/ops.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "core/base/errors.h"
#include "core/base/text.h"

// Names are not validated here: a dialect checks them at render time, where its limits are known.
namespace tsm {

namespace col {
namespace {
Column make(const std::string& name, TypeKind kind, int length = 0) {
  Column c;
  c.name = name;
  c.type = ColumnType{kind, length};
  return c;
}
}  // namespace

Column id(const std::string& name) {
  Column c = make(name, TypeKind::big_integer);
  c.autoincrement = true;
  c.pk();
  return c;
}
Column integer(const std::string& name) { return make(name, TypeKind::integer); }
Column big_integer(const std::string& name) { return make(name, TypeKind::big_integer); }
Column boolean(const std::string& name) { return make(name, TypeKind::boolean); }
Column real(const std::string& name) { return make(name, TypeKind::real); }
Column double_(const std::string& name) { return make(name, TypeKind::double_); }
Column text(const std::string& name) { return make(name, TypeKind::text); }
Column string(const std::string& name, int length) { return make(name, TypeKind::string, length); }
Column timestamp(const std::string& name) { return make(name, TypeKind::timestamp); }
Column date(const std::string& name) { return make(name, TypeKind::date); }
Column blob(const std::string& name) { return make(name, TypeKind::blob); }
Column json(const std::string& name) { return make(name, TypeKind::json); }
}  // namespace col

std::optional<std::string> Execute::for_dialect(DialectKind d) const {
  if (skips(d)) return std::nullopt;
  auto it = per_dialect.find(d);
  if (it != per_dialect.end()) return it->second;
  return generic;
}

namespace {

std::string type_text(const ColumnType& t) {
  if (t.kind == TypeKind::string) return fmt::format("string({})", t.length);
  return type_name(t.kind);
}

// First line of a statement, shortened: enough to recognise it in a log.
std::string sql_summary(const std::string& sql) {
  auto begin = std::find_if(sql.begin(), sql.end(), [](unsigned char c) { return !std::isspace(c); });
  std::string line(begin, std::find(begin, sql.end(), '\n'));
  while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.pop_back();
  constexpr std::size_t max = 60;
  if (line.size() > max) line = line.substr(0, max) + "...";
  return line;
}

bool blank(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isspace(c); });
}

struct Describer {
  std::string operator()(const CreateTable& o) const { return "create_table " + o.table.name; }
  std::string operator()(const DropTable& o) const { return "drop_table " + o.name; }
  std::string operator()(const AddColumn& o) const { return fmt::format("add_column {}.{}", o.table, o.column.name); }
  std::string operator()(const DropColumn& o) const { return fmt::format("drop_column {}.{}", o.table, o.name); }
  std::string operator()(const AlterColumn& o) const {
    std::vector<std::string> parts;
    if (o.type) parts.push_back("type " + type_text(*o.type));
    if (o.nullable) parts.push_back(*o.nullable ? "null" : "not null");
    if (o.server_default) parts.push_back(*o.server_default ? "default changed" : "default dropped");
    if (o.new_name) parts.push_back("rename to " + *o.new_name);
    std::string text = fmt::format("alter_column {}.{}", o.table, o.name);
    return parts.empty() ? text : fmt::format("{} ({})", text, join(parts));
  }
  std::string operator()(const RenameTable& o) const { return fmt::format("rename_table {} to {}", o.from, o.to); }
  std::string operator()(const CreateIndex& o) const {
    return fmt::format("create_index {} on {} ({}){}", o.index.name, o.index.table, join(o.index.columns),
                       o.index.unique ? " unique" : "");
  }
  std::string operator()(const DropIndex& o) const { return fmt::format("drop_index {} on {}", o.name, o.table); }
  std::string operator()(const CreateFulltext& o) const {
    return fmt::format("create_fulltext {} ({})", o.spec.table, join(o.spec.columns));
  }
  std::string operator()(const DropFulltext& o) const {
    return fmt::format("drop_fulltext {} ({})", o.spec.table, join(o.spec.columns));
  }
  std::string operator()(const AddForeignKey& o) const {
    return fmt::format("add_foreign_key {} ({}) -> {} ({})", o.table, join(o.fk.columns), o.fk.ref_table,
                       join(o.fk.ref_columns));
  }
  std::string operator()(const AddCheck& o) const {
    return o.check.name.empty() ? "add_check " + o.table : fmt::format("add_check {} {}", o.table, o.check.name);
  }
  std::string operator()(const Execute& o) const {
    if (o.generic) return "execute " + sql_summary(*o.generic);
    if (!o.per_dialect.empty()) {
      const auto& [kind, sql] = *o.per_dialect.begin();
      return fmt::format("execute [{}] {}", dialect_name(kind), sql_summary(sql));
    }
    return "execute";
  }
  std::string operator()(const BulkInsert& o) const {
    return fmt::format("bulk_insert {} ({} row{})", o.table, o.rows.size(), o.rows.size() == 1 ? "" : "s");
  }
  std::string operator()(const Backfill& o) const {
    return fmt::format("backfill {} set {}{}", o.table, sql_summary(o.set),
                       o.options.where.empty() ? "" : " where " + sql_summary(o.options.where));
  }
};

}  // namespace

std::string describe(const Operation& op) { return std::visit(Describer{}, op); }

void Ops::create_table(const std::string& name, std::vector<Column> columns, std::function<void(TableSpec&)> more) {
  TableSpec spec;
  spec.name = name;
  spec.columns = std::move(columns);
  if (more) more(spec);
  ops_.push_back(CreateTable{std::move(spec)});
}

void Ops::create_table(TableSpec spec) { ops_.push_back(CreateTable{std::move(spec)}); }

// No restore spec: writing the inverse (a create_table in downgrade) is the revision author's job.
void Ops::drop_table(const std::string& name) { ops_.push_back(DropTable{name, std::nullopt}); }

void Ops::add_column(const std::string& table, Column column) { ops_.push_back(AddColumn{table, std::move(column)}); }

void Ops::drop_column(const std::string& table, const std::string& name) { ops_.push_back(DropColumn{table, name}); }

void Ops::alter_column(AlterColumn change) { ops_.push_back(std::move(change)); }

void Ops::rename_table(const std::string& from, const std::string& to) { ops_.push_back(RenameTable{from, to}); }

void Ops::create_index(const std::string& name, const std::string& table, std::vector<std::string> columns,
                       bool unique, const std::string& where) {
  ops_.push_back(CreateIndex{IndexSpec{name, table, std::move(columns), unique, where}});
}

void Ops::drop_index(const std::string& name, const std::string& table) { ops_.push_back(DropIndex{name, table}); }

void Ops::create_fulltext(const std::string& table, std::vector<std::string> columns, FulltextOptions options,
                          const std::string& key_column) {
  ops_.push_back(CreateFulltext{FulltextSpec{table, std::move(columns), key_column, std::move(options)}});
}

void Ops::drop_fulltext(const std::string& table, std::vector<std::string> columns, FulltextOptions options,
                        const std::string& key_column) {
  ops_.push_back(DropFulltext{FulltextSpec{table, std::move(columns), key_column, std::move(options)}});
}

void Ops::add_foreign_key(const std::string& table, ForeignKey fk) { ops_.push_back(AddForeignKey{table, std::move(fk)}); }

void Ops::add_check(const std::string& table, CheckConstraint check) {
  ops_.push_back(AddCheck{table, std::move(check)});
}

void Ops::execute(const std::string& generic_sql) {
  Execute e;
  e.generic = generic_sql;
  execute_statement(std::move(e));
}

void Ops::execute(std::map<DialectKind, std::string> per_dialect_sql) {
  Execute e;
  e.per_dialect = std::move(per_dialect_sql);
  execute_statement(std::move(e));
}

// An Execute must carry SQL: a blank one is a revision bug, caught when the revision is recorded.
void Ops::execute_statement(Execute statement) {
  if (statement.generic && blank(*statement.generic))
    throw UsageError("execute: the SQL text is empty");
  for (const auto& [kind, sql] : statement.per_dialect)
    if (blank(sql)) throw UsageError(fmt::format("execute: the {} SQL text is empty", dialect_name(kind)));
  if (!statement.generic && statement.per_dialect.empty())
    throw UsageError("execute: no SQL given (neither generic nor for any dialect)");
  ops_.push_back(std::move(statement));
}

void Ops::backfill(const std::string& table, const std::string& set, BackfillOptions options) {
  if (blank(set)) throw UsageError("backfill " + table + ": the SET list is empty");
  if (options.first_batch_rows < 1 || options.target_batch_ms < 1 || options.pause_percent < 0)
    throw UsageError("backfill " + table + ": batch rows and target time must be positive");
  ops_.push_back(Backfill{table, set, std::move(options)});
}

void Ops::bulk_insert(const std::string& table, std::vector<std::string> columns, std::vector<std::vector<Value>> rows) {
  ops_.push_back(BulkInsert{table, std::move(columns), std::move(rows)});
}

}  // namespace tsm
