// MariaDbConnection::table_sizes: information_schema.TABLES (TABLE_ROWS is InnoDB's estimate,
// DATA_LENGTH + INDEX_LENGTH its size) for DATABASE(); small tables are counted exactly.
#include <set>

#include "dialects/mariadb/mariadb_connection.h"
#include "dialects/mariadb/mariadb_dialect.h"

namespace tsm::mariadb {
namespace {
constexpr std::int64_t kExactCountBelowBytes = 64LL * 1024 * 1024;
}

std::map<std::string, TableSize> MariaDbConnection::table_sizes(const std::vector<std::string>& tables) {
  const std::set<std::string> wanted(tables.begin(), tables.end());
  std::map<std::string, TableSize> out;
  for (const auto& row : query("SELECT TABLE_NAME, TABLE_ROWS, DATA_LENGTH + INDEX_LENGTH FROM information_schema.TABLES "
                               "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE'")) {
    if (row.size() < 3 || !row[0] || !wanted.count(*row[0])) continue;
    TableSize size;
    if (row[1]) size.rows = std::stoll(*row[1]);
    if (row[2]) size.bytes = std::stoll(*row[2]);
    out[*row[0]] = size;
  }
  for (auto& [name, size] : out) {
    if (size.bytes && *size.bytes >= kExactCountBelowBytes) continue;  // big: statistics (or bytes / row)
    auto rows = query("SELECT COUNT(*) FROM " + mariadb::dialect().quote(name));  // name from the catalog, quoted
    if (!rows.empty() && rows[0][0]) {
      size.rows = std::stoll(*rows[0][0]);
      size.exact = true;
    }
  }
  return out;
}

}  // namespace tsm::mariadb
