// `-- +session` on PostgreSQL: SET [SESSION] of settings, values kept in custom settings.
#include <cctype>

#include <fmt/format.h>

#include "core/base/text.h"
#include "dialects/postgresql/postgresql_dialect.h"

namespace tsm::postgresql {
namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool starts_with_word(const std::string& s, const std::string& word) {
  return s.size() > word.size() && s.compare(0, word.size(), word) == 0 &&
         std::isspace(static_cast<unsigned char>(s[word.size()]));
}

// A setting name: letters, digits, '_' and, for custom settings, '.'.
bool is_setting(const std::string& s) {
  if (s.empty() || s.size() > 63 || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.')) return false;
  return true;
}

}  // namespace

std::optional<std::vector<std::string>> PostgresDialect::session_variables(const std::string& statement) const {
  std::string s = lower(trimmed(statement));
  if (!starts_with_word(s, "set")) return std::nullopt;
  s = trimmed(s.substr(3));
  // SET LOCAL lasts until the end of a transaction the session statements are not in.
  if (starts_with_word(s, "local")) return std::nullopt;
  if (starts_with_word(s, "session")) s = trimmed(s.substr(7));
  if (starts_with_word(s, "time") && starts_with_word(trimmed(s.substr(4)), "zone")) return std::vector<std::string>{"timezone"};
  // search_path and role decide which tables the tool's own bookkeeping (version rows, snapshot)
  // lands in and who owns what it creates: refused; qualify names in the statements instead.
  if (starts_with_word(s, "role")) return std::nullopt;
  std::size_t end = 0;
  while (end < s.size() && !std::isspace(static_cast<unsigned char>(s[end])) && s[end] != '=') ++end;
  const std::string name = s.substr(0, end);
  const std::string rest = trimmed(s.substr(end));
  if (!is_setting(name) || name == "transaction" || name == "constraints" || name == "authorization" ||
      name == "search_path" || name == "role")
    return std::nullopt;
  if (rest.empty() || !(rest[0] == '=' || starts_with_word(rest, "to"))) return std::nullopt;
  return std::vector<std::string>{name};
}

std::optional<Dialect::SessionSave> PostgresDialect::save_session_variable(const std::string& name, int slot) const {
  const std::string keep = literal(fmt::format("tsm.session_{}", slot));
  return SessionSave{
      fmt::format("SELECT set_config({}, coalesce(current_setting({}, true), ''), false)", keep, literal(name)),
      fmt::format("SELECT set_config({}, current_setting({}), false)", literal(name), keep)};
}

}  // namespace tsm::postgresql
