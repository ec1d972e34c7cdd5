// PostgresConnection::table_sizes: planner statistics (pg_class.reltuples) and
// pg_total_relation_size for the tables of current_schema(); small tables are counted exactly,
// since reltuples is -1 until the first VACUUM/ANALYZE and stale after bulk loads.
#include <set>

#include "dialects/postgresql/postgresql_connection.h"

namespace tsm::postgresql {
namespace {
constexpr std::int64_t kExactCountBelowBytes = 64LL * 1024 * 1024;
}

std::map<std::string, TableSize> PostgresConnection::table_sizes(const std::vector<std::string>& tables) {
  const std::set<std::string> wanted(tables.begin(), tables.end());
  std::map<std::string, TableSize> out;
  for (const auto& row : query("SELECT c.relname, c.reltuples::bigint, pg_catalog.pg_total_relation_size(c.oid) "
                               "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
                               "WHERE n.nspname = pg_catalog.current_schema() AND c.relkind IN ('r', 'p')")) {
    if (row.size() < 3 || !row[0] || !wanted.count(*row[0])) continue;
    TableSize size;
    if (row[1] && std::stoll(*row[1]) >= 0) size.rows = std::stoll(*row[1]);
    if (row[2]) size.bytes = std::stoll(*row[2]);
    out[*row[0]] = size;
  }
  for (auto& [name, size] : out) {
    if (size.bytes && *size.bytes >= kExactCountBelowBytes) continue;  // big: statistics (or bytes / row)
    auto rows = query("SELECT count(*) FROM " + dialect().quote(name));  // name from the catalog, quoted
    if (!rows.empty() && rows[0][0]) {
      size.rows = std::stoll(*rows[0][0]);
      size.exact = true;
    }
  }
  return out;
}

}  // namespace tsm::postgresql
