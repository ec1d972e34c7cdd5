// Bounded lock waits for DDL (docs/online.md): a per-statement lock_timeout, the 55P03 check the
// core retry loop asks for, savepoints around retried statements, and who holds table locks.
#include <algorithm>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "dialects/postgresql/postgresql_connection.h"

namespace tsm::postgresql {

void PostgresConnection::set_ddl_lock_wait(std::chrono::milliseconds wait, std::chrono::milliseconds budget) {
  // 0 would mean "wait forever" to PostgreSQL: the shortest real wait is 1 ms.
  ddl_wait_ = std::make_pair(std::max<long long>(1, wait.count()), std::max<long long>(1, budget.count()));
  run(fmt::format("SET lock_timeout = {}", ddl_wait_->first));
}

bool waits_without_blocking(const std::string& sql) {
  return sql.find(" CONCURRENTLY ") != std::string::npos || sql.find(" VALIDATE CONSTRAINT ") != std::string::npos;
}

// SHARE UPDATE EXCLUSIVE (CONCURRENTLY, VALIDATE) lets readers and writers through while it
// waits, and CREATE INDEX CONCURRENTLY waits for every older transaction more than once, after
// building: a 100 ms lock_timeout would throw the build away. These wait up to the budget.
void PostgresConnection::execute_patient(const std::string& sql) {
  static const std::string kCreate[] = {"CREATE INDEX CONCURRENTLY ", "CREATE UNIQUE INDEX CONCURRENTLY "};
  for (const auto& head : kCreate) {
    if (sql.rfind(head, 0) != 0 || sql.size() <= head.size() || sql[head.size()] != '"') continue;
    auto end = sql.find('"', head.size() + 1);
    if (end == std::string::npos) break;
    const std::string name = sql.substr(head.size() + 1, end - head.size() - 1);
    auto invalid = query("SELECT 1 FROM pg_catalog.pg_index ix JOIN pg_catalog.pg_class c ON c.oid = ix.indexrelid "
                         "WHERE c.relname = ? AND NOT ix.indisvalid AND pg_catalog.pg_table_is_visible(c.oid)",
                         {name});
    if (!invalid.empty()) {
      spdlog::warn("dropping the INVALID index {} a failed build left, before building it again", name);
      run("SET lock_timeout = " + std::to_string(ddl_wait_->second));
      run("DROP INDEX CONCURRENTLY IF EXISTS " + dialect().quote(name));
    }
  }
  run("SET lock_timeout = " + std::to_string(ddl_wait_->second));
  try {
    run(sql);
  } catch (...) {
    try {
      run("SET lock_timeout = " + std::to_string(ddl_wait_->first));
    } catch (...) {
      // an aborted transaction: its ROLLBACK restores the session's setting
    }
    throw;
  }
  run("SET lock_timeout = " + std::to_string(ddl_wait_->first));
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
