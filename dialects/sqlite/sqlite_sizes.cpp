// SqliteConnection::table_sizes: SQLite keeps no row statistics a migration can trust, so rows
// are counted (count(*) walks the smallest index: fast enough for a pre-flight check); bytes come
// from the dbstat virtual table when this SQLite build has it.
#include <set>

#include "core/base/errors.h"
#include "dialects/sqlite/sqlite_connection.h"

namespace tsm::sqlite {

std::map<std::string, TableSize> SqliteConnection::table_sizes(const std::vector<std::string>& tables) {
  const std::set<std::string> wanted(tables.begin(), tables.end());
  std::map<std::string, TableSize> out;
  for (const auto& row : query("SELECT name FROM sqlite_master WHERE type = 'table'")) {
    if (row.empty() || !row[0] || !wanted.count(*row[0])) continue;
    TableSize size;
    auto count = query("SELECT count(*) FROM " + dialect().quote(*row[0]));  // name from the catalog, quoted
    if (!count.empty() && count[0][0]) {
      size.rows = std::stoll(*count[0][0]);
      size.exact = true;
    }
    try {
      auto bytes = query("SELECT SUM(pgsize) FROM dbstat WHERE name = ?", {*row[0]});
      if (!bytes.empty() && bytes[0][0]) size.bytes = std::stoll(*bytes[0][0]);
    } catch (const StatementError&) {
      // no dbstat in this build: rows are enough for the estimate
    }
    out[*row[0]] = size;
  }
  return out;
}

}  // namespace tsm::sqlite
