#include "core/run/workspace.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "core/base/errors.h"
#include "core/graph/registry.h"
#include "core/graph/sql_unit.h"
#include "core/recovery/ddl_progress_log.h"
#include "core/recovery/revision_store.h"
#include "core/recovery/run_history.h"
#include "core/recovery/schema_snapshot.h"
#include "core/recovery/table_lock.h"
#include "core/run/backfill.h"

namespace tsm {
namespace {
std::vector<Revision> all_revisions(const std::vector<std::string>& dirs) {
  std::vector<Revision> revisions = compiled_revisions();
  for (auto& rev : load_sql_units(dirs)) revisions.push_back(std::move(rev));
  return revisions;
}
}  // namespace

Workspace::Workspace(Settings settings)
    : settings_(std::move(settings)),
      graph_(std::make_unique<RevisionGraph>(all_revisions(settings_.revision_dirs))),
      main_url_(parse_url(settings_.main_url)),
      context_url_(parse_url(settings_.context_url ? *settings_.context_url : default_context_url(main_url_))) {
  if (settings_.tree && !graph_->has_tree(*settings_.tree))
    throw UsageError(fmt::format("unknown tree '{}' (known: {})", *settings_.tree,
                                 fmt::join(graph_->trees(), ", ")));
}

std::vector<std::string> Workspace::selected_trees() const {
  if (settings_.tree) return {*settings_.tree};
  return graph_->trees();
}

const DatabaseUrl& Workspace::url_for(const std::string& tree) const {
  return tree == "context" ? context_url_ : main_url_;
}

std::unique_ptr<Connection> Workspace::connect(const std::string& tree, bool for_write) const {
  ConnectOptions options;
  options.create_if_missing = for_write;
  options.statement_timeout = settings_.statement_timeout;
  options.lock_timeout = settings_.ddl_lock_timeout;
  const DatabaseUrl& url = url_for(tree);
  return backend_for(url.dialect).connect(url, options);
}

// The version table is read before anything is written, and trusted only when it has Alembic's
// layout and plausible rows: a table without its primary key can hold NULL or duplicate rows,
// which the planner would otherwise rewrite (exit 5, nothing written).
std::vector<std::string> Workspace::read_rows(Connection& conn, const std::string& tree, bool trusted) const {
  std::vector<std::string> rows;
  const std::string table = version_table(tree);
  if (!conn.table_exists(table)) return rows;
  const std::string repair = fmt::format(
      "  repair: make {} one version_num VARCHAR(32) primary-key column with one row per current head, e.g. "
      "`turnstone-migrate stamp --purge <head> --tree {}` (or drop the table and `stamp` the revisions the schema has)",
      table, tree);
  std::vector<Row> result;
  try {
    result = conn.query("SELECT version_num FROM " + conn.dialect().quote(table));
  } catch (const StatementError& e) {
    throw AttentionError(fmt::format("the version table {} of tree '{}' cannot be read as Alembic's layout: {}", table,
                                     tree, e.what()),
                         repair);
  }
  for (auto& row : result) {
    if ((row.empty() || !row[0]) && !trusted) continue;
    if (row.empty() || !row[0])
      throw AttentionError(fmt::format("the version table {} of tree '{}' holds a NULL row", table, tree), repair);
    rows.push_back(*row[0]);
  }
  std::sort(rows.begin(), rows.end());
  if (!trusted) rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
  auto dup = std::adjacent_find(rows.begin(), rows.end());
  if (dup != rows.end())
    throw AttentionError(fmt::format("the version table {} of tree '{}' holds the row '{}' twice (its primary key is "
                                     "missing)",
                                     table, tree, dup->size() > 64 ? dup->substr(0, 64) + "…" : *dup),
                         repair);
  return rows;
}

TreeRows Workspace::read_rows(bool missing_ok, bool trusted) const {
  TreeRows out;
  for (const auto& tree : selected_trees()) {
    const DatabaseUrl& url = url_for(tree);
    std::unique_ptr<Connection> conn;
    try {
      conn = connect(tree, /*for_write=*/url.is_memory());
    } catch (const ConnectError&) {
      // A SQLite file that does not exist yet simply has no rows (read commands still insist on
      // the main file: a wrong path should not look like an empty database). Servers must answer.
      if ((missing_ok || &url != &main_url_) && url.dialect == DialectKind::sqlite) continue;
      throw;
    }
    out[tree] = read_rows(*conn, tree, trusted);
  }
  return out;
}

void Workspace::check_known(const TreeRows& rows) const {
  std::vector<std::string> unknown;
  for (const auto& [tree, revs] : rows)
    for (const auto& rev : revs)
      if (!graph_->find(rev)) unknown.push_back(fmt::format("{} (tree {})", rev, tree));
  if (!unknown.empty())
    throw AttentionError(
        fmt::format("the version table names revision(s) this build does not know: {}", fmt::join(unknown, ", ")),
        "  a newer release may have upgraded this database, or a revision unit is missing "
        "(pass --revisions-dir for SQL units)");
}

Placement Workspace::place(Connection& conn, const std::string& tree, const std::vector<std::string>& rows) const {
  bool all_known = std::all_of(rows.begin(), rows.end(), [&](const std::string& r) { return graph_->find(r) != nullptr; });
  if (all_known) return place_rows(*graph_, tree, rows, {});
  return place_rows(*graph_, tree, rows, RevisionStore(conn, tree).load());
}

std::map<std::string, Placement> Workspace::place(const TreeRows& rows) const {
  std::map<std::string, Placement> out;
  for (const auto& [tree, revs] : rows) {
    bool all_known = std::all_of(revs.begin(), revs.end(), [&](const std::string& r) { return graph_->find(r) != nullptr; });
    if (all_known) {
      out[tree] = place_rows(*graph_, tree, revs, {});
      continue;
    }
    auto conn = connect(tree, /*for_write=*/url_for(tree).is_memory());
    out[tree] = place(*conn, tree, revs);
  }
  return out;
}

Schema Workspace::schema_at(const std::string& tree, const std::vector<std::string>& rows) const {
  std::set<std::string> applied;
  for (const auto& rev : rows)
    for (const auto& a : graph_->ancestors(rev)) applied.insert(a);
  Schema schema;
  for (const Revision* rev : graph_->topological(tree))
    if (applied.count(rev->id))
      for (const auto& op : rev->upgrade_ops()) schema.apply(op);
  return schema;
}

std::vector<std::string> bookkeeping_tables(const Workspace& ws) {
  std::vector<std::string> out{kProgressTable, kRunsTable, kRevisionsTable, kLockTable, kBackfillTable, kSnapshotTable};
  for (const auto& tree : ws.graph().trees()) out.push_back(ws.version_table(tree));
  return out;
}

std::set<std::string> tables_of_tree(const Workspace& ws, const std::string& tree) {
  std::set<std::string> names;
  for (const Revision* rev : ws.graph().topological(tree))
    for (const auto& [name, t] : ws.schema_at(tree, {rev->id}).tables) names.insert(name);
  return names;
}

}  // namespace tsm
