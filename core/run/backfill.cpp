#include "core/run/backfill.h"

#include <algorithm>
#include <climits>
#include <thread>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/run/tree_session.h"

namespace tsm {
namespace {

void ensure_progress_table(Connection& conn) {
  if (conn.table_exists(kBackfillTable)) return;
  TableSpec spec;
  spec.name = kBackfillTable;
  spec.columns = {col::string("name", 64).pk(), col::big_integer("done_through").not_null(),
                  col::big_integer("batches").not_null()};
  for (const auto& st : conn.dialect().render(CreateTable{spec}, Schema{})) conn.execute(st.sql);
}

std::optional<long long> to_int(const std::optional<std::string>& v) {
  if (!v) return std::nullopt;
  return std::stoll(*v);
}

}  // namespace

BackfillRun run_backfill(Connection& conn, const BatchedUpdate& b, std::chrono::milliseconds lock_budget,
                         const std::function<void(long long, long long)>& after_batch) {
  using namespace std::chrono;
  const bool recorded = !b.progress_key.empty();
  if (recorded) ensure_progress_table(conn);
  const Dialect& d = conn.dialect();
  const std::string progress = d.quote(kBackfillTable);
  BackfillRun run;
  long long batches_before = 0;
  auto rows = recorded ? conn.query(fmt::format("SELECT done_through, batches FROM {} WHERE name = ?", progress),
                                    {b.progress_key})
                       : std::vector<Row>{};
  if (!rows.empty() && rows[0][0]) {
    run.resumed_after = std::stoll(*rows[0][0]);
    batches_before = to_int(rows[0][1]).value_or(0);
    spdlog::info("backfill of {}: resuming after key {} ({} batches done before)", b.table, run.resumed_after, batches_before);
  }
  auto bounds = conn.query(b.bounds_sql);
  auto low = bounds.empty() ? std::nullopt : to_int(bounds[0][0]);
  auto high = bounds.empty() ? std::nullopt : to_int(bounds[0][1]);
  if (!low || !high) return run;  // empty table
  long long start = run.resumed_after >= 0 ? std::max(*low, run.resumed_after + 1) : *low;
  long long size = b.options.first_batch_rows;
  long long ceiling = LLONG_MAX;  // lowered when a cluster refuses a batch as too large
  const double target = b.options.target_batch_ms;
  const auto began = steady_clock::now();
  for (;;) {
    if (start > *high) {
      if (!b.follow_new_rows) break;
      // Rows inserted meanwhile (the app keeps writing) are covered too, up to the new maximum.
      auto again = conn.query(b.bounds_sql);
      auto h = again.empty() ? std::nullopt : to_int(again[0][1]);
      if (!h || start > *h) break;
      high = h;
    }
    const long long hi = std::min(*high, start + size - 1);
    const auto t0 = steady_clock::now();
    const long long done = batches_before + run.batches + 1;
    conn.begin();
    try {
      retry_lock_waits(conn, b.batch_sql, /*in_tx=*/true, lock_budget,
                       [&] { conn.query(b.batch_sql, {std::to_string(start), std::to_string(hi)}); });
      if (recorded) {
        conn.query(fmt::format("DELETE FROM {} WHERE name = ?", progress), {b.progress_key});
        conn.query(fmt::format("INSERT INTO {} (name, done_through, batches) VALUES (?, ?, ?)", progress),
                   {b.progress_key, std::to_string(hi), std::to_string(done)});
      }
      conn.commit();
    } catch (const StatementError& e) {
      conn.rollback();
      // A Galera node refused the batch as too large a write set: the same range in halves.
      if (!conn.write_set_too_large(e) || hi == start) throw;
      size = ceiling = std::max(1LL, (hi - start + 1) / 2);
      spdlog::info("backfill of {}: keys {}..{} exceed the cluster's write-set limit; batches of {} rows now", b.table,
                   start, hi, size);
      continue;
    } catch (...) {
      conn.rollback();
      throw;
    }
    ++run.batches;
    const double ms = std::max(1.0, duration<double, std::milli>(steady_clock::now() - t0).count());
    spdlog::debug("backfill of {}: keys {}..{} in {:.0f} ms (batch {})", b.table, start, hi, ms, done);
    if (after_batch) after_batch(done, hi);
    // Aim at the target batch time, changing the size at most 2× per batch.
    size = std::min(ceiling, std::clamp(static_cast<long long>(size * target / ms), std::max(1LL, size / 2), size * 2));
    if (b.options.pause_percent > 0)
      std::this_thread::sleep_for(microseconds(static_cast<long long>(ms * 10 * b.options.pause_percent)));
    start = hi + 1;
  }
  if (recorded) conn.query(fmt::format("DELETE FROM {} WHERE name = ?", progress), {b.progress_key});
  spdlog::info("backfill of {}: {} batch(es) in {:.1f}s", b.table, run.batches,
               duration<double>(steady_clock::now() - began).count());
  return run;
}

}  // namespace tsm
