#include "core/run/step_runner.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/base/text.h"
#include "core/recovery/schema_fingerprint.h"
#include "core/run/backfill.h"
#include "core/run/online_forms.h"
#include "core/run/incomplete_revision.h"
#include "core/run/render_step.h"

namespace tsm {
namespace {

// Bookkeeping after a failure (rollback, the run-history row, the progress record) is best
// effort: when the disk has just filled up it fails too, and its error must not replace the first
// one, which names the revision and the statement.
template <class Fn>
void after_failure(const char* what, Fn&& fn) noexcept {
  try {
    fn();
  } catch (const std::exception& e) {
    spdlog::warn("could not {} after the failure: {}", what, e.what());
  }
}

}  // namespace

void StepRunner::render(const Plan& plan) {
  if (single_ && !d_.transactional_ddl())
    throw UsageError(fmt::format("--single-transaction needs transactional DDL; {} commits DDL implicitly",
                                 dialect_name(d_.kind())));
  plan_ = &plan;
  Schema schema = ws_.schema_at(plan.tree, plan.heads_before);
  // Only where a revision is one transaction: a revision that commits in pieces (MariaDB,
  // '-- transaction: none') is compared statement by statement with its rerun, which would not
  // know these tables.
  NewTables new_tables;
  static const std::set<std::string> kNone;
  for (const auto& step : plan.steps) {
    const bool up = step.direction == Direction::up;
    const auto& ops = up ? step.revision->upgrade_ops() : step.revision->downgrade_ops();
    rendered_.push_back(render_step(d_, step, schema));
    const bool one_transaction = d_.transactional_ddl() && step.revision->transactional;
    settle_online_forms(ops, rendered_.back(), single_, up && one_transaction ? new_tables.names() : kNone);
    if (up) new_tables.after_step(ops);
    downgrades_.push_back(up ? stored_downgrade(step, schema) : std::vector<Statement>{});
    sessions_.push_back(session_plan(*step.revision, d_));
    if (single_ && !step.revision->transactional)
      throw UsageError(fmt::format("--single-transaction cannot run revision {}: it commits each statement on its own "
                                   "('-- transaction: none')",
                                   step.revision->id));
    if (single_ && !sessions_.back().empty())
      throw UsageError(fmt::format("--single-transaction cannot run revision {}: its '-- +session' statements run "
                                   "outside the revision's transaction",
                                   step.revision->id));
  }
}

void StepRunner::adopt_incomplete(const IncompleteRevision& inc, const std::vector<std::string>& rows) {
  const bool first = !plan_->steps.empty() && plan_->steps[0].revision->id == inc.revision &&
                     plan_->steps[0].direction == inc.direction;
  if (!ws_.settings().resume)
    refuse_incomplete(ws_, d_, inc, rows, "--no-resume: rerun without it to resume, or downgrade to undo it");
  if (!first)
    refuse_incomplete(ws_, d_, inc, rows,
                      fmt::format("this command does not continue it first: rerun `{} {}` to resume it{}",
                                  direction_word(inc.direction), inc.revision,
                                  inc.direction == Direction::up ? ", or downgrade to undo it" : ""));
  if (!matches_rendering(inc.entries, rendered_[0]))
    refuse_incomplete(ws_, d_, inc, rows,
                      "the revision changed since it ran (the statements recorded differ from this build's); "
                      "resolve it by hand");
  resume_from_ = inc.entries.size();
  spdlog::warn("resuming the incomplete {} of {} (tree '{}') at statement {} of {}", direction_word(inc.direction), inc.revision,
               s_.tree, resume_from_ + 1, rendered_[0].size());
}

void StepRunner::run(MigrateResult& result) {
  if (single_) {
    hoist(rendered_);
    s_.conn->begin();
  }
  for (size_t i = 0; i < plan_->steps.size(); ++i) {
    const Step& step = plan_->steps[i];
    auto started = std::chrono::steady_clock::now();
    current_ = i;
    Outcome outcome;
    try {
      outcome = run_step(i);
    } catch (const StatementError& e) {
      // A statement of the tool's own bookkeeping (run history, progress record) outside the
      // revision's statements: still name the revision and the statement.
      throw step_failure(step_label(step), s_.tree, e, e.sql,
                         "the failing statement is the tool's own bookkeeping; `current` and `history` show where the "
                         "tree stands");
    }
    result.steps.push_back({plan_->tree, step.revision->id, step.direction, seconds_since(started), outcome});
  }
  current_ = plan_->steps.size();
}

void StepRunner::finish() {
  if (!single_) return;
  try {
    s_.conn->commit();
  } catch (const StatementError& e) {
    after_failure("roll back", [&] { s_.conn->rollback(); });
    throw step_failure(plan_->steps.empty() ? std::string("the run") : step_label(plan_->steps.back()), s_.tree, e, e.sql,
                       "the whole run's transaction was rolled back");
  }
  for (const auto& sql : after_) s_.conn->execute(sql);
  for (const auto& step : plan_->steps) s_.history->record(step.revision->id, step.direction, Outcome::ok);
}

void StepRunner::abort() noexcept {
  if (!single_ || current_ == kNotStarted) return;
  after_failure("roll back", [&] { s_.conn->rollback(); });
  try {
    for (size_t i = 0; i < plan_->steps.size() && i <= current_; ++i)
      s_.history->record(plan_->steps[i].revision->id, plan_->steps[i].direction,
                         i == current_ ? Outcome::failed : Outcome::rolled_back);
  } catch (const std::exception& e) {
    spdlog::warn("could not record the failed run in {}: {}", kRunsTable, e.what());
  }
}

std::vector<Statement> StepRunner::stored_downgrade(const Step& step, const Schema& after) {
  Schema copy = after;
  try {
    return render_step(d_, single_step(*step.revision, Direction::down), copy);
  } catch (const Error& e) {
    spdlog::debug("{}: downgrade not renderable for the revision store: {}", step.revision->id, e.what());
    return {};
  }
}

void StepRunner::hoist(std::vector<std::vector<Statement>>& rendered) {
  std::set<std::string> seen_before, seen_after;
  for (auto& stmts : rendered) {
    std::vector<Statement> kept;
    bool inside_seen = false;
    for (size_t i = 0; i < stmts.size(); ++i) {
      const auto& st = stmts[i];
      if (st.in_transaction) {
        inside_seen = true;
        kept.push_back(st);
        continue;
      }
      bool more_inside = std::any_of(stmts.begin() + i + 1, stmts.end(), [](auto& x) { return x.in_transaction; });
      if (!inside_seen && more_inside) {
        if (seen_before.insert(st.sql).second) s_.conn->execute(st.sql);
      } else if (inside_seen && !more_inside) {
        if (seen_after.insert(st.sql).second) after_.push_back(st.sql);
      } else {
        throw UsageError(fmt::format("--single-transaction cannot run this statement inside a transaction: {}",
                                     st.sql));
      }
    }
    stmts = std::move(kept);
  }
}

void StepRunner::record_step(size_t i) {
  const Step& step = plan_->steps[i];
  for (const auto& sql : version_sql(d_, table_, step)) exec(sql);
  if (step.direction == Direction::up) s_.store->record_applied(*step.revision, downgrades_[i]);
  else s_.store->forget(step.revision->id);
  if (s_.snapshots) s_.snapshots->after_step(step_rows_before(step), step.heads_after);
}

Outcome StepRunner::run_step(size_t i) {
  const Step& step = plan_->steps[i];
  spdlog::info("{} tree '{}': {} {}{}", direction_word(step.direction), s_.tree, step.revision->id,
               step.revision->message.empty() ? "" : "- ", step.revision->message);
  if (!d_.transactional_ddl() || !step.revision->transactional) return run_step_non_transactional(i);
  if (single_) {
    const Statement* current = nullptr;
    try {
      exec_in_transaction(*s_.conn, rendered_[i], false, &current, s_.lock_budget);
      record_step(i);
    } catch (const StatementError& e) {
      throw step_failure(step_label(step), s_.tree, e, current ? current->sql : e.sql,
                         "the whole run's transaction was rolled back");
    }
    return Outcome::ok;
  }
  const Direction dir = step.direction;
  s_.history->started(step.revision->id, dir);  // outside the transaction: survives a rollback
  const Statement* current = nullptr;
  std::optional<SessionGuard> session;  // restored after the commit or the rollback, not inside
  try {
    session.emplace(*s_.conn, sessions_[i]);
    s_.conn->begin();
    exec_in_transaction(*s_.conn, rendered_[i], true, &current, s_.lock_budget);
    check_foreign_keys(i);
    record_step(i);
    s_.conn->commit();
    session->restore();
  } catch (const StatementError& e) {
    after_failure("roll back", [&] { s_.conn->rollback(); });
    session.reset();
    after_failure("record the failure in the run history", [&] { s_.history->finished(step.revision->id, dir, Outcome::failed); });
    throw step_failure(step_label(step), s_.tree, e, current ? current->sql : e.sql, "its transaction was rolled back");
  }
  s_.history->finished(step.revision->id, dir, Outcome::ok);
  return Outcome::ok;
}

Outcome StepRunner::run_step_non_transactional(size_t i) {
  const Step& step = plan_->steps[i];
  const auto& statements = rendered_[i];
  const Direction dir = step.direction;
  const size_t skip = i == 0 ? resume_from_ : 0;
  const auto op_of = operation_indexes(step);
  const auto raw = raw_sql_statements(step);
  // PostgreSQL and SQLite keep the record only for `-- transaction: none` revisions.
  const bool autocommit = d_.transactional_ddl();
  if (autocommit) s_.progress->ensure_table();
  s_.history->started(step.revision->id, dir);
  std::optional<SessionGuard> session;
  try {
    session.emplace(*s_.conn, sessions_[i]);
    replay_session_state(i, skip);
  } catch (const StatementError& e) {
    after_failure("record the failure in the run history", [&] { s_.history->finished(step.revision->id, dir, Outcome::failed); });
    throw step_failure(step_label(step), s_.tree, e, e.sql, "no statement of the revision ran");
  }
  if (skip == 0) s_.progress->started(step.revision->id, dir);
  for (size_t j = skip; j < statements.size(); ++j) {
    const int index = static_cast<int>(j) + 1;
    // One transaction around the record and the statement: a data statement commits with its
    // record; a DDL statement commits the 'started' row before it runs, so a kill between
    // the DDL and its 'done' leaves it "in doubt" for the next run to settle.
    try {
      // Raw SQL has no operation to judge an interrupted run by: remember the schema before it
      // (DDL only, and only what the statement names where it can be read: schema_fingerprint.h).
      // Not on PostgreSQL, where a killed client's statement may still run on, and CREATE INDEX
      // CONCURRENTLY leaves an invalid index: an interrupted statement is then left to the
      // operator (docs/sql-units.md).
      const bool judge_by_schema = raw[j] && d_.kind() != DialectKind::postgresql;
      const std::string before = judge_by_schema ? fingerprint_before(*s_.conn, statements[j].sql) : std::string();
      s_.conn->begin();
      s_.progress->starting(step.revision->id, dir, index, op_of[j], statements[j].sql, before);
      if (statements[j].batched) {
        // Batches commit one by one with their own progress rows: 'starting' commits first, so
        // a kill in between leaves it in doubt, and the rerun resumes the backfill (in_doubt.cpp).
        s_.conn->commit();
        run_backfill(*s_.conn, *statements[j].batched, s_.lock_budget);
        s_.conn->begin();
      } else if (autocommit) {
        // 'starting' commits first, the statement runs on its own (CREATE INDEX CONCURRENTLY
        // cannot run in a transaction), then 'completed' commits.
        s_.conn->commit();
        spdlog::debug("SQL: {}", statements[j].sql);
        execute_bounded(*s_.conn, statements[j].sql, /*in_tx=*/false, s_.lock_budget);
        s_.conn->begin();
      } else {
        exec(statements[j].sql);
      }
      s_.progress->completed(step.revision->id, dir, index);
      s_.conn->commit();
    } catch (const StatementError& e) {
      after_failure("roll back", [&] { s_.conn->rollback(); });
      session.reset();
      after_failure("record the failure in the progress record", [&] { s_.progress->failed(step.revision->id, dir, index); });
      after_failure("record the failure in the run history", [&] { s_.history->finished(step.revision->id, dir, Outcome::failed); });
      throw step_failure(step_label(step), s_.tree, e, statements[j].sql,
                         fmt::format("{} of {} statement(s) completed and stay applied (DDL commits implicitly); "
                                     "the next `{}` resumes from the statement that failed",
                                     j, statements.size(), direction_word(dir)));
    }
  }
  // Version change, revision store and clearing the progress record commit together (DML).
  s_.conn->begin();
  try {
    check_foreign_keys(i);
    record_step(i);
    s_.progress->clear(step.revision->id);
    s_.conn->commit();
    session->restore();
  } catch (const StatementError& e) {
    after_failure("roll back", [&] { s_.conn->rollback(); });
    after_failure("record the failure in the run history", [&] { s_.history->finished(step.revision->id, dir, Outcome::failed); });
    throw step_failure(step_label(step), s_.tree, e, e.sql, "the version table was not changed");
  }
  const Outcome outcome = skip > 0 ? Outcome::resumed : Outcome::ok;
  s_.history->finished(step.revision->id, dir, outcome);
  return outcome;
}

void StepRunner::replay_session_state(size_t i, size_t completed) {
  for (size_t j = 0; j < completed && j < rendered_[i].size(); ++j)
    if (replays_on_resume(rendered_[i][j].sql)) {
      spdlog::info("resume: setting the session state again: {}", rendered_[i][j].sql);
      execute_bounded(*s_.conn, rendered_[i][j].sql, /*in_tx=*/false, s_.lock_budget);
    }
}

void StepRunner::check_foreign_keys(size_t i) {
  const std::string sql = d_.foreign_key_check_sql();
  if (sql.empty() || !sessions_[i].sets(d_.foreign_keys_variable())) return;
  auto rows = s_.conn->query(sql);
  if (rows.empty()) return;
  std::vector<std::string> shown;
  for (size_t k = 0; k < rows.size() && k < 5; ++k) {
    std::vector<std::string> cells;
    for (const auto& c : rows[k]) cells.push_back(c ? *c : "NULL");
    shown.push_back("(" + join(cells) + ")");
  }
  throw StatementError(fmt::format("{} foreign key violation(s) left with foreign keys off: {}{}", rows.size(),
                                   join(shown), rows.size() > shown.size() ? ", …" : ""),
                       sql);
}

std::vector<bool> StepRunner::raw_sql_statements(const Step& step) {
  Schema schema = ws_.schema_at(plan_->tree, step_rows_before(step));
  std::vector<bool> out;
  for (const auto& op : render_step_ops(d_, step, schema))
    out.insert(out.end(), op.statements.size(), std::holds_alternative<Execute>(op.op));
  return out;
}

std::vector<int> StepRunner::operation_indexes(const Step& step) {
  Schema schema = ws_.schema_at(plan_->tree, step_rows_before(step));
  std::vector<int> out;
  int index = 0;
  for (const auto& op : render_step_ops(d_, step, schema)) {
    out.insert(out.end(), op.statements.size(), index);
    ++index;
  }
  return out;
}

std::vector<std::string> StepRunner::step_rows_before(const Step& step) const {
  for (size_t i = 0; i < plan_->steps.size(); ++i)
    if (&plan_->steps[i] == &step) return i == 0 ? plan_->heads_before : plan_->steps[i - 1].heads_after;
  return plan_->heads_before;
}

void StepRunner::exec(const std::string& sql) {
  spdlog::debug("SQL: {}", sql);
  execute_bounded(*s_.conn, sql, /*in_tx=*/true, s_.lock_budget);
}

}  // namespace tsm
