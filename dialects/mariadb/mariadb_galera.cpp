// MariaDB Galera: what the tool adapts to on a cluster node (docs/resilience.md, README "Clusters").
#include "dialects/mariadb/mariadb_connection.h"

namespace tsm::mariadb {

// Galera refuses a transaction whose write set exceeds wsrep_max_ws_size (at most 2 GB); a node
// without wsrep (or MySQL, which has no such variable) sets no limit.
std::optional<std::size_t> MariaDbConnection::max_write_set_bytes() {
  try {
    auto rows = query("SELECT @@GLOBAL.wsrep_on, @@GLOBAL.wsrep_max_ws_size");
    if (rows.empty() || !rows[0][0] || !rows[0][1] || (*rows[0][0] != "1" && *rows[0][0] != "ON")) return std::nullopt;
    const std::string& size = *rows[0][1];
    if (size.empty() || size.find_first_not_of("0123456789") != std::string::npos || size.size() > 12) return std::nullopt;
    return static_cast<std::size_t>(std::stoull(size));
  } catch (const StatementError&) {
    return std::nullopt;
  }
}

// "MariaDB error 1105: Maximum writeset size exceeded" (ER_UNKNOWN_ERROR with that text), at COMMIT
// or at the statement that crossed the limit.
bool MariaDbConnection::write_set_too_large(const StatementError& e) const {
  return std::string(e.what()).find("Maximum writeset size exceeded") != std::string::npos;
}

}  // namespace tsm::mariadb
