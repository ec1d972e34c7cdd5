// Bounded lock waits for DDL (docs/online.md): lock_wait_timeout bounds the wait for a metadata
// lock (0 behaves as NOWAIT), error 1205 is the "gave up waiting" the core retry loop asks
// about, and the process list names who holds the table.
#include <fmt/format.h>

#include "dialects/mariadb/mariadb_connection.h"

namespace tsm::mariadb {

void MariaDbConnection::set_ddl_lock_wait(std::chrono::milliseconds wait, std::chrono::milliseconds /*budget*/) {
  // Whole seconds only: below one second, 0 = give up at once (NOWAIT), and core retries.
  execute(fmt::format("SET SESSION lock_wait_timeout = {}", wait.count() / 1000));
}

bool MariaDbConnection::lock_wait_expired(const StatementError& e) const {
  const std::string m = e.what();
  return m.rfind("MariaDB error 1205:", 0) == 0;  // ER_LOCK_WAIT_TIMEOUT (metadata lock, NOWAIT)
}

std::vector<std::string> MariaDbConnection::lock_blockers() {
  // Sessions on this database other than ours with an open InnoDB transaction (it holds
  // metadata locks on every table it touched until it ends) or a statement running.
  const char* base =
      "SELECT p.ID, coalesce(p.USER, ''), coalesce(p.HOST, ''), coalesce(p.COMMAND, ''), coalesce(p.STATE, ''), "
      "coalesce(date_format(t.trx_started, '%Y-%m-%dT%H:%i:%sZ'), concat(p.TIME, 's ago')), "
      "left(replace(coalesce(t.trx_query, p.INFO, ''), '\\n', ' '), 100) "
      "FROM information_schema.PROCESSLIST p "
      "LEFT JOIN information_schema.INNODB_TRX t ON t.trx_mysql_thread_id = p.ID "
      "WHERE p.ID <> CONNECTION_ID() AND p.DB = DATABASE() AND (t.trx_id IS NOT NULL OR p.COMMAND = 'Query'";
  const char* with_mdl = " OR p.ID IN (SELECT THREAD_ID FROM information_schema.METADATA_LOCK_INFO "
                         "WHERE TABLE_SCHEMA = DATABASE() AND LOCK_TYPE LIKE '%table%')";
  const char* tail = ") ORDER BY t.trx_started IS NULL, t.trx_started, p.TIME DESC LIMIT 5";
  std::vector<Row> rows;
  try {
    rows = query(std::string(base) + with_mdl + tail);
  } catch (const StatementError&) {
    try {
      rows = query(std::string(base) + tail);  // METADATA_LOCK_INFO plugin not loaded
    } catch (const StatementError&) {
      return {};
    }
  }
  std::vector<std::string> out;
  for (const auto& r : rows)
    out.push_back(fmt::format("connection {} (user {}@{}, {} {}, since {}; query: {})", r[0].value_or(""),
                              r[1].value_or(""), r[2].value_or(""), r[3].value_or(""), r[4].value_or(""),
                              r[5].value_or(""), r[6].value_or("")));
  return out;
}

}  // namespace tsm::mariadb
