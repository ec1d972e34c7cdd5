#include "core/run/schema_snapshots.h"

#include <algorithm>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/base/errors.h"
#include "core/base/text.h"
#include "core/recovery/schema_sql.h"
#include "core/run/tree_session.h"

namespace tsm {
namespace {

std::vector<std::string> sorted(std::vector<std::string> rows) {
  std::sort(rows.begin(), rows.end());
  return rows;
}

std::string rows_text(const std::vector<std::string>& rows) { return rows.empty() ? "base" : join(rows); }

// Revisions of `tree` applied at `rows` (ids this build knows).
std::set<std::string> applied(const Workspace& ws, const std::vector<std::string>& rows) {
  std::set<std::string> out;
  for (const auto& row : rows)
    if (ws.graph().find(row))
      for (const auto& id : ws.graph().ancestors(row)) out.insert(id);
  return out;
}

// Tables of this database that trees other than `tree` claim.
std::set<std::string> claimed_by_others(const Workspace& ws, Connection& conn, const std::string& tree) {
  std::set<std::string> out;
  for (const auto& other : ws.graph().trees())
    if (other != tree)
      for (const auto& name : tables_of_tree(ws, other)) out.insert(name);
  for (const auto& [other, snapshot] : SnapshotStore(conn).load_all())
    if (other != tree)
      for (const auto& [name, _] : snapshot.schema.tables) out.insert(name);
  return out;
}

}  // namespace

std::vector<std::string> schema_sql_revisions(const Workspace& ws, const std::string& tree,
                                              const std::vector<std::string>& rows, DialectKind dialect) {
  const auto ids = applied(ws, rows);
  std::vector<std::string> out;
  for (const Revision* rev : ws.graph().topological(tree))
    if (ids.count(rev->id) && runs_schema_sql(*rev, dialect)) out.push_back(rev->id);
  return out;
}

SchemaDescription live_schema_of(const Workspace& ws, Connection& conn, const std::string& tree,
                                 const SchemaDescription* also_own) {
  SchemaDescription live = conn.introspect(bookkeeping_tables(ws));
  const auto others = claimed_by_others(ws, conn, tree);
  const auto own = tables_of_tree(ws, tree);
  for (auto it = live.tables.begin(); it != live.tables.end();) {
    const bool mine = own.count(it->first) || (also_own && also_own->tables.count(it->first));
    if (!mine && others.count(it->first))
      it = live.tables.erase(it);
    else
      ++it;
  }
  return live;
}

Expectation expected_schema(const Workspace& ws, const Dialect& dialect, const std::string& tree,
                            const std::vector<std::string>& rows, const std::optional<SchemaSnapshot>& snapshot) {
  for (const auto& row : rows)
    if (!ws.graph().find(row))
      return {std::nullopt,
              fmt::format("the version rows of tree '{}' name a revision this build does not know ({})", tree, row),
              ""};
  const auto raw = schema_sql_revisions(ws, tree, rows, dialect.kind());
  if (raw.empty()) return {dialect.describe(ws.schema_at(tree, rows)), "", ""};
  const std::string adopt = fmt::format(
      "  `stamp --adopt-schema --tree {}` takes the live schema as what they produce "
      "(then `check` reports the changes made after it)",
      tree);
  if (!snapshot)
    return {std::nullopt,
            fmt::format("revision(s) {} of tree '{}' run raw SQL that changes the schema, and no schema snapshot of "
                        "what they produced was recorded here (they were applied by an older build, by `stamp` or "
                        "by an offline --sql script)",
                        join(raw), tree),
            adopt};
  std::vector<std::string> unknown;
  for (const auto& head : snapshot->heads)
    if (!ws.graph().find(head)) unknown.push_back(head);
  if (!unknown.empty())
    return {std::nullopt,
            fmt::format("the schema snapshot of tree '{}' was recorded at revision(s) this build does not know ({}); "
                        "the version rows are {}",
                        tree, join(unknown), rows_text(rows)),
            adopt};
  // Revisions applied on one side only (a stamp moved the rows): their operations are known,
  // their schema SQL is not.
  const auto now = applied(ws, rows), then = applied(ws, snapshot->heads);
  std::vector<std::string> unrecorded;
  for (const Revision* rev : ws.graph().topological(tree))
    if (now.count(rev->id) != then.count(rev->id) && runs_schema_sql(*rev, dialect.kind()))
      unrecorded.push_back(rev->id);
  if (!unrecorded.empty())
    return {std::nullopt,
            fmt::format("the version rows of tree '{}' ({}) are not those its schema snapshot was recorded for ({}), "
                        "and revision(s) {} between them run raw SQL that changes the schema, which this tool did not "
                        "run here (`stamp`?): what the revisions produce is unknown",
                        tree, rows_text(rows), rows_text(snapshot->heads), join(unrecorded)),
            fmt::format("  `stamp {}` back, or `upgrade`/`downgrade` through them, records a snapshot again;\n{}",
                        join(snapshot->heads, " "), adopt)};
  if (sorted(rows) == snapshot->heads) return {snapshot->schema, "", ""};
  return {merge_changes(dialect.describe(ws.schema_at(tree, rows)),
                        dialect.describe(ws.schema_at(tree, snapshot->heads)), snapshot->schema),
          "", ""};
}

SnapshotKeeper::SnapshotKeeper(const Workspace& ws, Connection& conn, std::string tree)
    : ws_(ws), conn_(conn), tree_(std::move(tree)) {}

std::unique_ptr<SnapshotKeeper> SnapshotKeeper::open(const Workspace& ws, Connection& conn, const std::string& tree,
                                                     bool live_settled) {
  const auto revisions = ws.graph().topological(tree);
  const DialectKind dialect = conn.dialect().kind();
  if (std::none_of(revisions.begin(), revisions.end(), [&](const Revision* r) { return runs_schema_sql(*r, dialect); }))
    return nullptr;
  SnapshotStore(conn).ensure_table();
  std::unique_ptr<SnapshotKeeper> keeper(new SnapshotKeeper(ws, conn, tree));
  if (live_settled) keeper->live_ = live_schema_of(ws, conn, tree);
  return keeper;
}

void SnapshotKeeper::after_step(const std::vector<std::string>& rows_before,
                                const std::vector<std::string>& rows_after) {
  SchemaDescription live = live_schema_of(ws_, conn_, tree_);
  // What the revisions had produced before this step: what this command recorded last, else
  // what `check` would have compared with.
  std::optional<SchemaDescription> before;
  if (recorded_ && recorded_->heads == sorted(rows_before)) {
    before = recorded_->schema;
  } else {
    std::optional<SchemaSnapshot> stored;
    try {
      stored = SnapshotStore(conn_).load(tree_);
    } catch (const AttentionError& e) {
      spdlog::warn("{}; recording it again from the live schema", e.what());
    }
    before = expected_schema(ws_, conn_.dialect(), tree_, rows_before, stored).schema;
  }
  // The step's changes are the live ones; everything else keeps its recorded form (so drift made
  // before the command stays drift). Without a trustworthy start, the live schema as it is.
  record(rows_after, before && live_ ? merge_changes(live, *live_, *before) : live);
  live_ = std::move(live);
}

void SnapshotKeeper::adopt(const std::vector<std::string>& rows) {
  SchemaDescription live = live_schema_of(ws_, conn_, tree_);
  record(rows, live);
  live_ = std::move(live);
}

void SnapshotKeeper::record(const std::vector<std::string>& rows, const SchemaDescription& schema) {
  SnapshotStore store(conn_);
  if (schema_sql_revisions(ws_, tree_, rows, conn_.dialect().kind()).empty()) {
    store.forget(tree_);  // the operations describe this state: nothing to keep
    recorded_.reset();
    return;
  }
  store.save(tree_, rows, schema);
  recorded_ = SchemaSnapshot{sorted(rows), schema, ""};
}

std::vector<std::string> adopt_live_schema(const Workspace& ws, const std::vector<std::string>& trees) {
  std::vector<std::string> kept;
  for (const auto& tree : trees) {
    TreeSession s = open_locked(ws, tree);
    if (!s.snapshots) continue;
    auto rows = ws.read_rows(*s.conn, tree);
    ws.check_known({{tree, rows}});
    s.conn->begin();
    try {
      s.snapshots->adopt(rows);
      s.conn->commit();
    } catch (const StatementError& e) {
      s.conn->rollback();
      throw MigrationError(fmt::format("recording the schema snapshot of tree '{}' failed: {}", tree, e.what()),
                           "  statement: " + e.sql);
    }
    spdlog::info("tree '{}': the live schema is now the schema snapshot of {}", tree, rows_text(rows));
    kept.push_back(tree);
  }
  return kept;
}

}  // namespace tsm
