#pragma once
// A fresh database on one backend brought up revision by revision through its dialect, the way
// the executor does it (tests/support/sqlite_util.h: one transaction per operation, the
// replayed Schema as `before`). On SQLite the context tree lives in its own file
// (turnstone-context.db beside the main one); on the servers it shares the main database.
#include <memory>
#include <string>
#include <vector>

#include "core/dialect.h"
#include "core/graph/revision_graph.h"
#include "core/graph/registry.h"
#include "core/model/schema.h"
#include "core/base/url.h"
#include "tests/support/sqlite_util.h"
#include "tests/support/test_db.h"

namespace tsm::test {

// Every compiled revision of `tree`, oldest first.
inline std::vector<Revision> revisions_of(const std::string& tree) {
  static const RevisionGraph graph(compiled_revisions());
  std::vector<Revision> out;
  for (const auto* rev : graph.topological(tree)) out.push_back(*rev);
  return out;
}

class MigratedDatabase {
 public:
  explicit MigratedDatabase(DialectKind kind) : db_(kind), main_(db_.connect()) {
    if (kind == DialectKind::sqlite) {
      ConnectOptions options;
      options.create_if_missing = true;
      context_ = backend_for(kind).connect(parse_url("sqlite:///" + db_.dir() + "/turnstone-context.db"), options);
    }
  }

  DialectKind kind() const { return db_.kind(); }
  Connection& main() { return *main_; }
  Connection& context() { return context_ ? *context_ : *main_; }
  Connection& of_tree(const std::string& tree) { return tree == "context" ? context() : main(); }

  // Renders and runs the revision's upgrade operations on the connection of its tree.
  void upgrade(const Revision& rev) {
    Schema& schema = rev.tree == "context" ? context_schema_ : main_schema_;
    for (const auto& op : rev.upgrade_ops()) sqlite_test::run_op(of_tree(rev.tree), schema, op);
  }
  void upgrade_all(const std::string& tree) {
    for (const auto& rev : revisions_of(tree)) upgrade(rev);
  }

  // The live schema of both trees: one database on the servers, two files on SQLite.
  SchemaDescription introspect() {
    SchemaDescription out = main_->introspect({});
    if (context_)
      for (auto& [name, table] : context_->introspect({}).tables) out.tables[name] = table;
    return out;
  }

 private:
  TestDatabase db_;
  std::unique_ptr<Connection> main_;
  std::unique_ptr<Connection> context_;  // SQLite only
  Schema main_schema_, context_schema_;
};

}  // namespace tsm::test
