#include "core/run/tree_session.h"

#include <algorithm>
#include <random>
#include <thread>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/recovery/table_lock.h"
#include "core/run/backfill.h"

namespace tsm {
namespace {

std::unique_ptr<Lock> take_lock(const Workspace& ws, Connection& conn, const std::string& tree) {
  const auto timeout = ws.settings().lock_timeout;
  auto waiting = [&](const std::string& holder) {
    spdlog::warn("waiting up to {}s for the migration lock of tree '{}'{}", timeout.count(), tree,
                 holder.empty() ? "" : " held by " + holder);
  };
  if (ws.settings().lock_mode == LockMode::table)
    return acquire_table_lock(ws.connect(tree, /*for_write=*/true), tree, timeout, ws.settings().break_lock, waiting);
  return conn.acquire_lock(tree, timeout, waiting);
}

}  // namespace

TreeSession open_locked(const Workspace& ws, const std::string& tree) {
  TreeSession s{tree, ws.connect(tree, /*for_write=*/true), nullptr, nullptr, nullptr, nullptr};
  s.lock = take_lock(ws, *s.conn, tree);
  const std::string table = ws.version_table(tree);
  if (!s.conn->table_exists(table)) s.conn->execute(s.dialect().create_version_table(table));
  s.history = std::make_unique<RunHistory>(*s.conn, tree);
  s.history->ensure_table();
  s.history->mark_interrupted();
  s.store = std::make_unique<RevisionStore>(*s.conn, tree);
  s.store->ensure_table();
  s.progress = std::make_unique<ProgressLog>(*s.conn, tree);
  if (!s.dialect().transactional_ddl()) s.progress->ensure_table();
  const bool settled = s.dialect().transactional_ddl() || s.progress->incomplete().empty();
  s.snapshots = SnapshotKeeper::open(ws, *s.conn, tree, settled);
  // Bookkeeping is in place: from here every statement waits only briefly for a table lock.
  s.conn->set_ddl_lock_wait(ws.settings().ddl_lock_wait, ws.settings().lock_budget);
  s.lock_budget = ws.settings().lock_budget;
  return s;
}

void exec_in_transaction(Connection& conn, const std::vector<Statement>& statements, bool own_tx,
                         const Statement** current, std::chrono::milliseconds lock_budget) {
  for (const auto& st : statements) {
    *current = &st;
    spdlog::debug("SQL: {}", st.sql);
    if (!st.in_transaction && own_tx) {
      conn.commit();
      if (st.batched) run_backfill(conn, *st.batched, lock_budget);
      else execute_bounded(conn, st.sql, /*in_tx=*/false, lock_budget);
      conn.begin();
    } else {
      execute_bounded(conn, st.sql, /*in_tx=*/true, lock_budget);
    }
  }
  *current = nullptr;
}

void execute_bounded(Connection& conn, const std::string& sql, bool in_tx, std::chrono::milliseconds lock_budget) {
  retry_lock_waits(conn, sql, in_tx, lock_budget, [&] { conn.execute(sql); });
}

void retry_lock_waits(Connection& conn, const std::string& sql, bool in_tx, std::chrono::milliseconds lock_budget,
                      const std::function<void()>& attempt_once) {
  using namespace std::chrono;
  const auto start = steady_clock::now();
  static thread_local std::mt19937 jitter{std::random_device{}()};
  milliseconds backoff{50};
  for (int attempt = 1;; ++attempt) {
    if (in_tx) conn.retry_mark();
    try {
      attempt_once();
      return;
    } catch (const StatementError& e) {
      if (!conn.lock_wait_expired(e)) throw;
      if (in_tx) conn.retry_rewind();
      // Full jitter on an exponential backoff: concurrent migrators and the app's own
      // transactions do not fall into step with each other.
      auto pause = milliseconds(std::uniform_int_distribution<long long>(backoff.count() / 2, backoff.count())(jitter));
      auto spent = duration_cast<milliseconds>(steady_clock::now() - start);
      if (spent + pause >= lock_budget) {
        auto blockers = conn.lock_blockers();
        throw StatementError(
            fmt::format("gave up after {} attempt(s) in {:.1f}s (--lock-budget {:.1f}s): a table lock stayed taken; "
                        "blocked by {}",
                        attempt, spent.count() / 1000.0, lock_budget.count() / 1000.0,
                        blockers.empty() ? "a session that has since ended" : fmt::format("{}", fmt::join(blockers, "; "))),
            sql);
      }
      spdlog::warn("waiting for a table lock (attempt {}), retrying in {} ms: {}", attempt, pause.count(),
                   sql.substr(0, 80));
      std::this_thread::sleep_for(pause);
      backoff = std::min(backoff * 2, milliseconds(2000));
    }
  }
}

MigrationError step_failure(const std::string& label, const std::string& tree, const StatementError& e,
                            const std::string& sql, const std::string& aftermath) {
  return MigrationError(fmt::format("{} of tree '{}' failed: {}", label, tree, e.what()),
                        fmt::format("  statement: {}\n  {}", sql, aftermath));
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace tsm
