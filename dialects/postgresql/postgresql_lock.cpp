// Per-tree migration lock: a session advisory lock held by a dedicated connection, so that the
// executor's transactions (commit/rollback) never release it and a crash (socket closed) does.
#include <chrono>
#include <cstdint>
#include <thread>

#include <fmt/format.h>

#include "core/base/errors.h"
#include "dialects/postgresql/postgresql_connection.h"

namespace tsm::postgresql {
namespace {

// FNV-1a 64: stable across builds and platforms (std::hash is not).
std::int64_t lock_key(const std::string& name) {
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char c : name) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return static_cast<std::int64_t>(h);
}

class AdvisoryLock : public Lock {
 public:
  AdvisoryLock(std::unique_ptr<pqxx::connection> conn, std::int64_t key) : conn_(std::move(conn)), key_(key) {}
  ~AdvisoryLock() override {
    try {
      pqxx::nontransaction tx(*conn_);
      tx.exec_params("SELECT pg_catalog.pg_advisory_unlock($1::bigint)", key_);
    } catch (...) {
      // closing the connection (below) releases it anyway
    }
  }

 private:
  std::unique_ptr<pqxx::connection> conn_;
  std::int64_t key_;
};

bool try_lock(pqxx::connection& c, std::int64_t key) {
  pqxx::nontransaction tx(c);
  return tx.exec_params("SELECT pg_catalog.pg_try_advisory_lock($1::bigint)", key)[0][0].as<bool>();
}

// "pid 4242 (turnstone-migrate) from 10.0.0.7 since 2024-…"; a bigint advisory key shows in
// pg_locks as classid = high 32 bits, objid = low 32 bits, objsubid = 1.
std::string lock_holder(pqxx::connection& c, std::int64_t key) {
  auto u = static_cast<std::uint64_t>(key);
  pqxx::nontransaction tx(c);
  auto r = tx.exec_params(
      "SELECT a.pid, coalesce(a.application_name, ''), coalesce(host(a.client_addr), 'local socket'), "
      "to_char(a.backend_start AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "
      "FROM pg_catalog.pg_locks l JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid "
      "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 "
      "AND l.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database()) "
      "AND l.classid::text::bigint = $1::bigint AND l.objid::text::bigint = $2::bigint",
      static_cast<std::int64_t>(u >> 32), static_cast<std::int64_t>(u & 0xffffffffu));
  if (r.empty()) return "an unknown session";
  const auto& row = r[0];
  std::string app = row[1].c_str();
  return fmt::format("pid {}{} from {} since {}", row[0].c_str(), app.empty() ? "" : " (" + app + ")", row[2].c_str(),
                     row[3].c_str());
}

// Behind a pooler in transaction mode (pgbouncer pool_mode=transaction) each statement may run on
// another server session, and a session advisory lock then protects nothing. Check that the
// session we talk to now is the one holding the lock, twice, over separate statements.
bool session_holds(pqxx::connection& c, std::int64_t key) {
  auto u = static_cast<std::uint64_t>(key);
  const std::string sql =
      "SELECT pg_catalog.pg_backend_pid(), EXISTS (SELECT 1 FROM pg_catalog.pg_locks l WHERE l.locktype = 'advisory' "
      "AND l.granted AND l.objsubid = 1 AND l.pid = pg_catalog.pg_backend_pid() "
      "AND l.classid::text::bigint = $1::bigint AND l.objid::text::bigint = $2::bigint)";
  pqxx::nontransaction tx(c);
  auto hi = static_cast<std::int64_t>(u >> 32), lo = static_cast<std::int64_t>(u & 0xffffffffu);
  auto first = tx.exec_params(sql, hi, lo);
  auto second = tx.exec_params(sql, hi, lo);
  return first[0][1].as<bool>() && second[0][1].as<bool>() &&
         std::string(first[0][0].c_str()) == std::string(second[0][0].c_str());
}

}  // namespace

std::unique_ptr<Lock> PostgresConnection::acquire_lock(const std::string& tree, std::chrono::seconds timeout,
                                                       const std::function<void(const std::string&)>& waiting) {
  auto where = query("SELECT pg_catalog.current_database(), pg_catalog.current_schema()");
  std::string name = "turnstone-migrate:" + where.at(0).at(0).value_or("");
  // A tenant schema has its own version tables: its lock is its own, so tenants migrate in parallel.
  if (url_.param("schema") || url_.param("search_path")) name += "/" + where.at(0).at(1).value_or("");
  name += ":" + tree;
  const std::int64_t key = lock_key(name);

  ConnectOptions lock_options = options_;
  lock_options.create_if_missing = false;
  lock_options.statement_timeout.reset();
  auto conn = open_session(url_, lock_options);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string holder;
  try {
    while (!try_lock(*conn, key)) {
      if (holder.empty()) {
        holder = lock_holder(*conn, key);
        if (waiting) waiting(holder);
      }
      if (std::chrono::steady_clock::now() >= deadline)
        throw LockTimeoutError(fmt::format("could not acquire the migration lock of tree {} within {} s (held by {})",
                                           tree, timeout.count(), holder));
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    if (!session_holds(*conn, key)) {
      AdvisoryLock release(std::move(conn), key);  // best effort, on whichever session we reach
      throw LockTimeoutError(
          "the migration lock is not held by this connection's server session: a pooler in transaction mode "
          "(pgbouncer pool_mode=transaction) hands each statement to another session; connect to PostgreSQL "
          "directly or through a session-mode pool");
    }
  } catch (const pqxx::failure& e) {
    throw MigrationError("cannot take the migration lock: " + redact_secret(e.what(), url_.password));
  }
  return std::make_unique<AdvisoryLock>(std::move(conn), key);
}

}  // namespace tsm::postgresql
