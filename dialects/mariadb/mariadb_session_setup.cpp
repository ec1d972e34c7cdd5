// `-- +session` on MariaDB: SET of session and user variables, values kept in user variables.
#include <cctype>

#include <fmt/format.h>

#include "core/base/text.h"
#include "dialects/mariadb/mariadb_dialect.h"

namespace tsm::mariadb {
namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool is_name(const std::string& s, bool user_variable) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || (user_variable && (c == '.' || c == '$'))))
      return false;
  return user_variable || !std::isdigit(static_cast<unsigned char>(s[0]));
}

// The variable an assignment target names: "@x" for a user variable, "x" for a session system
// variable; nullopt for a global one or anything else.
std::optional<std::string> target_variable(const std::string& target) {
  std::string t = lower(trimmed(target));
  if (t.rfind("@@global.", 0) == 0) return std::nullopt;
  for (const char* prefix : {"@@session.", "@@local.", "@@"})
    if (t.rfind(prefix, 0) == 0) {
      std::string name = t.substr(std::string(prefix).size());
      return is_name(name, false) ? std::optional<std::string>(name) : std::nullopt;
    }
  if (t[0] == '@') {
    std::string name = t.substr(1);
    return is_name(name, true) ? std::optional<std::string>("@" + name) : std::nullopt;
  }
  for (const char* prefix : {"session ", "local "})
    if (t.rfind(prefix, 0) == 0) t = trimmed(t.substr(std::string(prefix).size()));
  if (!is_name(t, false) || t == "password" || t == "global") return std::nullopt;
  return t;
}

}  // namespace

std::optional<std::vector<std::string>> MariaDbDialect::session_variables(const std::string& statement) const {
  const std::string s = trimmed(statement);
  if (s.size() < 4 || lower(s.substr(0, 3)) != "set" || !std::isspace(static_cast<unsigned char>(s[3])))
    return std::nullopt;
  std::vector<std::string> names;
  for (const auto& assignment : split_top_level(s.substr(4), ',')) {
    auto eq = assignment.find('=');
    if (eq == std::string::npos || eq == 0) return std::nullopt;
    std::string target = assignment.substr(0, eq);
    if (target.back() == ':') target.pop_back();  // SET @x := 1
    auto name = target_variable(target);
    if (!name) return std::nullopt;
    names.push_back(*name);
  }
  return names;
}

std::optional<Dialect::SessionSave> MariaDbDialect::save_session_variable(const std::string& name, int slot) const {
  const std::string keep = fmt::format("@__tsm_session_{}", slot);
  if (name[0] == '@') return SessionSave{fmt::format("SET {} = {}", keep, name), fmt::format("SET {} = {}", name, keep)};
  return SessionSave{fmt::format("SET {} = @@SESSION.{}", keep, name), fmt::format("SET SESSION {} = {}", name, keep)};
}

}  // namespace tsm::mariadb
