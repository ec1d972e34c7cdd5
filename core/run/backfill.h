#pragma once
// Runs a Backfill (core/model/ops.h) batch by batch: each key range in its own transaction
// together with its progress row in turnstone_migrate_backfill, the batch size adapted to the
// target batch time, a pause between batches. A rerun after a kill resumes after the last
// committed batch; the row is deleted when the backfill completes.
#include <chrono>
#include <functional>

#include "core/dialect.h"

namespace tsm {

inline constexpr const char* kBackfillTable = "turnstone_migrate_backfill";

struct BackfillRun {
  long long batches = 0;        // committed by this run
  long long resumed_after = -1;  // key a previous run had committed through (-1: fresh start)
};

// `after_batch(batch_number, high_key)` runs after each commit (progress logging; tests stop a
// run there to simulate a kill). Must be called outside a transaction.
BackfillRun run_backfill(Connection& conn, const BatchedUpdate& b, std::chrono::milliseconds lock_budget,
                         const std::function<void(long long, long long)>& after_batch = nullptr);

}  // namespace tsm
