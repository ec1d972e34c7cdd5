#include "core/copy/copy.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <future>
#include <set>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/base/errors.h"
#include "core/copy/copy_internal.h"
#include "core/copy/copy_state.h"
#include "core/recovery/live_objects.h"
#include "core/run/backfill.h"
#include "core/run/executor.h"

namespace tsm {
using namespace copy_detail;

namespace {

double since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

Workspace target_workspace(const Workspace& source, const CopyRequest& request) {
  Settings s = source.settings();
  s.main_url = request.to_url;
  s.context_url = request.to_context;
  return Workspace(s);
}

// Everything the fresh copy will need to find again after a kill, written in one transaction
// per target database before the first revision runs.
void record_start(std::vector<TreeJob>& jobs) {
  std::set<Connection*> done;
  for (auto& job : jobs) {
    if (job.earlier_copy || job.finished || done.count(job.dst)) continue;
    done.insert(job.dst);
    CopyState state(*job.dst);
    state.ensure_table();
    job.dst->begin();
    for (auto& other : jobs)
      if (other.dst == job.dst && !other.earlier_copy && !other.finished) {
        state.put("state:" + other.tree, "schema");
        state.put("version:" + other.tree, encode_key(other.rows));
      }
    job.dst->commit();
  }
}

// Runs the revisions on the target through the executor (its locks, per-revision transactions,
// MariaDB progress records and resume all apply), then moves the version rows aside so nothing
// looks ready before verification.
void bring_schema(const Workspace& target, TreeJob& job, const ProgressCallback& progress) {
  CopyState state(*job.dst);
  if (state.get("state:" + job.tree).value_or("schema") != "schema") return;
  progress({CopyPhase::schema, job.tree, "", 0, 0, false});
  Settings s = target.settings();
  s.tree = job.tree;
  Workspace tree_ws(s);
  for (const auto& rev : job.rows) migrate(tree_ws, Direction::up, rev);
  const std::string table = target.version_table(job.tree);
  job.dst->begin();
  try {
    job.dst->execute("DELETE FROM " + job.dst->dialect().quote(table));
    state.put("state:" + job.tree, "loading");
    job.dst->commit();
  } catch (const StatementError& e) {
    job.dst->rollback();
    throw MigrationError(fmt::format("copy: setting the version rows of tree '{}' aside failed: {}", job.tree, e.what()));
  }
}

// Every full-text object the schema expects on `table` exists on the target.
bool fulltext_complete(const TreeJob& job, const std::string& table) {
  auto live = job.dst->introspect({});
  auto expected = job.dst->dialect().describe(job.schema);
  auto l = live.tables.find(table);
  auto e = expected.tables.find(table);
  return l != live.tables.end() && e != expected.tables.end() && l->second.fulltext_objects == e->second.fulltext_objects;
}

// The plain form of a statement that has one (CREATE INDEX rather than CREATE INDEX CONCURRENTLY):
// nobody else uses the target while it is being copied, and the plain build is faster; for the
// same reason catch-up passes over rows written during a build are skipped. A batched statement
// (MariaDB's full-text side table fill) still goes in key ranges, large ones without pauses: one
// statement over every row could exceed Galera's write-set limit.
void run_statements(Connection& conn, const std::vector<Statement>& statements, const std::string& what) {
  for (const auto& st : statements) {
    if (st.catch_up) continue;
    const std::string& sql = st.plain_form.value_or(st.sql);
    try {
      spdlog::debug("SQL: {}", sql);
      if (st.batched) {
        BatchedUpdate b = *st.batched;
        b.options.first_batch_rows = 20000;
        b.options.target_batch_ms = 2000;
        b.options.pause_percent = 0;
        run_backfill(conn, b, std::chrono::seconds(60));
      } else {
        conn.execute(sql);
      }
    } catch (const StatementError& e) {
      throw MigrationError(fmt::format("copy: {} failed: {}", what, e.what()),
                           fmt::format("  statement: {}\n  rerun `copy --resume` with the same arguments", e.sql));
    }
  }
}

// Full-text structures go before the load and come back after it: building an index over
// loaded rows is faster than maintaining it row by row (and FTS5 content is never copied).
void drop_fulltext(TreeJob& job) {
  for (const auto& [name, t] : job.schema.tables)
    for (const auto& spec : t.fulltexts)
      if (has_fulltext(*job.dst, name))
        run_statements(*job.dst, job.dst->dialect().render(DropFulltext{spec}, job.schema),
                       "dropping the full-text structures of " + name);
}

// A copy killed while the server built an index leaves the server building it on: PostgreSQL
// commits an autocommit CREATE INDEX whose client is gone, MariaDB finishes its ALTER TABLE. The
// resumed build then collides with it (a duplicate name). The build is idempotent (each index is
// dropped if it exists, then created), so a failure is judged by what exists afterwards: done if
// every expected object is there, else built once more.
void create_fulltext(TreeJob& job, const ProgressCallback& progress) {
  for (const auto& [name, t] : job.schema.tables) {
    if (t.fulltexts.empty() || fulltext_complete(job, name)) continue;
    progress({CopyPhase::fulltext, job.tree, name, 0, 0, false});
    Schema before = job.schema;
    before.tables[name].fulltexts.clear();
    for (int attempt = 1;; ++attempt) {
      try {
        for (const auto& spec : t.fulltexts) {
          run_statements(*job.dst, job.dst->dialect().render(CreateFulltext{spec}, before),
                         "building the full-text structures of " + name);
        }
        break;
      } catch (const MigrationError& e) {
        if (fulltext_complete(job, name)) break;
        if (attempt == 2) throw;
        spdlog::warn("{}; building it once more (an interrupted copy's server session may have raced it)", e.what());
      }
    }
  }
}

std::uint64_t count_rows(Connection& conn, const std::string& table) {
  auto rows = conn.query("SELECT COUNT(*) FROM " + conn.dialect().quote(table));
  return rows.empty() || !rows[0][0] ? 0 : std::stoull(*rows[0][0]);
}

TableReport load_table(TreeJob& job, const TableShape& shape, std::size_t batch_rows,
                       const ProgressCallback& progress) {
  TableReport report = table_report(job.tree, shape.name);
  CopyState state(*job.dst);
  Watermark mark = state.table(job.tree, shape.name);
  if (mark.done) return report;
  const auto started = std::chrono::steady_clock::now();
  const std::uint64_t total = count_rows(*job.src, shape.name);
  std::optional<std::vector<std::string>> after;
  if (mark.key) after = decode_key(*mark.key);
  if (after) spdlog::info("copy: resuming {} after {} ({} rows already copied)", shape.name, describe_key(shape, *after), mark.rows);
  KeysetReader reader(*job.src, shape, batch_rows, after);
  const Dialect& from = job.src->dialect();
  // The next batch is read and made canonical on a thread of its own (the source connection is
  // used by that thread only) while this one writes the current batch: on two cores the source's
  // reading and the target's writing overlap. At most two batches are in memory.
  struct Batch {
    std::vector<Row> rows;
    bool last = false;
    std::optional<std::vector<std::string>> last_key;
    std::vector<std::size_t> piece_ends;                // rows [previous end, end) commit together
    std::vector<std::vector<std::string>> piece_keys;  // the watermark after each piece but the last
  };
  // Galera refuses a transaction whose write set exceeds wsrep_max_ws_size: a batch is committed
  // in pieces of at most a quarter of it (row images and keys make the write set larger than the
  // values), each piece with its watermark, so a resume still starts after a committed row.
  const std::optional<std::size_t> write_set_limit = job.dst->max_write_set_bytes();
  const std::size_t piece_bytes = write_set_limit ? std::max<std::size_t>(*write_set_limit / 4, 1) : SIZE_MAX;
  auto read_batch = [&reader, &from, &shape, batch_rows, piece_bytes] {
    Batch b;
    b.rows = reader.next();
    b.last = b.rows.size() < batch_rows;
    std::size_t bytes = 0;
    for (std::size_t i = 0; i < b.rows.size(); ++i) {
      std::size_t row_bytes = 0;
      for (const auto& v : b.rows[i]) row_bytes += 8 + (v ? v->size() : 0);
      if (i > 0 && bytes + row_bytes > piece_bytes) {
        b.piece_ends.push_back(i);
        b.piece_keys.push_back(key_of(shape, b.rows[i - 1]));  // the key as read, before canonical form
        bytes = 0;
      }
      bytes += row_bytes;
    }
    b.piece_ends.push_back(b.rows.size());
    for (auto& r : b.rows) r = canonical_row(from, shape, r);  // in place: one copy of the batch
    b.last_key = reader.last_key();
    return b;
  };
  progress({CopyPhase::load, job.tree, shape.name, mark.rows, total, false});
  std::future<Batch> next = std::async(std::launch::async, read_batch);
  while (!mark.done) {
    Batch batch = next.get();
    if (!batch.last) next = std::async(std::launch::async, read_batch);
    const std::vector<Row>& canonical = batch.rows;
    for (std::size_t piece = 0, begin = 0; piece < batch.piece_ends.size(); ++piece) {
      const std::size_t end = batch.piece_ends[piece];
      const bool final_piece = piece + 1 == batch.piece_ends.size();
      job.dst->begin();
      try {
        if (end > begin) {
          auto writer = job.dst->bulk_writer(shape.name, shape.columns);
          for (std::size_t i = begin; i < end; ++i) writer->write(canonical[i]);
          writer->finish();
        }
        if (!final_piece) mark.key = encode_key(batch.piece_keys[piece]);
        else if (batch.last_key) mark.key = encode_key(*batch.last_key);
        mark.rows += end - begin;
        mark.done = batch.last && final_piece;
        state.advance(job.tree, shape.name, mark);
        job.dst->commit();
      } catch (const StatementError& e) {
        job.dst->rollback();
        throw MigrationError(
            fmt::format("copy of table '{}' failed after {} rows: {}", shape.name, mark.rows, e.what()),
            fmt::format("  statement: {}\n  the rows before it are committed; rerun `copy --resume` with the same "
                        "arguments",
                        e.sql.substr(0, 300)));
      } catch (...) {
        job.dst->rollback();
        throw;
      }
      report.rows_copied += end - begin;
      progress({CopyPhase::load, job.tree, shape.name, mark.rows, total, mark.done});
      begin = end;
    }
  }
  report.seconds = since(started);
  return report;
}

void reset_identities(TreeJob& job) {
  for (const auto& shape : job.tables) {
    const TableModel* t = job.schema.table(shape.name);
    for (const auto& c : t->spec.columns)
      if (c.autoincrement)
        for (const auto& sql : job.dst->dialect().reset_identity_sql(shape.name, c.name))
          run_statements(*job.dst, {Statement{sql}}, "moving the identity of " + shape.name + " past its highest id");
  }
}

// Version rows back, bookkeeping gone: one transaction per target database.
void finish(const Workspace& target, std::vector<TreeJob>& jobs) {
  std::set<Connection*> done;
  for (auto& job : jobs) {
    if (job.finished || done.count(job.dst)) continue;
    done.insert(job.dst);
    CopyState state(*job.dst);
    const Dialect& d = job.dst->dialect();
    job.dst->begin();
    try {
      for (auto& other : jobs) {
        if (other.dst != job.dst || other.finished) continue;
        const std::string table = target.version_table(other.tree);
        job.dst->execute("DELETE FROM " + d.quote(table));
        for (const auto& rev : other.rows) job.dst->execute(d.insert_version(table, rev));
        state.forget_tree(other.tree);
      }
      job.dst->commit();
    } catch (const StatementError& e) {
      job.dst->rollback();
      throw MigrationError(fmt::format("copy: writing the version rows failed: {}", e.what()),
                           "  the data is copied and verified; rerun `copy --resume` to finish");
    }
    state.drop_if_empty();
  }
}

}  // namespace

CopyReport run_copy(const Workspace& source, const CopyRequest& request, const ProgressCallback& progress_in) {
  const auto started = std::chrono::steady_clock::now();
  ProgressCallback progress = progress_in ? progress_in : [](const CopyProgress&) {};
  Workspace target = target_workspace(source, request);
  Connections conns;
  std::vector<TreeJob> jobs = preflight(source, target, request, conns);
  CopyReport report;
  for (const auto& job : jobs) {
    report.revisions[job.tree] = job.rows;
    report.resumed = report.resumed || job.earlier_copy || job.finished;
  }
  std::vector<TableReport> tables;
  if (!request.verify_only) {
    record_start(jobs);
    for (auto& job : jobs)
      if (!job.finished) bring_schema(target, job, progress);
    for (auto& job : jobs) {
      if (job.finished) continue;
      CopyState state(*job.dst);
      if (state.get("state:" + job.tree).value_or("") == "loading") {
        drop_fulltext(job);
        for (const auto& shape : job.tables) tables.push_back(load_table(job, shape, request.batch_rows, progress));
        job.dst->begin();
        state.put("state:" + job.tree, "loaded");
        job.dst->commit();
      }
      const auto fulltext_started = std::chrono::steady_clock::now();
      create_fulltext(job, progress);
      report.fulltext_seconds += since(fulltext_started);
      reset_identities(job);
    }
  }
  // Reports in load order, one per table, whether or not this run loaded it.
  for (const auto& job : jobs)
    for (const auto& shape : job.tables)
      if (std::none_of(tables.begin(), tables.end(),
                       [&](const TableReport& r) { return r.tree == job.tree && r.table == shape.name; }))
        tables.push_back(table_report(job.tree, shape.name));
  const auto verify_started = std::chrono::steady_clock::now();
  verify_tables(jobs, tables, progress, request.batch_rows);
  report.verify_seconds = since(verify_started);
  report.tables = std::move(tables);
  report.verified = std::all_of(report.tables.begin(), report.tables.end(), [](const TableReport& r) { return r.match; });
  for (auto& [id, conn] : conns.source) conn->commit();  // ends the read snapshot
  if (report.verified && !request.verify_only) finish(target, jobs);
  report.seconds = since(started);
  return report;
}

}  // namespace tsm
