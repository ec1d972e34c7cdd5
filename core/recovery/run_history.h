#pragma once
// One row per migration step in `turnstone_migrate_runs` (never in the version table), so an
// operator — and the concurrency tests — can see what ran, where, when and how it ended.
// Rows are written outside the step's transaction: a failed step keeps its 'failed' row.
#include <string>
#include <vector>

#include "core/dialect.h"
#include "core/graph/plan.h"

namespace tsm {

inline constexpr const char* kRunsTable = "turnstone_migrate_runs";

enum class Outcome {
  running,      // in progress, or its process died
  ok,
  failed,
  resumed,      // an incomplete MariaDB upgrade finished by a later run
  undone,       // an incomplete upgrade reverted
  interrupted,  // a 'running' row found by a later run under the lock: its process died
  rolled_back,  // a step of a --single-transaction run that failed as a whole
  stored_sql,   // reverted with the downgrade SQL stored when it was applied (an unknown revision)
};
const char* outcome_word(Outcome outcome);  // the word stored in the table: "ok", "rolled_back", …

// Rows as stored (read back for `history --runs`).
struct RunRecord {
  std::string id, tree, revision, direction, started_at, finished_at, outcome, tool_version, host, pid;
};

class RunHistory {
 public:
  RunHistory(Connection& conn, std::string tree) : conn_(conn), tree_(std::move(tree)) {}
  void ensure_table();
  // Called under the tree's lock: 'running' rows left by a dead process become 'interrupted'.
  void mark_interrupted();
  void started(const std::string& revision, Direction direction);
  void finished(const std::string& revision, Direction direction, Outcome outcome);
  // Inserts a finished row at once (single-transaction runs record after COMMIT/ROLLBACK).
  void record(const std::string& revision, Direction direction, Outcome outcome);

  // Every row of every tree in this database, newest first (none when the table is missing).
  static std::vector<RunRecord> read(Connection& conn, const std::vector<std::string>& trees);

 private:
  Connection& conn_;
  std::string tree_;
};

}  // namespace tsm
