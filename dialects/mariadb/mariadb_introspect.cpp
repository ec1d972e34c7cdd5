// MariaDbConnection::introspect: the live schema of DATABASE() from information_schema,
// normalized like MariaDbDialect::describe so that the two compare equal.
#include <algorithm>
#include <atomic>
#include <map>
#include <set>

#include <spdlog/spdlog.h>

#include "dialects/mariadb/mariadb_connection.h"
#include "dialects/mariadb/mariadb_fulltext.h"
#include "dialects/mariadb/mariadb_names.h"
#include "dialects/mariadb/mariadb_normalize.h"

namespace tsm::mariadb {
namespace {

const std::string& text(const Row& row, std::size_t i) {
  static const std::string empty;
  return row.at(i) ? *row[i] : empty;
}

}  // namespace

// Whether this user holds TRIGGER anywhere that covers DATABASE() (a role's grants are not looked
// at: such a user is treated as not seeing triggers).
bool MariaDbConnection::sees_triggers() {
  const std::string grantee =
      "CONCAT('''', SUBSTRING_INDEX(CURRENT_USER(), '@', 1), '''@''', SUBSTRING_INDEX(CURRENT_USER(), '@', -1), '''')";
  auto rows = query(
      "SELECT COUNT(*) FROM (SELECT GRANTEE, PRIVILEGE_TYPE FROM information_schema.USER_PRIVILEGES "
      "UNION ALL SELECT GRANTEE, PRIVILEGE_TYPE FROM information_schema.SCHEMA_PRIVILEGES WHERE TABLE_SCHEMA = DATABASE() "
      "UNION ALL SELECT GRANTEE, PRIVILEGE_TYPE FROM information_schema.TABLE_PRIVILEGES WHERE TABLE_SCHEMA = DATABASE()) p "
      "WHERE p.PRIVILEGE_TYPE = 'TRIGGER' AND p.GRANTEE = " + grantee);
  return !rows.empty() && rows[0][0] && *rows[0][0] != "0";
}

SchemaDescription MariaDbConnection::introspect(const std::vector<std::string>& ignore) {
  SchemaDescription out;
  const std::set<std::string> skip(ignore.begin(), ignore.end());
  for (const auto& row : query(
           "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() "
           "AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME")) {
    const std::string& name = text(row, 0);
    if (!skip.count(name)) out.tables[name].name = name;
  }
  auto table_for = [&](const std::string& name) -> TableDescription* {
    auto it = out.tables.find(name);
    return it == out.tables.end() ? nullptr : &it->second;
  };
  // Full-text side tables (`<table>_fts`, mariadb_fulltext.h) are objects of their table, not tables.
  std::map<std::string, std::string> side_of;
  const std::string side_suffix = fulltext_side_table("");
  for (const auto& [name, t] : out.tables)
    if (name.size() > side_suffix.size() &&
        name.compare(name.size() - side_suffix.size(), side_suffix.size(), side_suffix) == 0 &&
        out.tables.count(name.substr(0, name.size() - side_suffix.size())))
      side_of[name] = name.substr(0, name.size() - side_suffix.size());
  for (const auto& [side, parent] : side_of) {
    out.tables.erase(side);
    out.tables[parent].fulltext_objects.push_back(side);
  }
  auto add_fulltext_object = [](TableDescription& t, const std::string& object) {
    if (std::find(t.fulltext_objects.begin(), t.fulltext_objects.end(), object) == t.fulltext_objects.end())
      t.fulltext_objects.push_back(object);
  };

  // MariaDB's JSON is LONGTEXT plus a CHECK (json_valid(`col`)); MySQL 8 reports json itself.
  std::set<std::pair<std::string, std::string>> json_columns;
  if (is_mariadb()) {
    for (const auto& row : query("SELECT TABLE_NAME, CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS "
                                 "WHERE CONSTRAINT_SCHEMA = DATABASE()")) {
      const std::string& clause = text(row, 1);
      const std::string prefix = "json_valid(`", suffix = "`)";
      if (clause.size() > prefix.size() + suffix.size() && clause.rfind(prefix, 0) == 0 &&
          clause.compare(clause.size() - suffix.size(), suffix.size(), suffix) == 0)
        json_columns.insert({text(row, 0), clause.substr(prefix.size(), clause.size() - prefix.size() - suffix.size())});
    }
  }

  // Key companions (invisible generated `<col>__key`, see MariaDbDialect::key_companion_definition)
  // are how a text column sits in a unique key: reported as that column, never as a column.
  std::map<std::pair<std::string, std::string>, std::string> companion_of;
  const std::string generation = is_mariadb() ? "GENERATION_EXPRESSION" : "NULL";
  for (const auto& row : query("SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA, " +
                               generation +
                               " FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() "
                               "ORDER BY TABLE_NAME, ORDINAL_POSITION")) {
    TableDescription* t = table_for(text(row, 0));
    if (!t) continue;
    const std::string& extra = text(row, 5);
    if (extra.find("INVISIBLE") != std::string::npos) {
      std::string base = key_companion_base(text(row, 1), text(row, 6));
      if (!base.empty()) {
        companion_of[{t->name, text(row, 1)}] = base;
        continue;
      }
    }
    ColumnDescription c;
    c.name = text(row, 1);
    c.type = normalize_live_type(text(row, 2), json_columns.count({t->name, c.name}) > 0);
    c.nullable = text(row, 3) == "YES";
    bool auto_increment = extra.find("auto_increment") != std::string::npos;
    c.default_ = auto_increment ? "" : normalize_live_default(row.at(4), c.type, !is_mariadb());
    t->columns.push_back(std::move(c));
  }

  // Foreign keys first: the indexes InnoDB creates for them carry the constraint's name and are
  // left out (describe() does not list them either).
  // Two queries joined here: the server joins these two information_schema views in 15-30 ms
  // (each alone takes about 1 ms), and this runs before every raw statement it cannot scope
  // (core/recovery/schema_fingerprint.cpp).
  std::map<std::pair<std::string, std::string>, std::string> delete_rules;
  for (const auto& row : query("SELECT TABLE_NAME, CONSTRAINT_NAME, DELETE_RULE "
                               "FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE()"))
    delete_rules[{text(row, 0), text(row, 1)}] = text(row, 2);
  std::map<std::string, std::set<std::string>> fk_names;
  std::map<std::pair<std::string, std::string>, ForeignKeyDescription> fks;
  for (const auto& row : query(
           "SELECT TABLE_NAME, CONSTRAINT_NAME, COLUMN_NAME, REFERENCED_TABLE_NAME, REFERENCED_COLUMN_NAME "
           "FROM information_schema.KEY_COLUMN_USAGE "
           "WHERE TABLE_SCHEMA = DATABASE() AND REFERENCED_TABLE_NAME IS NOT NULL "
           "ORDER BY TABLE_NAME, CONSTRAINT_NAME, ORDINAL_POSITION")) {
    if (!table_for(text(row, 0))) continue;
    auto rule = delete_rules.find({text(row, 0), text(row, 1)});
    if (rule == delete_rules.end()) continue;  // as the inner join did
    fk_names[text(row, 0)].insert(text(row, 1));
    auto& fk = fks[{text(row, 0), text(row, 1)}];
    fk.columns.push_back(text(row, 2));
    fk.ref_table = text(row, 3);
    fk.ref_columns.push_back(text(row, 4));
    fk.on_delete = rule->second;
  }
  for (auto& [key, fk] : fks) table_for(key.first)->foreign_keys.push_back(std::move(fk));
  for (auto& [name, t] : out.tables)
    std::sort(t.foreign_keys.begin(), t.foreign_keys.end(),
              [](const auto& a, const auto& b) { return a.columns < b.columns; });

  std::map<std::pair<std::string, std::string>, IndexDescription> indexes;
  for (const auto& row : query("SELECT TABLE_NAME, INDEX_NAME, COLUMN_NAME, NON_UNIQUE, SUB_PART, INDEX_TYPE "
                               "FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() "
                               "ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX")) {
    if (auto side = side_of.find(text(row, 0)); side != side_of.end()) {
      if (text(row, 5) == "FULLTEXT") add_fulltext_object(*table_for(side->second), text(row, 1));
      continue;
    }
    TableDescription* t = table_for(text(row, 0));
    if (!t) continue;
    const std::string& index = text(row, 1);
    const std::string& column = companion_of.count({t->name, text(row, 2)}) ? companion_of[{t->name, text(row, 2)}]
                                                                             : text(row, 2);
    if (index == "PRIMARY") {
      t->primary_key.push_back(column);
    } else if (text(row, 5) == "FULLTEXT") {
      add_fulltext_object(*t, index);  // on the table itself: not this tool's design, `check` reports it
    } else if (index != "FTS_DOC_ID_INDEX" && !fk_names[t->name].count(index)) {
      auto& ix = indexes[{t->name, index}];
      ix.name = index;
      ix.unique = text(row, 3) == "0";
      std::optional<int> prefix;
      if (row.at(4)) prefix = std::stoi(*row[4]);
      ix.columns.push_back(index_part(column, prefix));
    }
  }
  for (auto& [key, ix] : indexes) table_for(key.first)->indexes.push_back(std::move(ix));  // map order = by name
  // The side table's sync triggers (other triggers are not part of the schema model).
  std::size_t triggers_seen = 0;
  for (const auto& row : query("SELECT TRIGGER_NAME, EVENT_OBJECT_TABLE FROM information_schema.TRIGGERS "
                               "WHERE TRIGGER_SCHEMA = DATABASE()")) {
    ++triggers_seen;
    TableDescription* t = table_for(text(row, 1));
    if (!t) continue;
    const auto names = fulltext_trigger_names(t->name);
    if (std::find(names.begin(), names.end(), text(row, 0)) != names.end()) add_fulltext_object(*t, text(row, 0));
  }
  // information_schema shows triggers only to a user with the TRIGGER privilege, which a
  // read-only user (`check` from monitoring) should not have: the sync triggers are then taken as
  // present, with a warning, rather than reported missing.
  if (triggers_seen == 0 && !side_of.empty() && !sees_triggers()) {
    static std::atomic<bool> warned{false};
    if (!warned.exchange(true))
      spdlog::warn("this MariaDB user cannot see triggers (no TRIGGER privilege): the full-text sync triggers "
                   "were not checked");
    for (const auto& [side, parent] : side_of)
      for (const auto& name : fulltext_trigger_names(parent)) add_fulltext_object(out.tables[parent], name);
  }
  for (auto& [name, t] : out.tables) std::sort(t.fulltext_objects.begin(), t.fulltext_objects.end());
  return out;
}

}  // namespace tsm::mariadb
