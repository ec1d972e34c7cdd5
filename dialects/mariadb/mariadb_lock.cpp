// Per-tree migration lock: GET_LOCK on a dedicated session, so the lock survives the main
// connection's commits and is released by the server if we die.
#include <cstdint>
#include <mutex>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/base/errors.h"
#include "core/recovery/table_lock.h"
#include "dialects/mariadb/mariadb_connection.h"

namespace tsm::mariadb {
namespace {

class MariaDbLock : public Lock {
 public:
  MariaDbLock(std::unique_ptr<MariaDbHandle> session, std::string name, std::optional<std::string> password)
      : session_(std::move(session)), name_(std::move(name)), password_(std::move(password)) {}
  ~MariaDbLock() override {
    try {
      mariadb_query(session_->get(), "SELECT RELEASE_LOCK(?)", {name_}, password_);
    } catch (...) {
      // Closing the session below releases it anyway.
    }
  }

 private:
  std::unique_ptr<MariaDbHandle> session_;
  std::string name_;
  std::optional<std::string> password_;
};

// User-lock names are limited to 64 characters: long ones are replaced by a stable hash.
std::string lock_name(const std::string& database, const std::string& tree) {
  std::string name = "tsm:" + database + ":" + tree;
  if (name.size() <= 64) return name;
  std::uint64_t h = 1469598103934665603ULL;  // FNV-1a 64
  for (unsigned char c : name) h = (h ^ c) * 1099511628211ULL;
  return fmt::format("tsm:{:016x}:{}", h, tree.substr(0, 40));
}

std::string holder(st_mysql* h, const std::string& name, const std::optional<std::string>& password) {
  try {
    auto rows = mariadb_query(h,
                              "SELECT p.ID, p.USER, p.HOST FROM information_schema.PROCESSLIST p "
                              "WHERE p.ID = IS_USED_LOCK(?)",
                              {name}, password);
    if (rows.empty() || !rows[0][0]) return "another session";
    return fmt::format("connection {} ({}@{})", *rows[0][0], rows[0][1].value_or("?"), rows[0][2].value_or("?"));
  } catch (const StatementError&) {
    return "another session";
  }
}

bool got(const std::vector<Row>& rows) { return !rows.empty() && rows[0][0] && *rows[0][0] == "1"; }

}  // namespace

std::unique_ptr<Lock> MariaDbConnection::acquire_lock(const std::string& tree, std::chrono::seconds timeout,
                                                      const std::function<void(const std::string&)>& waiting) {
  auto session = open_mariadb_session(url_, options_);
  // GET_LOCK is node-local under Galera (and was briefly an error there in 10.6.13/10.11.3): two
  // nodes would both "hold" it. The table lock's row replicates, and the losing node's insert
  // fails certification or meets the key, so it holds across the cluster.
  std::vector<Row> wsrep;
  try {
    wsrep = mariadb_query(session->get(), "SELECT @@GLOBAL.wsrep_on, @@GLOBAL.wsrep_cluster_address", {}, url_.password);
  } catch (const StatementError&) {
    // MySQL has no wsrep variables: not a Galera node.
  }
  if (!wsrep.empty() && wsrep[0][0] && (*wsrep[0][0] == "1" || *wsrep[0][0] == "ON")) {
    static std::once_flag told;
    std::call_once(told, [&] {
      spdlog::info("MariaDB Galera cluster (wsrep_on, {}): the migration lock is a row in {} rather than GET_LOCK, "
                   "which is local to one node",
                   wsrep[0][1].value_or("?"), kLockTable);
    });
    session.reset();
    ConnectOptions lock_options = options_;
    lock_options.create_if_missing = false;
    lock_options.statement_timeout.reset();
    return acquire_table_lock(std::make_unique<MariaDbConnection>(url_, lock_options), tree, timeout,
                              /*break_lock=*/false, waiting);
  }
  auto db = mariadb_query(session->get(), "SELECT DATABASE()", {}, url_.password);
  std::string name = lock_name(db.empty() || !db[0][0] ? "" : *db[0][0], tree);
  if (!got(mariadb_query(session->get(), "SELECT GET_LOCK(?, 0)", {name}, url_.password))) {
    if (waiting) waiting(holder(session->get(), name, url_.password));
    auto rows = mariadb_query(session->get(), "SELECT GET_LOCK(?, ?)",
                              {name, std::to_string(timeout.count())}, url_.password);
    if (!got(rows))
      throw LockTimeoutError(fmt::format("timed out after {}s waiting for the migration lock of tree {} on {}",
                                         timeout.count(), tree, url_.redacted()),
                             "held by " + holder(session->get(), name, url_.password));
  }
  return std::make_unique<MariaDbLock>(std::move(session), name, url_.password);
}

}  // namespace tsm::mariadb
