#include "dialects/mariadb/mariadb_names.h"

#include "core/base/errors.h"

namespace tsm::mariadb {

std::string fulltext_name(const std::string& table) { return "ft_" + table; }

namespace {
const std::string kCompanionSuffix = "__key";
}

std::string key_companion_name(const std::string& column) {
  std::string name = column + kCompanionSuffix;
  if (name.size() > 64)
    throw UsageError("MariaDB: text column " + column + " in a unique key needs a name of at most " +
                     std::to_string(64 - kCompanionSuffix.size()) + " characters (its key companion is " + name + ")");
  return name;
}

std::string key_companion_base(const std::string& name, const std::string& expression) {
  if (name.size() <= kCompanionSuffix.size() ||
      name.compare(name.size() - kCompanionSuffix.size(), kCompanionSuffix.size(), kCompanionSuffix) != 0)
    return "";
  std::string base = name.substr(0, name.size() - kCompanionSuffix.size());
  return expression == "`" + base + "`" ? base : "";
}

}  // namespace tsm::mariadb
