// Bounded lock waits for DDL (docs/online.md): a per-statement lock_timeout, the 55P03 check the
// core retry loop asks for, savepoints around retried statements, and who holds table locks.
#include <fmt/format.h>

#include "dialects/postgresql/postgresql_connection.h"

namespace tsm::postgresql {

void PostgresConnection::set_ddl_lock_wait(std::chrono::milliseconds wait) {
  // 0 would mean "wait forever" to PostgreSQL: the shortest real wait is 1 ms.
  execute(fmt::format("SET lock_timeout = {}", std::max<long long>(1, wait.count())));
}

bool PostgresConnection::lock_wait_expired(const StatementError& e) const {
  return !failed_sql_.empty() && failed_sql_ == e.sql;
}

void PostgresConnection::retry_mark() { execute("SAVEPOINT tsm_lock_retry"); }
void PostgresConnection::retry_rewind() { execute("ROLLBACK TO SAVEPOINT tsm_lock_retry"); }

std::vector<std::string> PostgresConnection::lock_blockers() {
  std::vector<std::string> out;
  try {
    auto rows = query(
        "SELECT a.pid::text, coalesce(a.usename::text, ''), coalesce(a.application_name, ''), coalesce(a.state, ''), "
        "coalesce(to_char(coalesce(a.xact_start, a.query_start) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), ''), "
        "left(regexp_replace(coalesce(a.query, ''), '\\s+', ' ', 'g'), 100), "
        "string_agg(DISTINCT c.relname || ' ' || l.mode, ', ') "
        "FROM pg_catalog.pg_locks l "
        "JOIN pg_catalog.pg_class c ON c.oid = l.relation "
        "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
        "JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid "
        "WHERE l.locktype = 'relation' AND l.granted AND l.pid <> pg_catalog.pg_backend_pid() "
        "AND l.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database()) "
        "AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%' "
        "GROUP BY 1, 2, 3, 4, 5, 6, coalesce(a.xact_start, a.query_start) "
        "ORDER BY coalesce(a.xact_start, a.query_start) NULLS LAST LIMIT 5");
    for (const auto& r : rows)
      out.push_back(fmt::format("pid {} (user {}, application '{}', {} since {}, holding {}; query: {})", r[0].value_or(""),
                                r[1].value_or(""), r[2].value_or(""), r[3].value_or(""), r[4].value_or(""),
                                r[6].value_or(""), r[5].value_or("")));
  } catch (const StatementError&) {
    // naming the blocker is best effort: the error says the budget ran out either way
  }
  return out;
}

}  // namespace tsm::postgresql
