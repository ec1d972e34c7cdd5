#pragma once
// One tree's open, locked database and its bookkeeping tables, plus the small pieces every
// kind of step shares: running statements inside a transaction and reporting a failed one.
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/base/errors.h"
#include "core/recovery/ddl_progress_log.h"
#include "core/recovery/revision_store.h"
#include "core/recovery/run_history.h"
#include "core/run/schema_snapshots.h"
#include "core/run/workspace.h"

namespace tsm {

struct TreeSession {
  std::string tree;
  std::unique_ptr<Connection> conn;
  std::unique_ptr<Lock> lock;
  std::unique_ptr<RunHistory> history;
  std::unique_ptr<RevisionStore> store;
  std::unique_ptr<ProgressLog> progress;
  std::chrono::milliseconds lock_budget{0};  // --lock-budget (see execute_bounded)
  // The schema snapshot `check` needs where raw SQL may change the schema (nullptr elsewhere).
  std::unique_ptr<SnapshotKeeper> snapshots{};
  const Dialect& dialect() const { return conn->dialect(); }
};

// Connects for writing, takes the tree's lock (advisory or table, per --lock-mode), then creates
// the bookkeeping tables under it, so concurrent runs never race to create them.
TreeSession open_locked(const Workspace& ws, const std::string& tree);

// Runs statements inside an open transaction; a statement that cannot run in one (PostgreSQL
// CREATE INDEX CONCURRENTLY, SQLite's foreign_keys pragma) runs between two when `own_tx`.
// `*current` names the statement running (for the error report), nullptr once all ran.
void exec_in_transaction(Connection& conn, const std::vector<Statement>& statements, bool own_tx,
                         const Statement** current, std::chrono::milliseconds lock_budget = {});

// Runs one statement; when it gives up waiting for a table lock (the connection's per-attempt
// wait), retries it with exponential backoff and jitter until `lock_budget` is spent. Inside a
// transaction (`in_tx`) each attempt runs under a savepoint, so a failed wait loses nothing.
// Budget spent: StatementError naming the sessions that hold table locks; the statement did not run.
void execute_bounded(Connection& conn, const std::string& sql, bool in_tx, std::chrono::milliseconds lock_budget);
// The same loop around any attempt (a parameterized statement); `sql` is what errors show.
void retry_lock_waits(Connection& conn, const std::string& sql, bool in_tx, std::chrono::milliseconds lock_budget,
                      const std::function<void()>& attempt_once);

// The exit-1 error of a failed step: what failed, the statement, and what stayed applied.
MigrationError step_failure(const std::string& label, const std::string& tree, const StatementError& e,
                            const std::string& sql, const std::string& aftermath);

double seconds_since(std::chrono::steady_clock::time_point start);

}  // namespace tsm
