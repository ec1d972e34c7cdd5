#include "core/lint/rules.h"

#include <stdexcept>

namespace tsm::lint {

const char* severity_name(Severity s) {
  switch (s) {
    case Severity::info: return "info";
    case Severity::warning: return "warning";
    case Severity::error: return "error";
  }
  return "?";
}

const char* effect_text(Effect e) {
  switch (e) {
    case Effect::blocks_writes: return "blocks writes";
    case Effect::rewrites_table: return "rewrites the table";
    case Effect::destroys_data: return "destroys data";
    case Effect::breaks_old_release: return "breaks the previous release during a rolling deploy";
    case Effect::fails_on_rows: return "fails on a table that has rows";
  }
  return "?";
}

// Rules of thumb from issue 14's measurements on the reference machine (1M log rows of about
// 196 bytes, one backend): a GIN / FULLTEXT build 27.6–36.9 s, a table rewrite that computes a
// tsvector 58.8 s, a MariaDB rebuild 32.4 s. B-tree builds and validation scans are cheaper.
double rows_per_second(Work work) {
  switch (work) {
    case Work::none: return 0;
    case Work::index_build: return 250000;
    case Work::fulltext_build: return 30000;
    case Work::rewrite: return 20000;
    case Work::validate_scan: return 1000000;
    case Work::row_update: return 50000;
  }
  return 0;
}

const std::vector<Rule>& rules() {
  static const std::vector<Rule> table = {
      {"TM101", "index build blocks writes", Severity::warning,
       "PostgreSQL: CREATE INDEX CONCURRENTLY outside a transaction (op.create_index does); MariaDB: ALGORITHM=INPLACE, "
       "LOCK=NONE; SQLite: build it while writers are stopped, or accept one write lock for the build"},
      {"TM102", "table rewrite", Severity::warning,
       "add a new column, backfill it in batches, switch readers, drop the old one in a later release"},
      {"TM103", "full-text index build", Severity::warning,
       "op.create_fulltext builds online on PostgreSQL (expression GIN index, CONCURRENTLY) and MariaDB (a side "
       "table synced by triggers); SQLite: build it in a quiet window, or before the table fills"},
      {"TM104", "constraint validated under lock", Severity::warning,
       "PostgreSQL: ADD CONSTRAINT … NOT VALID, then VALIDATE CONSTRAINT (op.add_foreign_key / op.add_check do); "
       "SET NOT NULL after a validated CHECK (col IS NOT NULL)"},
      {"TM105", "NOT NULL column without default", Severity::error,
       "add it nullable or with a constant default, backfill, then alter_column nullable=false"},
      {"TM106", "volatile default", Severity::error,
       "add the column without the default (or with a constant one), backfill in batches, then set the default"},
      {"TM107", "column type change", Severity::error,
       "add a column of the new type, write both, backfill in batches, switch readers, drop the old column later"},
      {"TM108", "MariaDB ALTER without ALGORITHM/LOCK", Severity::warning,
       "say ALGORITHM=INSTANT (or INPLACE) and LOCK=NONE so the server refuses instead of silently copying the table"},
      {"TM109", "lock without timeout", Severity::warning,
       "SET lock_timeout (PostgreSQL) / lock_wait_timeout or NOWAIT (MariaDB) before it, and retry; or use an "
       "operation, which runs with a bounded lock wait"},
      {"TM110", "unbatched UPDATE/DELETE", Severity::warning,
       "update or delete in primary-key batches (a backfill), each its own short transaction"},
      {"TM201", "table dropped or emptied", Severity::error,
       "stop using the table in one release, drop it in a later one (expand/contract)"},
      {"TM202", "column dropped", Severity::error,
       "stop reading and writing the column in one release, drop it in a later one (expand/contract)"},
      {"TM203", "table renamed", Severity::error,
       "create the new table (or a view under the new name), move readers and writers, drop the old name later"},
      {"TM204", "column renamed", Severity::error,
       "add the new column, write both, backfill, move readers, drop the old column in a later release"},
  };
  return table;
}

const Rule& rule(const std::string& id) {
  for (const auto& r : rules())
    if (id == r.id) return r;
  throw std::logic_error("lint: no rule " + id);
}

}  // namespace tsm::lint
