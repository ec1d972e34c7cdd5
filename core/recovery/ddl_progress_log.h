#pragma once
// Where DDL commits implicitly (MariaDB/MySQL) a revision cannot be rolled back whole, so each
// statement that completes is recorded in `turnstone_migrate_progress` (never in the version
// table). A leftover record means a revision is incomplete; the next write command reports it.
#include <optional>
#include <string>
#include <vector>

#include "core/dialect.h"
#include "core/graph/plan.h"

namespace tsm {

inline constexpr const char* kProgressTable = "turnstone_migrate_progress";

// One statement that completed: its position in the revision's rendered statements (1-based)
// and the index of the operation it belongs to (for undoing exactly what ran).
struct ProgressEntry {
  int index = 0;
  int operation = 0;
  std::string sql;
  // For raw SQL, whose effect no operation describes: the schema fingerprint just before it ran,
  // so an in-doubt statement can be judged by whether the schema has changed since.
  std::string schema_before;
};

struct IncompleteRevision {
  std::string tree;
  std::string revision;
  Direction direction = Direction::up;
  std::vector<std::string> completed;  // statements that ran, in order
  std::vector<ProgressEntry> entries;  // the same with their indexes
  // A statement that was started but not recorded as done: the process died while it ran (or
  // just after), so it may or may not have taken effect.
  std::optional<ProgressEntry> in_doubt;
};

class ProgressLog {
 public:
  ProgressLog(Connection& conn, std::string tree) : conn_(conn), tree_(std::move(tree)) {}
  void ensure_table();
  // Incomplete revisions of this tree (none when the table does not exist).
  std::vector<IncompleteRevision> incomplete();
  void started(const std::string& revision, Direction direction);
  // Around each statement: `starting` before it runs, then `completed` or `failed` (a failed
  // DDL statement changed nothing: MariaDB 10.6+ DDL is atomic).
  void starting(const std::string& revision, Direction direction, int index, int operation,
                const std::string& sql, const std::string& schema_before = {});
  void completed(const std::string& revision, Direction direction, int index);
  void failed(const std::string& revision, Direction direction, int index);
  // Drops the record of one operation once its inverse has run (an undo interrupted half-way
  // then resumes with the operations still applied).
  void forget_operation(const std::string& revision, Direction direction, int operation);
  void clear(const std::string& revision);
  // SQL that clears the record of a finished revision (run with the version-table change).
  std::string clear_sql(const std::string& revision) const;

 private:
  Connection& conn_;
  std::string tree_;
};

}  // namespace tsm
