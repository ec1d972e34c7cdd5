#include "core/run/tree_session.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/recovery/table_lock.h"

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
  return s;
}

void exec_in_transaction(Connection& conn, const std::vector<Statement>& statements, bool own_tx,
                         const Statement** current) {
  for (const auto& st : statements) {
    *current = &st;
    spdlog::debug("SQL: {}", st.sql);
    if (!st.in_transaction && own_tx) {
      conn.commit();
      conn.execute(st.sql);
      conn.begin();
    } else {
      conn.execute(st.sql);
    }
  }
  *current = nullptr;
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
