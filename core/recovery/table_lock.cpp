#include "core/recovery/table_lock.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>

#include <condition_variable>
#include <mutex>
#include <random>
#include <thread>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/base/errors.h"

namespace tsm {
namespace {

std::int64_t now_epoch() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string host_name() {
  char host[256] = {0};
  if (gethostname(host, sizeof host - 1) != 0) std::snprintf(host, sizeof host, "unknown");
  return host;
}

std::string make_holder() {
  std::random_device rd;
  return fmt::format("{}:{}:{:08x}", host_name(), getpid(), rd());
}

// A holder on this host whose process no longer exists (a migration whose database node died
// under it could not delete its row): no need to wait out its lease. A reused pid only makes us
// wait for the lease, as for a holder elsewhere.
bool holder_gone_here(const std::string& holder) {
  const auto first = holder.find(':'), second = holder.find(':', first + 1);
  if (first == std::string::npos || second == std::string::npos || holder.substr(0, first) != host_name()) return false;
  const std::string pid_text = holder.substr(first + 1, second - first - 1);
  if (pid_text.empty() || pid_text.find_first_not_of("0123456789") != std::string::npos || pid_text.size() > 9) return false;
  const pid_t pid = static_cast<pid_t>(std::stol(pid_text));
  return pid > 0 && pid != getpid() && ::kill(pid, 0) != 0 && errno == ESRCH;
}

std::string table(const Connection& c) { return c.dialect().quote(kLockTable); }

void ensure_table(Connection& conn) {
  if (conn.table_exists(kLockTable)) return;
  TableSpec spec;
  spec.name = kLockTable;
  spec.columns = {col::string("tree", 64).pk(), col::string("holder", 255).not_null(),
                  col::big_integer("acquired_at").not_null(), col::big_integer("expires_at").not_null()};
  try {
    for (const auto& st : conn.dialect().render(CreateTable{spec}, Schema{})) conn.execute(st.sql);
  } catch (const StatementError&) {
    if (!conn.table_exists(kLockTable)) throw;  // else another process created it at the same time
  }
}

struct HeldBy {
  std::string holder;
  std::int64_t acquired_at = 0, expires_at = 0;
  std::string describe() const {
    return fmt::format("{} (since {} s, lease ends in {} s)", holder, now_epoch() - acquired_at, expires_at - now_epoch());
  }
};

std::optional<HeldBy> read_holder(Connection& conn, const std::string& tree) {
  try {
    auto rows = conn.query(fmt::format("SELECT holder, acquired_at, expires_at FROM {} WHERE tree = ?", table(conn)), {tree});
    if (rows.empty()) return std::nullopt;
    return HeldBy{rows[0][0].value_or("?"), std::stoll(rows[0][1].value_or("0")), std::stoll(rows[0][2].value_or("0"))};
  } catch (const StatementError& e) {
    spdlog::debug("reading the lock row of tree '{}': {}", tree, e.what());
    return HeldBy{"another process (the lock table is busy)", now_epoch(), now_epoch() + 1};
  }
}

bool try_insert(Connection& conn, const std::string& tree, const std::string& holder) {
  try {
    auto now = now_epoch();
    conn.query(fmt::format("INSERT INTO {} (tree, holder, acquired_at, expires_at) VALUES (?, ?, ?, ?)", table(conn)),
               {tree, holder, std::to_string(now), std::to_string(now + kLockLease.count())});
    return true;
  } catch (const StatementError& e) {
    spdlog::debug("inserting the lock row of tree '{}': {}", tree, e.what());
    return false;  // the key is taken (or, on Galera, another node's insert won certification)
  }
}

void remove_holder(Connection& conn, const std::string& tree, const std::string& holder) {
  conn.query(fmt::format("DELETE FROM {} WHERE tree = ? AND holder = ?", table(conn)), {tree, holder});
}

class TableLock : public Lock {
 public:
  TableLock(std::unique_ptr<Connection> conn, std::string tree, std::string holder)
      : conn_(std::move(conn)), tree_(std::move(tree)), holder_(std::move(holder)), heartbeat_([this] { beat(); }) {}

  ~TableLock() override {
    {
      std::lock_guard<std::mutex> g(m_);
      stop_ = true;
    }
    cv_.notify_all();
    heartbeat_.join();
    try {
      remove_holder(*conn_, tree_, holder_);
    } catch (const std::exception& e) {
      spdlog::warn("could not release the lock row of tree '{}' ({}); it expires within {} s", tree_, e.what(),
                   kLockLease.count());
    }
  }

 private:
  // Keeps the lease alive while a long migration runs, so only a dead holder's row expires.
  void beat() {
    std::unique_lock<std::mutex> lk(m_);
    while (!cv_.wait_for(lk, kLockLease / 4, [this] { return stop_; })) {
      try {
        conn_->query(fmt::format("UPDATE {} SET expires_at = ? WHERE tree = ? AND holder = ?", table(*conn_)),
                     {std::to_string(now_epoch() + kLockLease.count()), tree_, holder_});
      } catch (const std::exception& e) {
        spdlog::warn("could not refresh the lock row of tree '{}': {}", tree_, e.what());
      }
    }
  }

  std::unique_ptr<Connection> conn_;
  std::string tree_, holder_;
  std::mutex m_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread heartbeat_;  // last: starts once everything above is set
};

}  // namespace

std::unique_ptr<Lock> acquire_table_lock(std::unique_ptr<Connection> conn, const std::string& tree,
                                         std::chrono::seconds timeout, bool break_lock,
                                         const std::function<void(const std::string&)>& waiting) {
  ensure_table(*conn);
  const std::string holder = make_holder();
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  bool told = false;
  while (!try_insert(*conn, tree, holder)) {
    auto held = read_holder(*conn, tree);
    if (!held) continue;  // released between our INSERT and SELECT
    const bool gone_here = holder_gone_here(held->holder);
    if (break_lock || gone_here || held->expires_at < now_epoch()) {
      spdlog::warn("removing the lock row of tree '{}' held by {} ({})", tree, held->holder,
                   break_lock  ? "--break-lock"
                   : gone_here ? "its process on this host is gone"
                               : "its lease expired: the holder is gone");
      try {
        remove_holder(*conn, tree, held->holder);
      } catch (const StatementError& e) {
        // Another waiter removed it first, or (Galera) the holder's own DELETE was still on its
        // way here and won certification: look again.
        spdlog::debug("removing the lock row of tree '{}': {}", tree, e.what());
      }
      break_lock = false;
      continue;
    }
    if (!told && waiting) waiting(held->describe());
    told = true;
    if (std::chrono::steady_clock::now() >= deadline)
      throw LockTimeoutError(fmt::format("could not acquire the migration lock of tree {} within {} s (lock table {})",
                                         tree, timeout.count(), kLockTable),
                             fmt::format("  held by {}\n  if that process is gone, rerun with --break-lock",
                                         held->describe()));
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  return std::make_unique<TableLock>(std::move(conn), tree, holder);
}

}  // namespace tsm
