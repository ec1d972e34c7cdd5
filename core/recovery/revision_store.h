#pragma once
// `turnstone_migrate_revisions`: for every applied revision, its graph edges and the downgrade
// SQL rendered for this database's dialect when it was applied. It lets an older build (a deploy
// rollback) place revisions it has never seen and revert them. Rows are written in the same
// transaction as the version-table change of each step.
#include <map>
#include <string>
#include <vector>

#include "core/dialect.h"
#include "core/graph/revision.h"

namespace tsm {

inline constexpr const char* kRevisionsTable = "turnstone_migrate_revisions";

struct StoredRevision {
  std::string tree;
  std::string revision;
  std::vector<std::string> down_revisions;
  std::vector<std::string> depends_on;
  std::string message;
  std::vector<Statement> downgrade;  // as rendered when the revision was applied
  std::string applied_at;
};

class RevisionStore {
 public:
  RevisionStore(Connection& conn, std::string tree) : conn_(conn), tree_(std::move(tree)) {}
  void ensure_table();
  // Bookkeeping statements only; the caller runs them inside the step's transaction.
  void record_applied(const Revision& rev, const std::vector<Statement>& downgrade);
  void forget(const std::string& revision);
  // Stored revisions of this tree by id (none when the table does not exist).
  std::map<std::string, StoredRevision> load();

 private:
  Connection& conn_;
  std::string tree_;
};

// What load() makes of the rows it reads (columns: revision, down_revisions, depends_on, message,
// downgrade_sql, applied_at; NULL reads as empty, a NULL downgrade_sql as no statements; a
// revision given twice: the last row wins). Separate from load() so the reading can be tested
// and fuzzed without a database (tests/fuzz). AttentionError when stored SQL is malformed.
std::map<std::string, StoredRevision> stored_revisions_from_rows(const std::string& tree, const std::vector<Row>& rows);

// The stored form of a statement list (a JSON array of {"sql", "in_transaction", "edge"}).
std::string encode_statements(const std::vector<Statement>& statements);
std::vector<Statement> decode_statements(const std::string& text);  // UsageError when malformed

}  // namespace tsm
