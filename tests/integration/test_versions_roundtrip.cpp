// Turnstone's revisions on every backend: upgrade one revision at a time from base to head,
// then downgrade one at a time back to base, asserting after each step that the live schema is
// exactly the schema replayed from the operations, and that base leaves only version tables.
#include <catch2/catch.hpp>

#include <sstream>
#include <string>
#include <vector>

#include "core/run/detect.h"
#include "core/run/executor.h"
#include "core/model/schema.h"
#include "core/run/workspace.h"
#include "support/test_db.h"

using tsm::DialectKind;
using tsm::Direction;
using tsm::Schema;

namespace {

tsm::Settings settings_for(const tsm::test::TestDatabase& db, const std::string& tree) {
  tsm::Settings s;
  s.main_url = db.url();
  // SQLite keeps the context tree in a file of its own; servers keep it in the main database.
  if (db.kind() == DialectKind::sqlite) s.context_url = "sqlite:///" + db.dir() + "/turnstone-context.db";
  s.tree = tree;
  return s;
}

std::string lines(const std::vector<std::string>& items) {
  std::ostringstream out;
  for (const auto& item : items) out << "  " << item << "\n";
  return out.str();
}

// Live schema of `tree` minus turnstone-migrate's own tables, diffed against the replayed one.
std::vector<std::string> drift(const tsm::Workspace& ws, const std::string& tree, const Schema& expected) {
  auto conn = ws.connect(tree, false);
  const auto live = conn->introspect(tsm::bookkeeping_tables(ws));
  return tsm::diff(conn->dialect().describe(expected), live);
}

void round_trip(DialectKind kind, const std::string& tree) {
  tsm::test::TestDatabase db(kind);
  const tsm::Workspace ws(settings_for(db, tree));
  const auto chain = ws.graph().topological(tree);
  REQUIRE_FALSE(chain.empty());

  std::vector<Schema> snapshots(1);
  for (const auto* rev : chain) {
    INFO(tsm::dialect_name(kind) << ": upgrade to " << rev->id << " (" << rev->message << ")");
    const auto result = tsm::migrate(ws, Direction::up, rev->id);
    CHECK(result.steps.size() == 1);
    Schema next = snapshots.back();
    for (const auto& op : rev->upgrade_ops()) next.apply(op);
    snapshots.push_back(next);
    const auto differences = drift(ws, tree, next);
    INFO("differences:\n" << lines(differences));
    CHECK(differences.empty());
    CHECK(ws.read_rows(true).at(tree) == std::vector<std::string>{rev->id});
  }

  for (std::size_t i = chain.size(); i-- > 0;) {
    const std::string target = i == 0 ? "base" : chain[i - 1]->id;
    INFO(tsm::dialect_name(kind) << ": downgrade of " << chain[i]->id << " to " << target);
    const auto result = tsm::migrate(ws, Direction::down, target);
    CHECK(result.steps.size() == 1);
    const auto differences = drift(ws, tree, snapshots[i]);
    INFO("differences:\n" << lines(differences));
    CHECK(differences.empty());
  }
  // base: nothing of Turnstone's is left, only the version tables (excluded above).
  auto conn = ws.connect(tree, false);
  CHECK(conn->introspect(tsm::bookkeeping_tables(ws)).tables.empty());
  CHECK(conn->table_exists(ws.version_table(tree)));

  // And up again: the chain is repeatable.
  tsm::migrate(ws, Direction::up, "head");
  CHECK(drift(ws, tree, snapshots.back()).empty());
}

}  // namespace

TEST_CASE("versions: main tree step by step up and down on every backend", "[versions][integration]") {
  for (auto kind : tsm::test::backends_under_test()) {
    SECTION(tsm::dialect_name(kind)) { round_trip(kind, "main"); }
  }
}

TEST_CASE("versions: context tree step by step up and down on every backend", "[versions][integration]") {
  for (auto kind : tsm::test::backends_under_test()) {
    SECTION(tsm::dialect_name(kind)) { round_trip(kind, "context"); }
  }
}
