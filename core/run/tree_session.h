#pragma once
// One tree's open, locked database and its bookkeeping tables, plus the small pieces every
// kind of step shares: running statements inside a transaction and reporting a failed one.
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "core/base/errors.h"
#include "core/recovery/ddl_progress_log.h"
#include "core/recovery/revision_store.h"
#include "core/recovery/run_history.h"
#include "core/run/workspace.h"

namespace tsm {

struct TreeSession {
  std::string tree;
  std::unique_ptr<Connection> conn;
  std::unique_ptr<Lock> lock;
  std::unique_ptr<RunHistory> history;
  std::unique_ptr<RevisionStore> store;
  std::unique_ptr<ProgressLog> progress;
  const Dialect& dialect() const { return conn->dialect(); }
};

// Connects for writing, takes the tree's lock (advisory or table, per --lock-mode), then creates
// the bookkeeping tables under it, so concurrent runs never race to create them.
TreeSession open_locked(const Workspace& ws, const std::string& tree);

// Runs statements inside an open transaction; a statement that cannot run in one (PostgreSQL
// CREATE INDEX CONCURRENTLY, SQLite's foreign_keys pragma) runs between two when `own_tx`.
// `*current` names the statement running (for the error report), nullptr once all ran.
void exec_in_transaction(Connection& conn, const std::vector<Statement>& statements, bool own_tx,
                         const Statement** current);

// The exit-1 error of a failed step: what failed, the statement, and what stayed applied.
MigrationError step_failure(const std::string& label, const std::string& tree, const StatementError& e,
                            const std::string& sql, const std::string& aftermath);

double seconds_since(std::chrono::steady_clock::time_point start);

}  // namespace tsm
