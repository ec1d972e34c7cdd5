#pragma once
// Runs plans against live databases: takes the tree's lock, reads the version rows under it,
// renders each revision through the dialect and records the version-table change in the same
// transaction (or, where DDL is not transactional, with a per-statement progress record).
#include <string>
#include <vector>

#include "core/plan.h"
#include "core/workspace.h"

namespace tsm {

struct StepRecord {
  std::string tree;
  std::string revision;
  Direction direction = Direction::up;
  double seconds = 0;
};

struct MigrateResult {
  std::vector<StepRecord> steps;
  TreeRows heads_after;  // every tree the target concerned
  bool already_at_target() const { return steps.empty(); }
};

MigrateResult migrate(const Workspace& ws, Direction direction, const std::string& target);

// Sets the version rows without running migrations; returns the rows written per tree.
TreeRows stamp(const Workspace& ws, const std::vector<std::string>& targets, bool purge);

// The statements a revision runs on a dialect (for `show` and --sql), given the rows before it.
std::vector<Statement> render_step(const Workspace& ws, const Dialect& dialect, const Step& step,
                                   Schema& schema);

}  // namespace tsm
