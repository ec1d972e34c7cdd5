// MariaDB returns TINYINT(1) as 0/1, DATETIME(6) as "YYYY-MM-DD HH:MM:SS.ffffff" (the session
// runs at +00:00), DOUBLE in its shortest round-trip text, JSON (a LONGTEXT alias) as written
// and LONGBLOB as its bytes: the shared parsers read them all.
#include "core/base/canonical.h"
#include "dialects/mariadb/mariadb_dialect.h"

namespace tsm::mariadb {

std::optional<std::string> MariaDbDialect::canonical(const ColumnType& type, const std::optional<std::string>& raw) const {
  if (!raw) return raw;
  return canonical::value(type.kind, *raw);
}

// InnoDB moves AUTO_INCREMENT past every explicit id inserted (and persists it since 10.2.4).
std::vector<std::string> MariaDbDialect::reset_identity_sql(const std::string& table, const std::string& column) const {
  (void)quote(table);  // validates the names
  (void)quote(column);
  return {};
}

}  // namespace tsm::mariadb
