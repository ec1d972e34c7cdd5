// The live schema of a SQLite database in the normal form describe() produces.
//
// Tables: every ordinary table except sqlite_* (sqlite_sequence…), FTS5 virtual tables and their
// shadow tables (<vt>_data, _idx, _docsize, _config, _content) and the `ignore` list.
// Indexes: explicit ones (origin 'c'), plus UNIQUE constraints (origin 'u') named uq_<t>_<cols>
// because SQLite keeps no constraint name; primary-key indexes are covered by primary_key.
// FTS: a virtual table with content='<t>' and the triggers on <t> whose SQL names it are listed in
// <t>'s fulltext_objects.
#include <algorithm>
#include <cctype>
#include <map>
#include <regex>
#include <set>
#include <tuple>

#include "dialects/sqlite/sqlite_connection.h"
#include "dialects/sqlite/sqlite_dialect.h"
#include "dialects/sqlite/sqlite_fulltext.h"
#include "dialects/sqlite/sqlite_normalize.h"

namespace tsm::sqlite {
namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string text(const std::optional<std::string>& v) { return v.value_or(""); }

// content='x' / content="x" / content=x of a CREATE VIRTUAL TABLE … USING fts5(…).
std::optional<std::string> fts_content_table(const std::string& sql) {
  static const std::regex content(R"re(\bcontent\s*=\s*('((?:[^']|'')*)'|"((?:[^"]|"")*)"|([A-Za-z_][A-Za-z0-9_]*)))re",
                                  std::regex::icase);
  std::smatch m;
  if (!std::regex_search(sql, m, content)) return std::nullopt;
  std::string name = m[2].matched ? m[2].str() : m[3].matched ? m[3].str() : m[4].str();
  std::string unescaped;
  for (std::size_t i = 0; i < name.size(); ++i) {
    unescaped += name[i];
    if ((name[i] == '\'' || name[i] == '"') && i + 1 < name.size() && name[i + 1] == name[i]) ++i;
  }
  return unescaped;
}

std::vector<std::string> primary_key_of(Connection& c, const std::string& table) {
  std::vector<std::pair<int, std::string>> pk;
  for (auto& r : c.query("SELECT name, pk FROM pragma_table_xinfo(?) WHERE pk > 0", {table}))
    pk.emplace_back(std::stoi(text(r[1])), text(r[0]));
  std::sort(pk.begin(), pk.end());
  std::vector<std::string> out;
  for (auto& p : pk) out.push_back(p.second);
  return out;
}

TableDescription describe_table(Connection& c, const std::string& table) {
  TableDescription d;
  d.name = table;
  // hidden: 0 ordinary, 2/3 generated columns; 1 is a virtual table's hidden column.
  for (auto& r : c.query("SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_xinfo(?) "
                         "WHERE hidden <> 1 ORDER BY cid",
                         {table})) {
    const bool in_pk = text(r[4]) != "0";
    d.columns.push_back({text(r[0]), normalize_type(text(r[1])), text(r[2]) == "0" && !in_pk,
                         r[3] ? normalize_default(*r[3]) : std::string()});
  }
  d.primary_key = primary_key_of(c, table);

  for (auto& r : c.query("SELECT name, \"unique\", origin FROM pragma_index_list(?)", {table})) {
    const std::string origin = text(r[2]);
    if (origin == "pk") continue;
    IndexDescription ix{text(r[0]), {}, text(r[1]) == "1"};
    for (auto& col : c.query("SELECT name FROM pragma_index_info(?) ORDER BY seqno", {ix.name}))
      ix.columns.push_back(col[0] ? *col[0] : "<expression>");
    if (origin == "u") ix.name = unique_name(table, UniqueConstraint{ix.columns, {}});
    d.indexes.push_back(std::move(ix));
  }
  std::sort(d.indexes.begin(), d.indexes.end(), [](const auto& a, const auto& b) { return a.name < b.name; });

  std::map<int, ForeignKeyDescription> fks;
  std::map<int, bool> implicit_ref;  // REFERENCES parent without columns: the parent's key
  for (auto& r : c.query("SELECT id, \"table\", \"from\", \"to\", on_delete FROM pragma_foreign_key_list(?) "
                         "ORDER BY id, seq",
                         {table})) {
    auto& fk = fks[std::stoi(text(r[0]))];
    fk.ref_table = text(r[1]);
    fk.columns.push_back(text(r[2]));
    if (r[3]) fk.ref_columns.push_back(*r[3]);
    else implicit_ref[std::stoi(text(r[0]))] = true;
    fk.on_delete = text(r[4]);
  }
  for (auto& [id, fk] : fks) {
    if (implicit_ref.count(id)) fk.ref_columns = primary_key_of(c, fk.ref_table);
    d.foreign_keys.push_back(fk);
  }
  std::sort(d.foreign_keys.begin(), d.foreign_keys.end(), [](const auto& a, const auto& b) {
    return std::tie(a.columns, a.ref_table, a.ref_columns) < std::tie(b.columns, b.ref_table, b.ref_columns);
  });
  return d;
}

}  // namespace

SchemaDescription introspect_schema(Connection& c, const std::vector<std::string>& ignore) {
  std::set<std::string> ignored;
  for (const auto& name : ignore) ignored.insert(lower(name));

  std::set<std::string> skip;                                  // lower-case names not described
  std::map<std::string, std::vector<std::string>> fts_tables;  // content table (lower) → FTS tables
  std::vector<std::string> tables;
  for (auto& r : c.query("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' "
                         "ESCAPE '\\' ORDER BY name")) {
    const std::string name = text(r[0]), sql = text(r[1]);
    if (lower(sql).rfind("create virtual table", 0) == 0) {
      skip.insert(lower(name));
      for (const auto& shadow : fts5_shadow_tables(name)) skip.insert(lower(shadow));
      if (auto content = fts_content_table(sql)) fts_tables[lower(*content)].push_back(name);
      continue;
    }
    tables.push_back(name);
  }

  SchemaDescription out;
  for (const auto& name : tables) {
    if (skip.count(lower(name)) || ignored.count(lower(name))) continue;
    TableDescription d = describe_table(c, name);
    auto fts = fts_tables.find(lower(name));
    if (fts != fts_tables.end()) {
      for (const auto& vt : fts->second) {
        d.fulltext_objects.push_back(vt);
        for (auto& t : c.query("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND lower(tbl_name) = "
                               "lower(?)",
                               {name}))
          if (lower(text(t[1])).find(lower(vt)) != std::string::npos) d.fulltext_objects.push_back(text(t[0]));
      }
      std::sort(d.fulltext_objects.begin(), d.fulltext_objects.end());
      d.fulltext_objects.erase(std::unique(d.fulltext_objects.begin(), d.fulltext_objects.end()),
                               d.fulltext_objects.end());
    }
    out.tables[name] = std::move(d);
  }
  return out;
}

}  // namespace tsm::sqlite
