#include "dialects/sqlite/sqlite_fulltext.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "core/base/errors.h"
#include "dialects/sqlite/sqlite_dialect.h"

namespace tsm::sqlite {
namespace {

// Inside fts5(...) the legacy DDL writes bare names. Keep that text form for plain names and
// quote the rest (and the words FTS5 itself would read as options or refuses as columns).
std::string fts_name(const SqliteDialect& d, const std::string& name) {
  static const char* const reserved[] = {"rank", "rowid", "content", "content_rowid", "tokenize",
                                         "prefix", "columnsize", "detail", "contentless_delete"};
  bool plain = !name.empty() && !std::isdigit(static_cast<unsigned char>(name[0])) &&
               std::all_of(name.begin(), name.end(), [](char c) {
                 return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
               });
  std::string lower = name;
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const char* r : reserved)
    if (lower == r) plain = false;
  d.quote(name);  // length check either way
  return plain ? name : d.quote(name);
}

std::string joined(const std::vector<std::string>& items, const std::string& prefix = {}) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + prefix + item;
  return out;
}

}  // namespace

std::string fts_table_name(const std::string& table) { return table + "_fts"; }

std::vector<std::string> fts_trigger_names(const std::string& table) {
  return {table + "_ai", table + "_ad", table + "_au"};
}

std::vector<std::string> fts_object_names(const std::string& table) {
  auto names = fts_trigger_names(table);
  names.push_back(fts_table_name(table));
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<std::string> fts5_shadow_tables(const std::string& virtual_table) {
  return {virtual_table + "_data", virtual_table + "_idx", virtual_table + "_docsize",
          virtual_table + "_config", virtual_table + "_content"};
}

std::vector<Statement> create_fulltext_triggers(const SqliteDialect& d, const FulltextSpec& spec) {
  if (spec.columns.empty()) throw UsageError(fmt::format("create_fulltext on {} names no column", spec.table));
  const std::string fts = d.quote(fts_table_name(spec.table));
  const std::string table = d.quote(spec.table);
  const std::string key = d.quote(spec.key_column);
  std::vector<std::string> cols;
  for (const auto& c : spec.columns) cols.push_back(d.quote(c));
  const std::string col_list = joined(cols);
  const std::string insert_new =
      fmt::format("INSERT INTO {0} (rowid, {1}) VALUES (new.{2}, {3});", fts, col_list, key, joined(cols, "new."));
  const std::string delete_old = fmt::format("INSERT INTO {0} ({0}, rowid, {1}) VALUES ('delete', old.{2}, {3});", fts,
                                             col_list, key, joined(cols, "old."));
  auto names = fts_trigger_names(spec.table);
  return {
      {fmt::format("CREATE TRIGGER {} AFTER INSERT ON {} BEGIN\n  {}\nEND", d.quote(names[0]), table, insert_new)},
      {fmt::format("CREATE TRIGGER {} AFTER DELETE ON {} BEGIN\n  {}\nEND", d.quote(names[1]), table, delete_old)},
      {fmt::format("CREATE TRIGGER {} AFTER UPDATE ON {} BEGIN\n  {}\n  {}\nEND", d.quote(names[2]), table,
                   delete_old, insert_new)},
  };
}

std::vector<Statement> create_fulltext(const SqliteDialect& d, const FulltextSpec& spec) {
  if (spec.columns.empty()) throw UsageError(fmt::format("create_fulltext on {} names no column", spec.table));
  std::vector<std::string> cols;
  for (const auto& c : spec.columns) cols.push_back(fts_name(d, c));
  const std::string fts = fts_name(d, fts_table_name(spec.table));
  std::vector<Statement> out{{fmt::format("CREATE VIRTUAL TABLE {} USING fts5({}, content={}, content_rowid={}, "
                                          "tokenize={})",
                                          fts, joined(cols), d.literal(spec.table), d.literal(spec.key_column),
                                          d.literal(spec.options.tokenizer))}};
  for (auto& s : create_fulltext_triggers(d, spec)) out.push_back(std::move(s));
  const std::string quoted = d.quote(fts_table_name(spec.table));
  out.push_back({fmt::format("INSERT INTO {0} ({0}) VALUES ('rebuild')", quoted)});
  return out;
}

std::vector<Statement> drop_fulltext(const SqliteDialect& d, const std::string& table) {
  std::vector<Statement> out;
  for (const auto& t : fts_trigger_names(table)) out.push_back({"DROP TRIGGER IF EXISTS " + d.quote(t)});
  out.push_back({"DROP TABLE IF EXISTS " + d.quote(fts_table_name(table))});
  return out;
}

}  // namespace tsm::sqlite
