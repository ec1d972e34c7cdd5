#include "core/run/drift.h"

#include <set>

namespace tsm {

std::vector<std::string> check_drift(const Workspace& ws, const std::string& tree) {
  auto conn = ws.connect(tree, /*for_write=*/false);
  auto rows = ws.read_rows(*conn, tree);
  ws.check_known({{tree, rows}});
  std::set<std::string> own = tables_of_tree(ws, tree);
  SchemaDescription live = conn->introspect(bookkeeping_tables(ws));
  SchemaDescription expected = conn->dialect().describe(ws.schema_at(tree, rows));
  // Tables of other trees in the same database are theirs to check; unknown tables are drift.
  SchemaDescription mine;
  for (const auto& [name, t] : live.tables) {
    bool other_tree = !own.count(name) && !expected.tables.count(name);
    bool known_elsewhere = false;
    if (other_tree)
      for (const auto& other : ws.graph().trees())
        if (other != tree && tables_of_tree(ws, other).count(name)) known_elsewhere = true;
    if (!known_elsewhere) mine.tables.emplace(name, t);
  }
  return diff(expected, mine);
}

}  // namespace tsm
