#include "dialects/postgresql/postgresql_privilege_hint.h"

#include <fmt/format.h>

namespace tsm::postgresql {
namespace {

// Double-quoted identifier: the names come from the server's message, so they are quoted, never
// pasted.
std::string quoted(const std::string& name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

// The object name after `prefix` up to the end of the message's first line (the server writes
// names unquoted, or in double quotes for some kinds).
bool name_after(const std::string& message, const std::string& prefix, std::string& name) {
  const size_t at = message.find(prefix);
  if (at == std::string::npos) return false;
  name = message.substr(at + prefix.size());
  name = name.substr(0, name.find('\n'));
  if (name.size() >= 2 && name.front() == '"' && name.back() == '"') name = name.substr(1, name.size() - 2);
  return !name.empty();
}

struct Rule {
  const char* prefix;    // what the server says
  const char* grant;     // privileges to grant ("" for ownership)
  const char* on;        // the object kind in GRANT/ALTER
};

constexpr Rule kGrants[] = {
    {"permission denied for schema ", "USAGE, CREATE", "SCHEMA"},
    {"permission denied for table ", "SELECT, INSERT, UPDATE, DELETE, REFERENCES, TRIGGER", "TABLE"},
    {"permission denied for relation ", "SELECT, INSERT, UPDATE, DELETE, REFERENCES, TRIGGER", "TABLE"},
    {"permission denied for view ", "SELECT", "TABLE"},
    {"permission denied for sequence ", "USAGE, SELECT, UPDATE", "SEQUENCE"},
    {"permission denied for database ", "CREATE", "DATABASE"},
    {"permission denied for function ", "EXECUTE", "FUNCTION"},
    {"permission denied for procedure ", "EXECUTE", "PROCEDURE"},
    {"permission denied for type ", "USAGE", "TYPE"},
};

constexpr Rule kOwners[] = {
    {"must be owner of table ", "", "TABLE"},         {"must be owner of relation ", "", "TABLE"},
    {"must be owner of index ", "", "INDEX"},         {"must be owner of sequence ", "", "SEQUENCE"},
    {"must be owner of view ", "", "VIEW"},           {"must be owner of materialized view ", "", "MATERIALIZED VIEW"},
    {"must be owner of schema ", "", "SCHEMA"},       {"must be owner of function ", "", "FUNCTION"},
    {"must be owner of database ", "", "DATABASE"},
};

}  // namespace

std::string privilege_hint(const std::string& message, const std::string& user) {
  const std::string who = user.empty() ? "<user>" : quoted(user);
  std::string name;
  for (const auto& rule : kGrants)
    if (name_after(message, rule.prefix, name))
      return fmt::format("; grant it as the object's owner or a superuser: GRANT {} ON {} {} TO {}", rule.grant, rule.on,
                         quoted(name), who);
  for (const auto& rule : kOwners)
    if (name_after(message, rule.prefix, name))
      return fmt::format("; this needs the owner of {} {}: run as its owner, or as a superuser make this login the "
                         "owner: ALTER {} {} OWNER TO {}",
                         rule.on, quoted(name), rule.on, quoted(name), who);
  return "";
}

}  // namespace tsm::postgresql
