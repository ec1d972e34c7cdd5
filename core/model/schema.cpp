#include "core/model/schema.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "core/base/errors.h"
#include "core/base/text.h"

namespace tsm {
namespace {

bool contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

void rename_in(std::vector<std::string>& names, const std::string& from, const std::string& to) {
  std::replace(names.begin(), names.end(), from, to);
}

// Replays operations on a Schema; every refusal names the operation, so a revision bug reads as
// "add_column log_entries.ml_score: table log_entries does not exist".
class Applier {
 public:
  Applier(Schema& schema, const Operation& op) : s_(schema), op_(op) {}

  [[noreturn]] void fail(const std::string& why) const { throw UsageError(describe(op_) + ": " + why); }

  TableModel& table(const std::string& name) {
    auto it = s_.tables.find(name);
    if (it == s_.tables.end()) fail(fmt::format("table {} does not exist", name));
    return it->second;
  }

  Column& column(TableModel& t, const std::string& name) {
    for (auto& c : t.spec.columns)
      if (c.name == name) return c;
    fail(fmt::format("column {}.{} does not exist", t.spec.name, name));
  }

  void require_columns(TableModel& t, const std::vector<std::string>& names, const char* what) {
    if (names.empty()) fail(fmt::format("{} has no columns", what));
    for (const auto& n : names)
      if (!has_column(t, n)) fail(fmt::format("{} names column {}.{}, which does not exist", what, t.spec.name, n));
  }

  static bool has_column(const TableModel& t, const std::string& name) {
    return std::any_of(t.spec.columns.begin(), t.spec.columns.end(), [&](const Column& c) { return c.name == name; });
  }

  // Index names are unique per schema on PostgreSQL and SQLite, so the model enforces it everywhere.
  const IndexSpec* find_index(const std::string& name) const {
    for (const auto& [_, t] : s_.tables)
      for (const auto& i : t.indexes)
        if (i.name == name) return &i;
    return nullptr;
  }

  void operator()(const CreateTable& o) {
    const TableSpec& spec = o.table;
    if (s_.tables.count(spec.name)) fail(fmt::format("table {} already exists", spec.name));
    if (spec.columns.empty()) fail("a table needs at least one column");
    TableModel model;
    model.spec = spec;
    std::set<std::string> seen;
    for (const auto& c : spec.columns)
      if (!seen.insert(c.name).second) fail(fmt::format("column {} is given twice", c.name));
    for (const auto& n : spec.primary_key)
      if (!seen.count(n)) fail(fmt::format("primary key names column {}, which does not exist", n));
    for (const auto& u : spec.uniques) require_columns(model, u.columns, "a unique constraint");
    for (const auto& fk : spec.foreign_keys) check_foreign_key(model, fk, &model);
    s_.tables.emplace(spec.name, std::move(model));
  }

  void operator()(const DropTable& o) {
    table(o.name);
    for (const auto& [name, t] : s_.tables)
      for (const auto& fk : t.spec.foreign_keys)
        if (name != o.name && fk.ref_table == o.name)
          fail(fmt::format("table {} still has a foreign key to it (drop that first)", name));
    s_.tables.erase(o.name);
  }

  void operator()(const AddColumn& o) {
    TableModel& t = table(o.table);
    if (has_column(t, o.column.name)) fail(fmt::format("column {}.{} already exists", o.table, o.column.name));
    t.spec.columns.push_back(o.column);
  }

  void operator()(const DropColumn& o) {
    TableModel& t = table(o.table);
    column(t, o.name);
    auto in_use = [&](const std::string& what) { fail(fmt::format("the column is still used by {} (drop it first)", what)); };
    if (contains(t.spec.primary_key, o.name)) in_use("the primary key");
    for (const auto& c : t.spec.columns)
      if (c.name == o.name && c.primary_key) in_use("the primary key");
    for (const auto& i : t.indexes)
      if (contains(i.columns, o.name)) in_use("index " + i.name);
    for (const auto& u : t.spec.uniques)
      if (contains(u.columns, o.name)) in_use(u.name.empty() ? "a unique constraint" : "unique constraint " + u.name);
    for (const auto& fk : t.spec.foreign_keys)
      if (contains(fk.columns, o.name)) in_use("a foreign key to " + fk.ref_table);
    for (const auto& f : t.fulltexts)
      if (contains(f.columns, o.name) || f.key_column == o.name) in_use("the fulltext index");
    for (const auto& [name, other] : s_.tables)
      for (const auto& fk : other.spec.foreign_keys)
        if (fk.ref_table == o.table && contains(fk.ref_columns, o.name)) in_use("a foreign key of " + name);
    auto& cols = t.spec.columns;
    cols.erase(std::remove_if(cols.begin(), cols.end(), [&](const Column& c) { return c.name == o.name; }), cols.end());
  }

  void operator()(const AlterColumn& o) {
    TableModel& t = table(o.table);
    Column& c = column(t, o.name);
    if (o.type) c.type = *o.type;
    if (o.nullable) c.nullable = *o.nullable;
    if (o.server_default) c.server_default = *o.server_default;
    if (o.new_name && *o.new_name != o.name) rename_column(t, o.name, *o.new_name);
  }

  void rename_column(TableModel& t, const std::string& from, const std::string& to) {
    if (has_column(t, to)) fail(fmt::format("column {}.{} already exists", t.spec.name, to));
    column(t, from).name = to;
    rename_in(t.spec.primary_key, from, to);
    for (auto& u : t.spec.uniques) rename_in(u.columns, from, to);
    for (auto& fk : t.spec.foreign_keys) rename_in(fk.columns, from, to);
    for (auto& i : t.indexes) rename_in(i.columns, from, to);
    for (auto& f : t.fulltexts) {
      rename_in(f.columns, from, to);
      if (f.key_column == from) f.key_column = to;
    }
    for (auto& [_, other] : s_.tables)  // foreign keys pointing at the renamed column (self included)
      for (auto& fk : other.spec.foreign_keys)
        if (fk.ref_table == t.spec.name) rename_in(fk.ref_columns, from, to);
  }

  void operator()(const RenameTable& o) {
    table(o.from);
    if (o.from == o.to) return;
    if (s_.tables.count(o.to)) fail(fmt::format("table {} already exists", o.to));
    auto node = s_.tables.extract(o.from);
    node.key() = o.to;
    TableModel& t = node.mapped();
    t.spec.name = o.to;
    for (auto& i : t.indexes) i.table = o.to;
    for (auto& f : t.fulltexts) f.table = o.to;
    s_.tables.insert(std::move(node));
    for (auto& [_, other] : s_.tables)
      for (auto& fk : other.spec.foreign_keys)
        if (fk.ref_table == o.from) fk.ref_table = o.to;
  }

  void operator()(const CreateIndex& o) {
    TableModel& t = table(o.index.table);
    if (find_index(o.index.name)) fail(fmt::format("index {} already exists", o.index.name));
    require_columns(t, o.index.columns, "the index");
    t.indexes.push_back(o.index);
  }

  void operator()(const DropIndex& o) {
    for (auto& [name, t] : s_.tables) {
      if (!o.table.empty() && name != o.table) continue;
      auto it = std::find_if(t.indexes.begin(), t.indexes.end(), [&](const IndexSpec& i) { return i.name == o.name; });
      if (it != t.indexes.end()) {
        t.indexes.erase(it);
        return;
      }
    }
    if (!o.table.empty()) table(o.table);  // a clearer message when the table itself is unknown
    fail(fmt::format("index {} does not exist", o.name));
  }

  void operator()(const CreateFulltext& o) {
    TableModel& t = table(o.spec.table);
    // Object names derive from the table name (<table>_fts, ft_<table>…): one per table.
    if (!t.fulltexts.empty()) fail(fmt::format("table {} already has a fulltext index", o.spec.table));
    require_columns(t, o.spec.columns, "the fulltext index");
    if (!has_column(t, o.spec.key_column))
      fail(fmt::format("key column {}.{} does not exist", o.spec.table, o.spec.key_column));
    t.fulltexts.push_back(o.spec);
  }

  void operator()(const DropFulltext& o) {
    TableModel& t = table(o.spec.table);
    if (t.fulltexts.empty()) fail(fmt::format("table {} has no fulltext index", o.spec.table));
    t.fulltexts.clear();
  }

  void operator()(const AddForeignKey& o) {
    TableModel& t = table(o.table);
    check_foreign_key(t, o.fk, nullptr);
    if (!o.fk.name.empty())
      for (const auto& fk : t.spec.foreign_keys)
        if (fk.name == o.fk.name) fail(fmt::format("foreign key {} already exists", o.fk.name));
    t.spec.foreign_keys.push_back(o.fk);
  }

  void operator()(const AddCheck& o) {
    TableModel& t = table(o.table);
    if (o.check.expression.empty()) fail("the check has no expression");
    if (!o.check.name.empty())
      for (const auto& c : t.spec.checks)
        if (c.name == o.check.name) fail(fmt::format("check {} already exists", o.check.name));
    t.spec.checks.push_back(o.check);
  }

  void operator()(const Execute&) {}
  void operator()(const BulkInsert&) {}
  void operator()(const Backfill& o) { table(o.table); }  // data only; the table must exist

 private:
  // `self`: the table being created, which may reference itself before it is in the schema.
  void check_foreign_key(TableModel& t, const ForeignKey& fk, TableModel* self) {
    require_columns(t, fk.columns, "the foreign key");
    TableModel* ref = self && fk.ref_table == t.spec.name ? self : nullptr;
    if (!ref) ref = &table(fk.ref_table);
    require_columns(*ref, fk.ref_columns, "the foreign key");
    if (fk.columns.size() != fk.ref_columns.size())
      fail(fmt::format("foreign key ({}) -> {} ({}) has unequal column counts", join(fk.columns), fk.ref_table,
                       join(fk.ref_columns)));
  }

  Schema& s_;
  const Operation& op_;
};

}  // namespace

void Schema::apply(const Operation& op) {
  Applier applier(*this, op);
  std::visit(applier, op);
}

const TableModel* Schema::table(const std::string& name) const {
  auto it = tables.find(name);
  return it == tables.end() ? nullptr : &it->second;
}

const Column* Schema::column(const std::string& table_name, const std::string& name) const {
  const TableModel* t = table(table_name);
  if (!t) return nullptr;
  for (const auto& c : t->spec.columns)
    if (c.name == name) return &c;
  return nullptr;
}

// ---- diff ----
namespace {

std::string shown(const std::string& value) { return value.empty() ? "none" : value; }

std::string fk_text(const ForeignKeyDescription& fk) {
  return fmt::format("foreign key ({}) -> {} ({})", join(fk.columns), fk.ref_table, join(fk.ref_columns));
}

const ColumnDescription* find_column(const TableDescription& t, const std::string& name) {
  for (const auto& c : t.columns)
    if (c.name == name) return &c;
  return nullptr;
}

void diff_columns(const TableDescription& e, const TableDescription& l, std::vector<std::string>& out) {
  const std::string& t = e.name;
  for (const auto& c : e.columns)
    if (!find_column(l, c.name)) out.push_back(fmt::format("{}: column {} missing", t, c.name));
  for (const auto& c : l.columns)
    if (!find_column(e, c.name)) out.push_back(fmt::format("{}: column {} not expected", t, c.name));
  std::vector<std::string> expected_order, live_order;
  for (const auto& c : e.columns) {
    const ColumnDescription* live = find_column(l, c.name);
    if (!live) continue;
    expected_order.push_back(c.name);
    if (live->type != c.type) out.push_back(fmt::format("{}: column {} type {}, expected {}", t, c.name, live->type, c.type));
    if (live->nullable != c.nullable)
      out.push_back(fmt::format("{}: column {} {}, expected {}", t, c.name, live->nullable ? "nullable" : "not null",
                                c.nullable ? "nullable" : "not null"));
    if (live->default_ != c.default_)
      out.push_back(fmt::format("{}: column {} default {}, expected {}", t, c.name, shown(live->default_),
                                shown(c.default_)));
  }
  for (const auto& c : l.columns)
    if (find_column(e, c.name)) live_order.push_back(c.name);
  if (expected_order != live_order)
    out.push_back(fmt::format("{}: column order ({}), expected ({})", t, join(live_order), join(expected_order)));
}

void diff_indexes(const TableDescription& e, const TableDescription& l, std::vector<std::string>& out) {
  const std::string& t = e.name;
  std::map<std::string, const IndexDescription*> expected, live;
  for (const auto& i : e.indexes) expected[i.name] = &i;
  for (const auto& i : l.indexes) live[i.name] = &i;
  for (const auto& [name, idx] : expected) {
    auto it = live.find(name);
    if (it == live.end()) {
      out.push_back(fmt::format("{}: index {} missing", t, name));
      continue;
    }
    if (it->second->columns != idx->columns)
      out.push_back(fmt::format("{}: index {} on ({}), expected ({})", t, name, join(it->second->columns),
                                join(idx->columns)));
    if (it->second->unique != idx->unique)
      out.push_back(fmt::format("{}: index {} {}, expected {}", t, name, it->second->unique ? "unique" : "not unique",
                                idx->unique ? "unique" : "not unique"));
  }
  for (const auto& [name, _] : live)
    if (!expected.count(name)) out.push_back(fmt::format("{}: index {} not expected", t, name));
}

// Foreign keys are unnamed in descriptions: matched by columns and referenced table/columns.
void diff_foreign_keys(const TableDescription& e, const TableDescription& l, std::vector<std::string>& out) {
  const std::string& t = e.name;
  std::map<std::string, std::string> expected, live;  // fk_text → on_delete
  for (const auto& fk : e.foreign_keys) expected[fk_text(fk)] = fk.on_delete;
  for (const auto& fk : l.foreign_keys) live[fk_text(fk)] = fk.on_delete;
  for (const auto& [text, on_delete] : expected) {
    auto it = live.find(text);
    if (it == live.end())
      out.push_back(fmt::format("{}: {} missing", t, text));
    else if (it->second != on_delete)
      out.push_back(fmt::format("{}: {} on delete {}, expected {}", t, text, shown(it->second), shown(on_delete)));
  }
  for (const auto& [text, _] : live)
    if (!expected.count(text)) out.push_back(fmt::format("{}: {} not expected", t, text));
}

void diff_table(const TableDescription& e, const TableDescription& l, std::vector<std::string>& out) {
  diff_columns(e, l, out);
  if (e.primary_key != l.primary_key)
    out.push_back(fmt::format("{}: primary key ({}), expected ({})", e.name, join(l.primary_key), join(e.primary_key)));
  diff_indexes(e, l, out);
  diff_foreign_keys(e, l, out);
  std::set<std::string> expected(e.fulltext_objects.begin(), e.fulltext_objects.end());
  std::set<std::string> live(l.fulltext_objects.begin(), l.fulltext_objects.end());
  for (const auto& o : expected)
    if (!live.count(o)) out.push_back(fmt::format("{}: fulltext object {} missing", e.name, o));
  for (const auto& o : live)
    if (!expected.count(o)) out.push_back(fmt::format("{}: fulltext object {} not expected", e.name, o));
}

}  // namespace

std::vector<std::string> diff(const SchemaDescription& expected, const SchemaDescription& live) {
  std::vector<std::string> out;
  for (const auto& [name, _] : expected.tables)
    if (!live.tables.count(name)) out.push_back(fmt::format("table {} missing", name));
  for (const auto& [name, _] : live.tables)
    if (!expected.tables.count(name)) out.push_back(fmt::format("table {} not expected", name));
  for (const auto& [name, e] : expected.tables) {
    auto it = live.tables.find(name);
    if (it == live.tables.end()) continue;
    TableDescription named = e;
    named.name = name;  // the map key is authoritative for the messages
    diff_table(named, it->second, out);
  }
  return out;
}

}  // namespace tsm
