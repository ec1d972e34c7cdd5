#include "core/recovery/schema_snapshot.h"

#include <algorithm>
#include <set>
#include <tuple>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "core/base/errors.h"
#include "core/base/text.h"

namespace tsm {
namespace {

using Json = nlohmann::ordered_json;

std::string quoted_table(const Connection& conn) { return conn.dialect().quote(kSnapshotTable); }

std::vector<std::string> split_heads(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    if (comma > start) out.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  std::sort(out.begin(), out.end());
  return out;
}

auto fk_key(const ForeignKeyDescription& fk) { return std::tie(fk.columns, fk.ref_table, fk.ref_columns); }

// The lists other than columns in a fixed order (they carry no order in comparisons).
TableDescription canonical(TableDescription t) {
  std::sort(t.indexes.begin(), t.indexes.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  std::sort(t.foreign_keys.begin(), t.foreign_keys.end(), [](const auto& a, const auto& b) {
    return std::make_tuple(fk_key(a), a.on_delete) < std::make_tuple(fk_key(b), b.on_delete);
  });
  std::sort(t.fulltext_objects.begin(), t.fulltext_objects.end());
  return t;
}

Json table_json(const TableDescription& table) {
  const TableDescription t = canonical(table);
  Json j;
  j["name"] = t.name;
  j["columns"] = Json::array();
  for (const auto& c : t.columns)
    j["columns"].push_back({{"name", c.name}, {"type", c.type}, {"nullable", c.nullable}, {"default", c.default_}});
  j["primary_key"] = t.primary_key;
  j["indexes"] = Json::array();
  for (const auto& i : t.indexes)
    j["indexes"].push_back({{"name", i.name}, {"columns", i.columns}, {"unique", i.unique}});
  j["foreign_keys"] = Json::array();
  for (const auto& f : t.foreign_keys)
    j["foreign_keys"].push_back({{"columns", f.columns},
                                 {"ref_table", f.ref_table},
                                 {"ref_columns", f.ref_columns},
                                 {"on_delete", f.on_delete}});
  j["fulltext_objects"] = t.fulltext_objects;
  return j;
}

[[noreturn]] void malformed(const std::string& why) {
  throw AttentionError(fmt::format("the schema snapshot in {} is malformed: {}", kSnapshotTable, why),
                       "  `stamp --adopt-schema` records it again from the live schema");
}

const Json& member(const Json& j, const char* key, bool (Json::*is)() const noexcept) {
  auto it = j.find(key);
  if (it == j.end() || !((*it).*is)()) malformed(fmt::format("\"{}\" missing or of the wrong type", key));
  return *it;
}

std::string text(const Json& j, const char* key) { return member(j, key, &Json::is_string).get<std::string>(); }

std::vector<std::string> names(const Json& j, const char* key) {
  std::vector<std::string> out;
  for (const auto& v : member(j, key, &Json::is_array)) {
    if (!v.is_string()) malformed(fmt::format("\"{}\" holds something other than names", key));
    out.push_back(v.get<std::string>());
  }
  return out;
}

TableDescription table_from(const Json& j) {
  if (!j.is_object()) malformed("a table is not an object");
  TableDescription t;
  t.name = text(j, "name");
  for (const auto& c : member(j, "columns", &Json::is_array)) {
    if (!c.is_object()) malformed("a column is not an object");
    t.columns.push_back(
        {text(c, "name"), text(c, "type"), member(c, "nullable", &Json::is_boolean).get<bool>(), text(c, "default")});
  }
  t.primary_key = names(j, "primary_key");
  for (const auto& i : member(j, "indexes", &Json::is_array)) {
    if (!i.is_object()) malformed("an index is not an object");
    t.indexes.push_back({text(i, "name"), names(i, "columns"), member(i, "unique", &Json::is_boolean).get<bool>()});
  }
  for (const auto& f : member(j, "foreign_keys", &Json::is_array)) {
    if (!f.is_object()) malformed("a foreign key is not an object");
    t.foreign_keys.push_back(
        {names(f, "columns"), text(f, "ref_table"), names(f, "ref_columns"), text(f, "on_delete")});
  }
  t.fulltext_objects = names(j, "fulltext_objects");
  return t;
}

// ---- merge_changes ----

// The object `base` keeps after the changes from `from` to `to` (nullptr: none), see the header.
template <class T, class Same>
const T* pick(const T* base, const T* from, const T* to, Same same) {
  auto equal = [&](const T* x, const T* y) { return (!x && !y) || (x && y && same(*x, *y)); };
  if (equal(from, to)) return base;
  if (equal(base, from)) return to;
  return base;
}

template <class T, class Key>
std::map<std::string, const T*> by(const std::vector<T>& items, Key key) {
  std::map<std::string, const T*> out;
  for (const auto& item : items) out.emplace(key(item), &item);
  return out;
}

template <class T>
const T* at(const std::map<std::string, const T*>& m, const std::string& key) {
  auto it = m.find(key);
  return it == m.end() ? nullptr : it->second;
}

// Merges keyed objects; the result in `base` order, then those only `to` brings in `to` order.
template <class T, class Key>
std::vector<T> merge_list(const std::vector<T>& base, const std::vector<T>& from, const std::vector<T>& to, Key key) {
  auto b = by(base, key), f = by(from, key), o = by(to, key);
  std::map<std::string, const T*> kept;
  for (const auto* side : {&b, &f, &o})
    for (const auto& [k, _] : *side)
      if (const T* r = pick(at(b, k), at(f, k), at(o, k), [](const T& x, const T& y) { return x == y; })) kept[k] = r;
  std::vector<T> out;
  std::set<std::string> placed;
  for (const auto& item : base)
    if (const T* r = at(kept, key(item)); r && placed.insert(key(item)).second) out.push_back(*r);
  // An object only `to` has goes right after the object before it in `to` (columns keep their order).
  for (size_t i = 0; i < to.size(); ++i) {
    const std::string k = key(to[i]);
    const T* r = at(kept, k);
    if (!r || placed.count(k)) continue;
    auto pos = out.begin();
    for (size_t j = i; j-- > 0;) {
      const std::string before = key(to[j]);
      auto it = std::find_if(out.begin(), out.end(), [&](const T& x) { return key(x) == before; });
      if (it != out.end()) {
        pos = it + 1;
        break;
      }
    }
    out.insert(pos, *r);
    placed.insert(k);
  }
  return out;
}

std::string fulltext_key(const std::string& name) { return name; }

TableDescription merge_table(const TableDescription& b, const TableDescription& f, const TableDescription& o) {
  TableDescription t;
  t.name = b.name;
  t.columns = merge_list(b.columns, f.columns, o.columns, [](const ColumnDescription& c) { return c.name; });
  t.primary_key = *pick(&b.primary_key, &f.primary_key, &o.primary_key, [](auto& x, auto& y) { return x == y; });
  t.indexes = merge_list(b.indexes, f.indexes, o.indexes, [](const IndexDescription& i) { return i.name; });
  t.foreign_keys = merge_list(b.foreign_keys, f.foreign_keys, o.foreign_keys, [](const ForeignKeyDescription& fk) {
    return fmt::format("({}) -> {} ({})", join(fk.columns), fk.ref_table, join(fk.ref_columns));
  });
  t.fulltext_objects = merge_list(b.fulltext_objects, f.fulltext_objects, o.fulltext_objects, fulltext_key);
  return canonical(std::move(t));
}

}  // namespace

bool same_table(const TableDescription& a, const TableDescription& b) {
  const TableDescription x = canonical(a), y = canonical(b);
  return x.columns == y.columns && x.primary_key == y.primary_key && x.indexes == y.indexes &&
         x.foreign_keys == y.foreign_keys && x.fulltext_objects == y.fulltext_objects;
}

SchemaDescription merge_changes(const SchemaDescription& base, const SchemaDescription& from,
                                const SchemaDescription& to) {
  std::set<std::string> tables;
  for (const auto* side : {&base, &from, &to})
    for (const auto& [name, _] : side->tables) tables.insert(name);
  auto find = [](const SchemaDescription& s, const std::string& name) -> const TableDescription* {
    auto it = s.tables.find(name);
    return it == s.tables.end() ? nullptr : &it->second;
  };
  SchemaDescription out;
  for (const auto& name : tables) {
    const TableDescription *b = find(base, name), *f = find(from, name), *o = find(to, name);
    const TableDescription* kept = pick(b, f, o, same_table);
    if (b && f && o && kept == b && !same_table(*b, *f) && !same_table(*f, *o))
      out.tables[name] = merge_table(*b, *f, *o);  // changed on both sides: object by object
    else if (kept)
      out.tables[name] = *kept;
  }
  return out;
}

std::string encode_schema(const SchemaDescription& schema) {
  // One table a line: readable with a plain SELECT, and a change shows as a changed line.
  std::string out = "{\"format\":1,\"tables\":[";
  bool first = true;
  for (const auto& [name, t] : schema.tables) {
    TableDescription named = t;
    named.name = name;
    out += first ? "\n" : ",\n";
    out += table_json(named).dump(-1, ' ', /*ensure_ascii=*/false, Json::error_handler_t::replace);
    first = false;
  }
  return out + "]}";
}

SchemaDescription decode_schema(const std::string& text) {
  Json doc = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) malformed("not a JSON object");
  auto format = doc.find("format");
  if (format == doc.end() || !format->is_number_integer() || format->get<int>() != 1)
    malformed("unknown \"format\" (written by a newer build?)");
  SchemaDescription out;
  for (const auto& t : member(doc, "tables", &Json::is_array)) {
    TableDescription table = table_from(t);
    out.tables[table.name] = std::move(table);
  }
  return out;
}

void SnapshotStore::ensure_table() {
  if (conn_.table_exists(kSnapshotTable)) return;
  TableSpec spec;
  spec.name = kSnapshotTable;
  spec.columns = {col::string("tree", 64).not_null(), col::text("heads").not_null(), col::text("snapshot").not_null(),
                  col::timestamp("recorded_at").not_null().default_now()};
  spec.primary_key = {"tree"};
  for (const auto& st : conn_.dialect().render(CreateTable{spec}, Schema{})) conn_.execute(st.sql);
}

std::optional<SchemaSnapshot> SnapshotStore::load(const std::string& tree) {
  if (!conn_.table_exists(kSnapshotTable)) return std::nullopt;
  auto rows = conn_.query(
      fmt::format("SELECT heads, snapshot, recorded_at FROM {} WHERE tree = ?", quoted_table(conn_)), {tree});
  if (rows.empty()) return std::nullopt;
  return SchemaSnapshot{split_heads(rows[0][0].value_or("")), decode_schema(rows[0][1].value_or("")),
                        rows[0][2].value_or("")};
}

std::map<std::string, SchemaSnapshot> SnapshotStore::load_all() {
  std::map<std::string, SchemaSnapshot> out;
  if (!conn_.table_exists(kSnapshotTable)) return out;
  for (auto& r : conn_.query(fmt::format("SELECT tree, heads, snapshot, recorded_at FROM {}", quoted_table(conn_)))) {
    const std::string tree = r[0].value_or("");
    try {
      out[tree] = SchemaSnapshot{split_heads(r[1].value_or("")), decode_schema(r[2].value_or("")), r[3].value_or("")};
    } catch (const AttentionError& e) {
      // Another tree's problem: its own `check` reports it; here its tables are just not claimed.
      spdlog::warn("tree '{}': {}", tree, e.what());
    }
  }
  return out;
}

void SnapshotStore::save(const std::string& tree, const std::vector<std::string>& heads,
                         const SchemaDescription& schema) {
  std::vector<std::string> sorted = heads;
  std::sort(sorted.begin(), sorted.end());
  forget(tree);
  conn_.query(fmt::format("INSERT INTO {} (tree, heads, snapshot) VALUES (?, ?, ?)", quoted_table(conn_)),
              {tree, join(sorted, ","), encode_schema(schema)});
}

void SnapshotStore::forget(const std::string& tree) {
  conn_.query(fmt::format("DELETE FROM {} WHERE tree = ?", quoted_table(conn_)), {tree});
}

}  // namespace tsm
