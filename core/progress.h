#pragma once
// Where DDL commits implicitly (MariaDB/MySQL) a revision cannot be rolled back whole, so each
// statement that completes is recorded in `turnstone_migrate_progress` (never in the version
// table). A leftover record means a revision is incomplete; the next write command reports it.
#include <string>
#include <vector>

#include "core/dialect.h"

namespace tsm {

inline constexpr const char* kProgressTable = "turnstone_migrate_progress";

struct IncompleteRevision {
  std::string tree;
  std::string revision;
  std::string direction;              // "upgrade" | "downgrade"
  std::vector<std::string> completed;  // statements that ran, in order
};

class ProgressLog {
 public:
  ProgressLog(Connection& conn, std::string tree) : conn_(conn), tree_(std::move(tree)) {}
  void ensure_table();
  // Incomplete revisions of this tree (none when the table does not exist).
  std::vector<IncompleteRevision> incomplete();
  void started(const std::string& revision, const std::string& direction);
  void completed(const std::string& revision, const std::string& direction, int index, const std::string& sql);
  // SQL that clears the record of a finished revision (run with the version-table change).
  std::string clear_sql(const std::string& revision) const;

 private:
  Connection& conn_;
  std::string tree_;
};

}  // namespace tsm
