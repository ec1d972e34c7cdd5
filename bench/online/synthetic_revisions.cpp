// The online benchmark's synthetic set (issue 14): after Turnstone's head, one revision per kind
// of change a busy log_entries must survive, each run as its own step by bench/online/run.
//
// Bench-only: linked into `turnstone-migrate-bench` (CMake option TSM_BUILD_BENCH, off by
// default), never into turnstone-migrate, so the real revision graph and its tests are unchanged.
// Written with the operations API like versions/main/*.cpp, so each step gets the tool's online
// rendering by default and its plain rendering under --single-transaction (PostgreSQL, SQLite) or
// `upgrade --sql` (MariaDB), exactly as Turnstone's own revisions do.
//
// The chain, on log_entries (1M rows in the benchmark):
//   1 add a nullable column with a constant default (existing rows read the default)
//   2 add an index (source_id, ingested_at)          — it also backs the foreign key of step 3
//   3 add a foreign key log_entries.source_id -> sources.id (every row is checked)
//   4 set NOT NULL on the column of step 1, populated by its default (every row is checked)
//   5 backfill every row of that column (batched online; one UPDATE in the plain forms)
#include "core/graph/registry.h"

using namespace tsm;

namespace {
const char* const kTable = "log_entries";
const char* const kColumn = "bench_state";
const char* const kIndex = "idx_log_entries_bench_source_ingested";
const char* const kForeignKey = "fk_log_entries_bench_source";

AlterColumn set_nullable(bool nullable) {
  AlterColumn change;
  change.table = kTable;
  change.name = kColumn;
  change.nullable = nullable;
  return change;
}
}  // namespace

TSM_REVISION("b5e7c0de0001", "synthetic add column with default: log_entries.bench_state = 'new'")
    .after("d000f3f4c39a")
    .up([](Ops& op) { op.add_column(kTable, col::string(kColumn, 16).default_value(std::string("new"))); })
    .down([](Ops& op) { op.drop_column(kTable, kColumn); });

TSM_REVISION("b5e7c0de0002", "synthetic add index: log_entries (source_id, ingested_at)")
    .after("b5e7c0de0001")
    .up([](Ops& op) { op.create_index(kIndex, kTable, {"source_id", "ingested_at"}); })
    .down([](Ops& op) { op.drop_index(kIndex, kTable); });

TSM_REVISION("b5e7c0de0003", "synthetic add foreign key: log_entries.source_id -> sources.id")
    .after("b5e7c0de0002")
    .up([](Ops& op) { op.add_foreign_key(kTable, {{"source_id"}, "sources", {"id"}, FkAction::no_action, kForeignKey}); })
    .down([](Ops& op) {
      // There is no drop_foreign_key operation. SQLite could only drop it by rebuilding the table,
      // which raw SQL cannot ask for: its downgrade leaves the constraint (the bench never
      // downgrades; this is here so `downgrade` on a server database works).
      Execute drop;
      drop.per_dialect[DialectKind::postgresql] = std::string("ALTER TABLE log_entries DROP CONSTRAINT ") + kForeignKey;
      drop.per_dialect[DialectKind::mariadb] = std::string("ALTER TABLE log_entries DROP FOREIGN KEY ") + kForeignKey;
      drop.skip.insert(DialectKind::sqlite);
      op.execute_statement(drop);
    });

TSM_REVISION("b5e7c0de0004", "synthetic set not null: log_entries.bench_state")
    .after("b5e7c0de0003")
    .up([](Ops& op) { op.alter_column(set_nullable(false)); })
    .down([](Ops& op) { op.alter_column(set_nullable(true)); });

TSM_REVISION("b5e7c0de0005", "synthetic backfill every row: log_entries.bench_state = 'done'")
    .after("b5e7c0de0004")
    .up([](Ops& op) {
      // No `where`: every row, including the writer's rows inserted meanwhile up to the last key.
      op.backfill(kTable, "bench_state = 'done'");
    })
    .down([](Ops&) {});  // a backfill has no inverse (docs/online.md)
