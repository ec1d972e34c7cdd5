#pragma once
// Runs plans against live databases: takes the tree's lock, reads the version rows under it,
// renders each revision through the dialect and records the version-table change in the same
// transaction (or, where DDL is not transactional, with a per-statement progress record that
// lets the next run resume or undo a revision left incomplete). Each step also leaves a row in
// the run history and, for upgrades, its downgrade SQL in the revision store.
//
// The pieces: tree_session (lock + bookkeeping), step_runner (one tree's plan),
// incomplete_revision (resume/undo on MariaDB), unknown_revert (revisions this build does not
// know), render_step (a revision's SQL on one dialect).
#include <string>
#include <vector>

#include "core/graph/plan.h"
#include "core/recovery/run_history.h"
#include "core/run/workspace.h"

namespace tsm {

struct StepRecord {
  std::string tree;
  std::string revision;
  Direction direction = Direction::up;
  double seconds = 0;
  Outcome outcome = Outcome::ok;  // ok, resumed, undone, stored_sql (reverted with stored SQL)
};

struct MigrateResult {
  std::vector<StepRecord> steps;
  TreeRows heads_after;  // every tree the target concerned
  // Revisions this build does not know that stay applied (the database is ahead of it).
  std::vector<std::string> ahead;
  bool already_at_target() const { return steps.empty(); }
};

MigrateResult migrate(const Workspace& ws, Direction direction, const std::string& target);

// Sets the version rows without running migrations; returns the rows written per tree.
TreeRows stamp(const Workspace& ws, const std::vector<std::string>& targets, bool purge);

}  // namespace tsm
