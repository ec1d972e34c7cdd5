#include "core/run/drift.h"

#include "core/base/errors.h"
#include "core/run/schema_snapshots.h"

namespace tsm {

TreeCheck check_tree(const Workspace& ws, const std::string& tree) {
  auto conn = ws.connect(tree, /*for_write=*/false);
  auto rows = ws.read_rows(*conn, tree);
  ws.check_known({{tree, rows}});
  std::optional<SchemaSnapshot> snapshot;
  if (!schema_sql_revisions(ws, tree, rows, conn->dialect().kind()).empty()) snapshot = SnapshotStore(*conn).load(tree);
  Expectation expected = expected_schema(ws, conn->dialect(), tree, rows, snapshot);
  if (!expected.schema) return {{}, expected.why_not, expected.remedy};
  // Tables of other trees in the same database are theirs to check; unknown tables are drift.
  return {diff(*expected.schema, live_schema_of(ws, *conn, tree, &*expected.schema)), "", ""};
}

std::vector<std::string> check_drift(const Workspace& ws, const std::string& tree) {
  TreeCheck result = check_tree(ws, tree);
  if (!result.unchecked.empty()) throw AttentionError(result.unchecked, result.remedy);
  return result.differences;
}

}  // namespace tsm
