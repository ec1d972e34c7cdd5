#pragma once
// One invocation's view of the world: the revision graph (compiled + SQL units), the selected
// trees, and which database each tree lives in.
#include <chrono>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/recovery/unknown_revisions.h"
#include "core/dialect.h"
#include "core/graph/revision_graph.h"
#include "core/graph/plan.h"
#include "core/base/url.h"

namespace tsm {

// advisory: the dialect's own lock (pg_advisory_lock, GET_LOCK, SQLite's write lock);
// table: a row in turnstone_migrate_lock (works across MariaDB Galera nodes).
enum class LockMode { advisory, table };

struct Settings {
  std::string main_url = "sqlite:///turnstone.db";  // already resolved from --url / env / default
  std::optional<std::string> context_url;           // --context-url / env; else derived
  std::vector<std::string> revision_dirs;
  std::optional<std::string> tree;  // --tree
  std::chrono::seconds lock_timeout{300};
  std::optional<std::chrono::seconds> statement_timeout;
  std::optional<std::chrono::seconds> ddl_lock_timeout;  // server-side lock wait (PostgreSQL lock_timeout)
  // Online DDL (docs/online.md): one statement waits at most `ddl_lock_wait` for a table lock,
  // then is retried with backoff and jitter until `lock_budget` is spent (then exit 1, naming
  // the blocking sessions). Zero budget: one attempt.
  std::chrono::milliseconds ddl_lock_wait{100};
  std::chrono::milliseconds lock_budget{60000};
  bool single_transaction = false;
  LockMode lock_mode = LockMode::advisory;  // --lock-mode
  bool break_lock = false;                  // --break-lock (table mode): remove a left-over lock row
  bool resume = true;                       // --no-resume: an incomplete revision stays exit 5
};

class Workspace {
 public:
  // Loads compiled units and --revisions-dir units into one graph; validates URLs and --tree.
  explicit Workspace(Settings settings);

  const Settings& settings() const { return settings_; }
  const RevisionGraph& graph() const { return *graph_; }
  std::vector<std::string> selected_trees() const;
  const DatabaseUrl& url_for(const std::string& tree) const;
  std::string version_table(const std::string& tree) const { return version_table_for(tree); }

  // Opens the database of `tree`. Read connections never create anything.
  std::unique_ptr<Connection> connect(const std::string& tree, bool for_write) const;

  // Version rows of every selected tree without writing anything. A missing SQLite file or
  // version table means no rows; `missing_ok=false` turns a missing SQLite file into exit 3.
  // `trusted` false (stamp --purge, which replaces the rows anyway): NULL and duplicate rows are
  // dropped instead of refused.
  TreeRows read_rows(bool missing_ok, bool trusted = true) const;
  // Rows of one tree through an open connection (no table → none).
  // Exit 5 (AttentionError) when the table is not Alembic's layout or holds NULL/duplicate rows.
  std::vector<std::string> read_rows(Connection& conn, const std::string& tree, bool trusted = true) const;
  // Exit 5 when a row names a revision this binary does not know.
  void check_known(const TreeRows& rows) const;
  // Places rows this build does not know through the revision store of the tree's database:
  // exit 5 unless the database is only ahead of this build (see core/recovery/unknown_revisions.h).
  Placement place(Connection& conn, const std::string& tree, const std::vector<std::string>& rows) const;
  // The same for every tree of `rows`, opening read connections only where a row is unknown.
  std::map<std::string, Placement> place(const TreeRows& rows) const;

  // Schema of `tree` after replaying the upgrades of every revision applied at `rows`.
  Schema schema_at(const std::string& tree, const std::vector<std::string>& rows) const;

 private:
  Settings settings_;
  std::unique_ptr<RevisionGraph> graph_;
  DatabaseUrl main_url_;
  DatabaseUrl context_url_;
};

// Tables that belong to turnstone-migrate itself (version tables, bookkeeping), left out of
// schema comparisons.
std::vector<std::string> bookkeeping_tables(const Workspace& ws);
// Every table a tree ever creates: only those take part in its comparisons, since in one
// PostgreSQL or MariaDB database both trees' tables stand side by side.
std::set<std::string> tables_of_tree(const Workspace& ws, const std::string& tree);

}  // namespace tsm
