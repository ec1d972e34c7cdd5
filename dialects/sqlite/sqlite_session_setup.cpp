// `-- +session` on SQLite: PRAGMA name = value of connection settings. SQLite has no variables
// to keep a value in, so the tool reads it before and writes it back after.
#include <algorithm>
#include <array>
#include <cctype>

#include <fmt/format.h>

#include "core/base/text.h"
#include "dialects/sqlite/sqlite_dialect.h"

namespace tsm::sqlite {
namespace {

// Connection settings that can be read back and set again (not actions such as optimize).
constexpr std::array<const char*, 15> kSettings = {
    "foreign_keys",    "defer_foreign_keys", "legacy_alter_table",        "recursive_triggers",
    "ignore_check_constraints", "busy_timeout", "cache_size",           "synchronous",
    "temp_store",      "automatic_index",    "reverse_unordered_selects", "trusted_schema",
    "cell_size_check", "secure_delete",      "query_only"};

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool is_setting(const std::string& name) {
  return std::any_of(kSettings.begin(), kSettings.end(), [&](const char* s) { return name == s; });
}

bool is_bare_value(const std::string& v) {
  return !v.empty() && std::all_of(v.begin(), v.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
}

}  // namespace

std::optional<std::vector<std::string>> SqliteDialect::session_variables(const std::string& statement) const {
  const std::string s = lower(trimmed(statement));
  if (s.size() < 7 || s.compare(0, 6, "pragma") != 0 || !std::isspace(static_cast<unsigned char>(s[6]))) return std::nullopt;
  const std::string rest = trimmed(s.substr(7));
  auto end = rest.find_first_of("=( \t\r\n");
  if (end == std::string::npos) return std::nullopt;  // a query, not a setting
  const std::string name = rest.substr(0, end);
  const std::string value = trimmed(rest.substr(end));
  if (!is_setting(name) || value.empty() || (value[0] != '=' && value[0] != '(')) return std::nullopt;
  return std::vector<std::string>{name};
}

std::string SqliteDialect::read_session_variable_sql(const std::string& name) const {
  return fmt::format("PRAGMA {}", name);  // name: one of kSettings (checked by session_variables)
}

std::string SqliteDialect::restore_session_variable_sql(const std::string& name,
                                                        const std::optional<std::string>& value) const {
  if (!value) return name == "foreign_keys" ? "PRAGMA foreign_keys = ON" : "";  // how this tool connects
  return fmt::format("PRAGMA {} = {}", name, is_bare_value(*value) ? *value : literal(*value));
}

}  // namespace tsm::sqlite
