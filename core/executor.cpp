#include "core/executor.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <set>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/errors.h"
#include "core/detect.h"
#include "core/in_doubt.h"
#include "core/progress.h"
#include "core/revision_store.h"
#include "core/run_history.h"
#include "core/table_lock.h"
#include "core/target.h"
#include "core/undo.h"

namespace tsm {
namespace {

const char* direction_word(Direction d) { return d == Direction::up ? "upgrade" : "downgrade"; }

std::vector<std::string> version_sql(const Dialect& d, const std::string& table, const Step& step) {
  std::vector<std::string> out;
  for (const auto& c : step.changes) {
    switch (c.kind) {
      case VersionChange::Kind::insert: out.push_back(d.insert_version(table, c.to)); break;
      case VersionChange::Kind::remove: out.push_back(d.delete_version(table, c.from)); break;
      case VersionChange::Kind::update: out.push_back(d.update_version(table, c.from, c.to)); break;
    }
  }
  return out;
}

std::string step_label(const Step& step) {
  return fmt::format("{} {}", direction_word(step.direction), step.revision->id);
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// One tree's open, locked database and its bookkeeping tables.
struct TreeSession {
  std::string tree;
  std::unique_ptr<Connection> conn;
  std::unique_ptr<Lock> lock;
  std::unique_ptr<RunHistory> history;
  std::unique_ptr<RevisionStore> store;
  std::unique_ptr<ProgressLog> progress;
  const Dialect& dialect() const { return conn->dialect(); }
};

std::unique_ptr<Lock> take_lock(const Workspace& ws, Connection& conn, const std::string& tree) {
  const auto timeout = ws.settings().lock_timeout;
  auto waiting = [&](const std::string& holder) {
    spdlog::warn("waiting up to {}s for the migration lock of tree '{}'{}", timeout.count(), tree,
                 holder.empty() ? "" : " held by " + holder);
  };
  if (ws.settings().lock_mode == LockMode::table)
    return acquire_table_lock(ws.connect(tree, /*for_write=*/true), tree, timeout, ws.settings().break_lock, waiting);
  return conn.acquire_lock(tree, timeout, waiting);
}

// Bookkeeping tables are created under the lock, so concurrent runs never race to create them.
TreeSession open_locked(const Workspace& ws, const std::string& tree) {
  TreeSession s{tree, ws.connect(tree, /*for_write=*/true), nullptr, nullptr, nullptr, nullptr};
  s.lock = take_lock(ws, *s.conn, tree);
  const std::string table = ws.version_table(tree);
  if (!s.conn->table_exists(table)) s.conn->execute(s.dialect().create_version_table(table));
  s.history = std::make_unique<RunHistory>(*s.conn, tree);
  s.history->ensure_table();
  s.history->mark_interrupted();
  s.store = std::make_unique<RevisionStore>(*s.conn, tree);
  s.store->ensure_table();
  s.progress = std::make_unique<ProgressLog>(*s.conn, tree);
  if (!s.dialect().transactional_ddl()) s.progress->ensure_table();
  return s;
}

// Runs a step's statements inside an open transaction; a statement that cannot run in one
// (PostgreSQL CREATE INDEX CONCURRENTLY, SQLite's foreign_keys pragma) runs between two.
void exec_in_transaction(Connection& conn, const std::vector<Statement>& statements, bool own_tx,
                         const Statement** current) {
  for (const auto& st : statements) {
    *current = &st;
    spdlog::debug("SQL: {}", st.sql);
    if (!st.in_transaction && own_tx) {
      conn.commit();
      conn.execute(st.sql);
      conn.begin();
    } else {
      conn.execute(st.sql);
    }
  }
  *current = nullptr;
}

MigrationError step_failure(const std::string& label, const std::string& tree, const StatementError& e,
                            const std::string& sql, const std::string& aftermath) {
  return MigrationError(fmt::format("{} of tree '{}' failed: {}", label, tree, e.what()),
                        fmt::format("  statement: {}\n  {}", sql, aftermath));
}

// ---- incomplete revisions (dialects without transactional DDL) ----

Step single_step(const Revision& rev, Direction direction) {
  Step step;
  step.revision = &rev;
  step.direction = direction;
  return step;
}

// The exit-5 report: which statements ran and which did not (an e2e test reads this format).
[[noreturn]] void refuse_incomplete(const Workspace& ws, const Dialect& d, const IncompleteRevision& inc,
                                    const std::vector<std::string>& rows, const std::string& why) {
  std::string details;
  for (const auto& sql : inc.completed) details += "  ran:     " + sql + "\n";
  if (inc.in_doubt) details += "  in doubt (started, not recorded as done): " + inc.in_doubt->sql + "\n";
  if (const Revision* rev = ws.graph().find(inc.revision)) {
    Step step = single_step(*rev, inc.direction == "upgrade" ? Direction::up : Direction::down);
    Schema schema = ws.schema_at(rev->tree, rows);
    try {
      auto all = render_step(ws, d, step, schema);
      for (size_t i = inc.completed.size(); i < all.size(); ++i) details += "  not run: " + all[i].sql + "\n";
    } catch (const Error& e) {
      details += fmt::format("  (cannot render the rest: {})\n", e.what());
    }
  } else {
    details += "  (the revision is not known to this build)\n";
  }
  details += "  " + why;
  throw AttentionError(fmt::format("revision {} of tree '{}' is incomplete: its {} stopped after {} statement(s)",
                                   inc.revision, inc.tree, inc.direction, inc.completed.size()),
                       details);
}

// A statement the previous run started but did not record as done: decide from the live schema
// whether it took effect, and record that; exit 5 when the schema cannot tell.
void settle_in_doubt(const Workspace& ws, TreeSession& s, IncompleteRevision& inc, const std::vector<std::string>& rows) {
  if (!inc.in_doubt) return;
  const Revision* rev = ws.graph().find(inc.revision);
  if (!rev) return;  // refused later: unknown revision
  const ProgressEntry doubt = *inc.in_doubt;
  Schema schema = ws.schema_at(s.tree, rows);
  auto ops = render_step_ops(s.dialect(), single_step(*rev, inc.direction == "upgrade" ? Direction::up : Direction::down),
                             schema);
  std::optional<bool> ran;
  int position = 0;
  for (const auto& op : ops) {
    for (size_t k = 0; k < op.statements.size(); ++k)
      if (++position == doubt.index && op.statements[k].sql == doubt.sql)
        ran = took_effect(*s.conn, op.op, k == 0, op.statements.size());
  }
  // Raw SQL: only DDL can be in doubt (DML commits with its record), and DDL changes the schema.
  if (!ran && !doubt.schema_before.empty()) ran = schema_fingerprint(*s.conn) != doubt.schema_before;
  if (!ran) {
    inc.completed.push_back(doubt.sql + "   <- may or may not have run (the process stopped while it ran)");
    refuse_incomplete(ws, s.dialect(), inc, rows,
                      "the live schema cannot tell whether the last statement took effect: check it, then delete "
                      "its row (or set state = 'done') in turnstone_migrate_progress and rerun");
  }
  spdlog::warn("statement {} of the incomplete {} of {} was interrupted; the live schema shows it {}", doubt.index,
               inc.direction, inc.revision, *ran ? "took effect" : "did not run");
  if (*ran) {
    s.progress->completed(inc.revision, inc.direction, doubt.index);
    inc.entries.push_back(doubt);
    inc.completed.push_back(doubt.sql);
  } else {
    s.progress->failed(inc.revision, inc.direction, doubt.index);
  }
  inc.in_doubt.reset();
}

// The recorded statements must be exactly the first ones this build renders: otherwise the
// revision changed since it ran and resuming would apply something else.
bool matches_rendering(const std::vector<ProgressEntry>& entries, const std::vector<Statement>& rendered) {
  for (size_t i = 0; i < entries.size(); ++i) {
    const auto& e = entries[i];
    if (e.index != static_cast<int>(i) + 1 || i >= rendered.size() || rendered[i].sql != e.sql) return false;
  }
  return true;
}

// Runs the inverse of each operation an incomplete upgrade completed, newest first, then clears
// its progress record. The revision never reached the version table, so nothing else changes.
StepRecord undo_incomplete(const Workspace& ws, TreeSession& s, const IncompleteRevision& inc,
                           const std::vector<std::string>& rows) {
  const Revision* rev = ws.graph().find(inc.revision);
  auto started = std::chrono::steady_clock::now();
  Schema schema = ws.schema_at(s.tree, rows);
  auto ops = render_step_ops(s.dialect(), single_step(*rev, Direction::up), schema);
  std::vector<Statement> flat;
  for (const auto& o : ops) flat.insert(flat.end(), o.statements.begin(), o.statements.end());
  for (const auto& e : inc.entries)
    if (e.index < 1 || static_cast<size_t>(e.index) > flat.size() || flat[static_cast<size_t>(e.index) - 1].sql != e.sql)
      refuse_incomplete(ws, s.dialect(), inc, rows,
                        "the revision changed since it ran: this build renders other statements; undo it by hand");
  auto undo = plan_undo(inc.revision, ops, inc.entries);

  // The schema as it stands now: before the revision plus the operations that ran.
  Schema now = ws.schema_at(s.tree, rows);
  std::set<int> ran;
  for (const auto& item : undo) ran.insert(item.operation);
  for (size_t i = 0; i < ops.size(); ++i)
    if (ran.count(static_cast<int>(i))) now.apply(ops[i].op);

  spdlog::warn("undoing the incomplete upgrade of {} (tree '{}'): {} operation(s) ran", inc.revision, s.tree, undo.size());
  s.history->started(inc.revision, "downgrade");
  for (const auto& item : undo) {
    for (const auto& st : s.dialect().render(item.inverse, now)) {
      spdlog::info("  {}", st.sql);
      try {
        s.conn->execute(st.sql);
      } catch (const StatementError& e) {
        s.history->finished(inc.revision, "downgrade", "failed");
        throw step_failure("undo of the incomplete upgrade " + inc.revision, s.tree, e, st.sql,
                           "the operations undone so far are off the progress record; rerun to continue");
      }
    }
    now.apply(item.inverse);
    s.progress->forget_operation(inc.revision, "upgrade", item.operation);
  }
  s.progress->clear(inc.revision);
  s.history->finished(inc.revision, "downgrade", "undone");
  return {s.tree, inc.revision, Direction::down, seconds_since(started), "undone"};
}

class StepRunner {
 public:
  StepRunner(const Workspace& ws, TreeSession& session, bool single_transaction)
      : ws_(ws), s_(session), single_(single_transaction), d_(session.dialect()), table_(ws.version_table(session.tree)) {}

  // Renders every step first: a revision that cannot render for this dialect fails before any
  // SQL of any tree runs. Upgrades also render their downgrade for the revision store.
  void render(const Plan& plan) {
    if (single_ && !d_.transactional_ddl())
      throw UsageError(fmt::format("--single-transaction needs transactional DDL; {} commits DDL implicitly",
                                   dialect_name(d_.kind())));
    plan_ = &plan;
    Schema schema = ws_.schema_at(plan.tree, plan.heads_before);
    for (const auto& step : plan.steps) {
      rendered_.push_back(render_step(ws_, d_, step, schema));
      downgrades_.push_back(step.direction == Direction::up ? stored_downgrade(step, schema) : std::vector<Statement>{});
    }
  }

  // A revision left incomplete by an earlier run (non-transactional DDL): resume it when this
  // plan starts with it in the same direction, else refuse (exit 5) with what ran.
  void adopt_incomplete(const IncompleteRevision& inc, const std::vector<std::string>& rows) {
    const bool first = !plan_->steps.empty() && plan_->steps[0].revision->id == inc.revision &&
                       direction_word(plan_->steps[0].direction) == inc.direction;
    if (!ws_.settings().resume)
      refuse_incomplete(ws_, d_, inc, rows, "--no-resume: rerun without it to resume, or downgrade to undo it");
    if (!first)
      refuse_incomplete(ws_, d_, inc, rows,
                        fmt::format("this command does not continue it first: rerun `{} {}` to resume it{}",
                                    inc.direction, inc.revision,
                                    inc.direction == "upgrade" ? ", or downgrade to undo it" : ""));
    if (!matches_rendering(inc.entries, rendered_[0]))
      refuse_incomplete(ws_, d_, inc, rows,
                        "the revision changed since it ran (the statements recorded differ from this build's); "
                        "resolve it by hand");
    resume_from_ = inc.entries.size();
    spdlog::warn("resuming the incomplete {} of {} (tree '{}') at statement {} of {}", inc.direction, inc.revision,
                 s_.tree, resume_from_ + 1, rendered_[0].size());
  }

  void run(MigrateResult& result) {
    if (single_) {
      hoist(rendered_);
      s_.conn->begin();
    }
    for (size_t i = 0; i < plan_->steps.size(); ++i) {
      const Step& step = plan_->steps[i];
      auto started = std::chrono::steady_clock::now();
      current_ = i;
      std::string outcome = run_step(i);
      result.steps.push_back({plan_->tree, step.revision->id, step.direction, seconds_since(started), outcome});
    }
    current_ = plan_->steps.size();
  }

  void finish() {
    if (!single_) return;
    s_.conn->commit();
    for (const auto& sql : after_) s_.conn->execute(sql);
    for (const auto& step : plan_->steps) s_.history->record(step.revision->id, direction_word(step.direction), "ok");
  }

  // Single transaction: nothing stayed; the history says which step failed.
  void abort() noexcept {
    if (!single_ || current_ == kNotStarted) return;
    s_.conn->rollback();
    try {
      for (size_t i = 0; i < plan_->steps.size() && i <= current_; ++i)
        s_.history->record(plan_->steps[i].revision->id, direction_word(plan_->steps[i].direction),
                           i == current_ ? "failed" : "rolled_back");
    } catch (const std::exception& e) {
      spdlog::warn("could not record the failed run in {}: {}", kRunsTable, e.what());
    }
  }

 private:
  // What `downgrade` of this revision runs on this dialect, from the schema just after it.
  std::vector<Statement> stored_downgrade(const Step& step, const Schema& after) {
    Schema copy = after;
    try {
      return render_step(ws_, d_, single_step(*step.revision, Direction::down), copy);
    } catch (const Error& e) {
      spdlog::debug("{}: downgrade not renderable for the revision store: {}", step.revision->id, e.what());
      return {};
    }
  }

  // Statements that must run outside a transaction, at the edge of an operation's statements
  // (SQLite's foreign_keys pragma pair around a rebuild), move before BEGIN / after COMMIT when
  // the whole run is one transaction. Anything else cannot run atomically and is refused.
  void hoist(std::vector<std::vector<Statement>>& rendered) {
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

  // The version-table change and the revision store change of a step (inside its transaction).
  void record_step(size_t i) {
    const Step& step = plan_->steps[i];
    for (const auto& sql : version_sql(d_, table_, step)) exec(sql);
    if (step.direction == Direction::up) s_.store->record_applied(*step.revision, downgrades_[i]);
    else s_.store->forget(step.revision->id);
  }

  std::string run_step(size_t i) {
    const Step& step = plan_->steps[i];
    spdlog::info("{} tree '{}': {} {}{}", direction_word(step.direction), s_.tree, step.revision->id,
                 step.revision->message.empty() ? "" : "- ", step.revision->message);
    if (!d_.transactional_ddl()) return run_step_non_transactional(i);
    if (single_) {
      const Statement* current = nullptr;
      try {
        exec_in_transaction(*s_.conn, rendered_[i], false, &current);
        record_step(i);
      } catch (const StatementError& e) {
        throw step_failure(step_label(step), s_.tree, e, current ? current->sql : e.sql,
                           "the whole run's transaction was rolled back");
      }
      return "ok";
    }
    const std::string dir = direction_word(step.direction);
    s_.history->started(step.revision->id, dir);  // outside the transaction: survives a rollback
    s_.conn->begin();
    const Statement* current = nullptr;
    try {
      exec_in_transaction(*s_.conn, rendered_[i], true, &current);
      record_step(i);
      s_.conn->commit();
    } catch (const StatementError& e) {
      s_.conn->rollback();
      s_.history->finished(step.revision->id, dir, "failed");
      throw step_failure(step_label(step), s_.tree, e, current ? current->sql : e.sql, "its transaction was rolled back");
    }
    s_.history->finished(step.revision->id, dir, "ok");
    return "ok";
  }

  // Each statement commits on its own; the progress record says how far the revision got, so
  // the next run can resume it (or undo it) from exactly there.
  std::string run_step_non_transactional(size_t i) {
    const Step& step = plan_->steps[i];
    const auto& statements = rendered_[i];
    const std::string dir = direction_word(step.direction);
    const size_t skip = i == 0 ? resume_from_ : 0;
    const auto op_of = operation_indexes(step);
    const auto raw = raw_sql_statements(step);
    s_.history->started(step.revision->id, dir);
    if (skip == 0) s_.progress->started(step.revision->id, dir);
    for (size_t j = skip; j < statements.size(); ++j) {
      const int index = static_cast<int>(j) + 1;
      // One transaction around the record and the statement: a data statement commits with its
      // record; a DDL statement commits the 'started' row before it runs, so a kill between
      // the DDL and its 'done' leaves it "in doubt" for the next run to settle.
      try {
        // Raw SQL has no operation to judge an interrupted run by: remember the schema before it.
        const std::string before = raw[j] ? schema_fingerprint(*s_.conn) : std::string();
        s_.conn->begin();
        s_.progress->starting(step.revision->id, dir, index, op_of[j], statements[j].sql, before);
        exec(statements[j].sql);
        s_.progress->completed(step.revision->id, dir, index);
        s_.conn->commit();
      } catch (const StatementError& e) {
        s_.conn->rollback();
        s_.progress->failed(step.revision->id, dir, index);
        s_.history->finished(step.revision->id, dir, "failed");
        throw step_failure(step_label(step), s_.tree, e, statements[j].sql,
                           fmt::format("{} of {} statement(s) completed and stay applied (DDL commits implicitly); "
                                       "the next `{}` resumes from the statement that failed",
                                       j, statements.size(), dir));
      }
    }
    // Version change, revision store and clearing the progress record commit together (DML).
    s_.conn->begin();
    try {
      record_step(i);
      s_.progress->clear(step.revision->id);
      s_.conn->commit();
    } catch (const StatementError& e) {
      s_.conn->rollback();
      s_.history->finished(step.revision->id, dir, "failed");
      throw step_failure(step_label(step), s_.tree, e, e.sql, "the version table was not changed");
    }
    const std::string outcome = skip > 0 ? "resumed" : "ok";
    s_.history->finished(step.revision->id, dir, outcome);
    return outcome;
  }

  // For each rendered statement of a step, the index of the operation it belongs to.
  // Which rendered statements come from raw SQL (Execute), whose effect no operation describes.
  std::vector<bool> raw_sql_statements(const Step& step) {
    Schema schema = ws_.schema_at(plan_->tree, step_rows_before(step));
    std::vector<bool> out;
    for (const auto& op : render_step_ops(d_, step, schema))
      out.insert(out.end(), op.statements.size(), std::holds_alternative<Execute>(op.op));
    return out;
  }

  std::vector<int> operation_indexes(const Step& step) {
    Schema schema = ws_.schema_at(plan_->tree, step_rows_before(step));
    std::vector<int> out;
    int index = 0;
    for (const auto& op : render_step_ops(d_, step, schema)) {
      out.insert(out.end(), op.statements.size(), index);
      ++index;
    }
    return out;
  }

  std::vector<std::string> step_rows_before(const Step& step) const {
    for (size_t i = 0; i < plan_->steps.size(); ++i)
      if (&plan_->steps[i] == &step) return i == 0 ? plan_->heads_before : plan_->steps[i - 1].heads_after;
    return plan_->heads_before;
  }

  void exec(const std::string& sql) {
    spdlog::debug("SQL: {}", sql);
    s_.conn->execute(sql);
  }

  const Workspace& ws_;
  TreeSession& s_;
  bool single_;
  const Dialect& d_;
  std::string table_;
  const Plan* plan_ = nullptr;
  std::vector<std::vector<Statement>> rendered_;
  std::vector<std::vector<Statement>> downgrades_;
  std::vector<std::string> after_;
  size_t resume_from_ = 0;  // statements of the first step that an earlier run completed
  static constexpr size_t kNotStarted = static_cast<size_t>(-1);
  size_t current_ = kNotStarted;  // the step running (for the history of a failed single transaction)
};

// ---- revisions this build does not know (an older binary on a newer database) ----

TreeRows known_rows(const std::map<std::string, Placement>& placed) {
  TreeRows out;
  for (const auto& [tree, p] : placed) out[tree] = p.known_rows;
  return out;
}

// Unknown revisions a downgrade to `target` reverts: those above a revision the target leaves
// out. A relative target cannot count revisions this build has never seen.
std::vector<const StoredRevision*> unknown_to_revert(const Workspace& ws, const Placement& p, const std::string& target) {
  TargetSpec spec = parse_target(target);
  if (spec.kind == TargetSpec::Kind::relative)
    throw AttentionError(fmt::format("tree '{}' has revisions this build does not know ({}): a relative downgrade "
                                     "cannot count them; name the target revision",
                                     p.tree, fmt::join(p.unknown_ids(), ", ")));
  Destination dest = resolve_downgrade_target(ws.graph(), spec, p.tree, p.known_rows);
  std::vector<const StoredRevision*> out;
  for (const auto& u : p.unknown) {
    bool above_target = dest.revisions.empty();
    for (const auto& k : p.known_below.at(u.revision))
      for (const Revision* d : dest.revisions)
        if (ws.graph().ancestors(k).count(d->id)) above_target = true;
    if (above_target) out.push_back(&u);
  }
  if (out.size() != p.unknown.size())
    throw AttentionError(fmt::format("downgrade {} would leave revisions this build does not know applied in tree '{}'",
                                     target, p.tree),
                         "  use the newer build, or downgrade to a revision below them");
  return out;
}

// Reverts one unknown revision with the SQL stored when it was applied; the version table then
// holds its parents (unless another row already descends from them).
StepRecord revert_stored(const Workspace& ws, TreeSession& s, const Placement& p, const StoredRevision& u,
                         std::vector<std::string>& rows) {
  auto started = std::chrono::steady_clock::now();
  spdlog::warn("reverting {} with the downgrade SQL stored when it was applied", u.revision);
  const Dialect& d = s.dialect();
  const std::string table = ws.version_table(s.tree);
  rows.erase(std::remove(rows.begin(), rows.end(), u.revision), rows.end());
  auto descends_from = [&](const std::string& row, const std::string& parent) {
    if (ws.graph().find(row)) return ws.graph().ancestors(row).count(parent) > 0;
    const auto& below = p.known_below.at(row);
    return std::any_of(below.begin(), below.end(), [&](auto& k) { return ws.graph().ancestors(k).count(parent) > 0; });
  };
  std::vector<std::string> version_changes{d.delete_version(table, u.revision)};
  for (const auto& parent : u.down_revisions) {
    bool covered = std::any_of(rows.begin(), rows.end(), [&](auto& r) { return r == parent || descends_from(r, parent); });
    if (covered) continue;
    version_changes.push_back(d.insert_version(table, parent));
    rows.push_back(parent);
  }
  std::sort(rows.begin(), rows.end());

  s.history->started(u.revision, "downgrade");
  const bool tx = d.transactional_ddl();
  const Statement* current = nullptr;
  try {
    if (tx) s.conn->begin();
    exec_in_transaction(*s.conn, u.downgrade, tx, &current);
    if (!tx) s.conn->begin();
    for (const auto& sql : version_changes) s.conn->execute(sql);
    s.store->forget(u.revision);
    s.conn->commit();
  } catch (const StatementError& e) {
    s.conn->rollback();
    s.history->finished(u.revision, "downgrade", "failed");
    throw step_failure("downgrade " + u.revision + " (stored SQL)", s.tree, e, current ? current->sql : e.sql,
                       tx ? "its transaction was rolled back" : "statements before it stay applied");
  }
  s.history->finished(u.revision, "downgrade", "ok");
  return {s.tree, u.revision, Direction::down, seconds_since(started), "stored_sql"};
}

std::vector<Plan> plan_for(const Workspace& ws, Direction direction, const std::string& target, const TreeRows& rows) {
  PlanRequest req;
  req.direction = direction;
  req.target = target;
  req.selected_trees = ws.selected_trees();
  req.current = rows;
  return make_plan(ws.graph(), req);
}

bool has_steps(const std::vector<Plan>& plans) {
  return std::any_of(plans.begin(), plans.end(), [](const Plan& p) { return !p.steps.empty(); });
}

// Work that planning alone does not show: unknown revisions a downgrade reverts, and (on
// dialects without transactional DDL) a progress record only a locked run can read.
bool may_have_hidden_work(const Workspace& ws, const std::vector<Plan>& plans,
                          const std::map<std::string, Placement>& placed, Direction direction) {
  for (const auto& p : plans) {
    auto it = placed.find(p.tree);
    if (direction == Direction::down && it != placed.end() && it->second.ahead()) return true;
    if (!dialect_for(ws.url_for(p.tree).dialect).transactional_ddl()) return true;
  }
  return false;
}

// An upgrade on a database ahead of this build: fine when there is nothing to do, else refused
// (the version table holds rows this build cannot plan from).
void check_ahead_upgrade(const std::vector<Plan>& plans, const std::map<std::string, Placement>& placed,
                         MigrateResult& result) {
  for (const auto& p : plans) {
    auto it = placed.find(p.tree);
    if (it == placed.end() || !it->second.ahead()) continue;
    auto ids = it->second.unknown_ids();
    if (!p.steps.empty())
      throw AttentionError(fmt::format("tree '{}' is ahead of this build ({}) and the target needs revisions it "
                                       "does not have applied",
                                       p.tree, fmt::join(ids, ", ")),
                           "  use the newer build, or downgrade to this build's head first");
    spdlog::warn("database is ahead of this build: {}; nothing to do", fmt::join(ids, ", "));
    result.ahead.insert(result.ahead.end(), ids.begin(), ids.end());
  }
}

}  // namespace

std::vector<RenderedOp> render_step_ops(const Dialect& dialect, const Step& step, Schema& schema) {
  std::vector<RenderedOp> out;
  auto ops = step.direction == Direction::up ? step.revision->upgrade_ops() : step.revision->downgrade_ops();
  for (const auto& op : ops) {
    std::vector<Statement> stmts;
    try {
      stmts = dialect.render(op, schema);
    } catch (const Error& e) {
      throw UsageError(fmt::format("{} ({}): cannot render {}: {}", step_label(step), step.revision->origin,
                                   describe(op), e.what()));
    }
    out.push_back({op, std::move(stmts)});
    try {
      schema.apply(op);
    } catch (const Error& e) {
      // The model cannot follow (e.g. a table created by raw SQL); rendering later ops that need
      // it will say so. Plain SQL keeps working.
      spdlog::debug("schema model: {}: {}", describe(op), e.what());
    }
  }
  return out;
}

std::vector<Statement> render_step(const Workspace&, const Dialect& dialect, const Step& step, Schema& schema) {
  std::vector<Statement> out;
  for (auto& op : render_step_ops(dialect, step, schema))
    out.insert(out.end(), op.statements.begin(), op.statements.end());
  return out;
}

MigrateResult migrate(const Workspace& ws, Direction direction, const std::string& target) {
  // Plan once without locks to learn which trees the target concerns (creates nothing) …
  TreeRows rows = ws.read_rows(/*missing_ok=*/true);
  auto placed = ws.place(rows);
  std::vector<Plan> plans = plan_for(ws, direction, target, known_rows(placed));
  MigrateResult result;
  if (!has_steps(plans) && !may_have_hidden_work(ws, plans, placed, direction)) {
    if (direction == Direction::up) check_ahead_upgrade(plans, placed, result);
    for (const auto& p : plans) result.heads_after[p.tree] = p.heads_after;
    return result;
  }

  // … then lock each concerned tree, re-read its rows under the lock and plan again: a process
  // that waited for another one finds the work done and does nothing.
  std::vector<TreeSession> sessions;
  for (const auto& p : plans) {
    sessions.push_back(open_locked(ws, p.tree));
    TreeSession& s = sessions.back();
    rows[p.tree] = ws.read_rows(*s.conn, p.tree);
    placed[p.tree] = ws.place(*s.conn, p.tree, rows[p.tree]);
    if (direction == Direction::down && placed[p.tree].ahead()) {
      for (const StoredRevision* u : unknown_to_revert(ws, placed[p.tree], target))
        result.steps.push_back(revert_stored(ws, s, placed[p.tree], *u, rows[p.tree]));
      placed[p.tree] = ws.place(*s.conn, p.tree, rows[p.tree]);
    }
  }
  plans = plan_for(ws, direction, target, known_rows(placed));
  if (direction == Direction::up) check_ahead_upgrade(plans, placed, result);

  std::vector<std::unique_ptr<StepRunner>> runners;
  for (size_t i = 0; i < plans.size(); ++i) {
    auto it = std::find_if(sessions.begin(), sessions.end(), [&](auto& s) { return s.tree == plans[i].tree; });
    auto incomplete = it->progress && !it->dialect().transactional_ddl() ? it->progress->incomplete()
                                                                          : std::vector<IncompleteRevision>{};
    if (incomplete.size() == 1 && ws.settings().resume) settle_in_doubt(ws, *it, incomplete[0], rows[plans[i].tree]);
    // Downgrading past an upgrade that stopped half-way: undo exactly what ran, then go on.
    if (incomplete.size() == 1 && incomplete[0].direction == "upgrade" && direction == Direction::down &&
        ws.settings().resume && ws.graph().find(incomplete[0].revision)) {
      result.steps.push_back(undo_incomplete(ws, *it, incomplete[0], rows[plans[i].tree]));
      incomplete.clear();
    }
    runners.push_back(std::make_unique<StepRunner>(ws, *it, ws.settings().single_transaction));
    runners.back()->render(plans[i]);
    if (incomplete.size() > 1)
      refuse_incomplete(ws, it->dialect(), incomplete[0], rows[plans[i].tree],
                        "several revisions are incomplete; resolve them by hand");
    if (incomplete.size() == 1) runners.back()->adopt_incomplete(incomplete[0], rows[plans[i].tree]);
  }
  try {
    for (auto& r : runners) r->run(result);
    for (auto& r : runners) r->finish();
  } catch (...) {
    for (auto& r : runners) r->abort();
    throw;
  }
  for (const auto& p : plans) result.heads_after[p.tree] = p.heads_after;
  return result;
}

TreeRows stamp(const Workspace& ws, const std::vector<std::string>& targets, bool purge) {
  TreeRows before = ws.read_rows(/*missing_ok=*/true);
  if (!purge) ws.check_known(before);
  TreeRows wanted = resolve_stamp(ws.graph(), targets, ws.selected_trees(), before, purge);
  for (const auto& [tree, rows] : wanted) {
    TreeSession s = open_locked(ws, tree);
    const std::string table = ws.version_table(tree);
    auto current = ws.read_rows(*s.conn, tree);
    if (!purge) ws.check_known({{tree, current}});
    // Resolve again under the lock: the rows may have moved while we waited.
    TreeRows recomputed = resolve_stamp(ws.graph(), targets, {tree}, {{tree, current}}, purge);
    const auto& target_rows = recomputed.count(tree) ? recomputed.at(tree) : rows;
    const Dialect& d = s.dialect();
    s.conn->begin();
    try {
      s.conn->execute("DELETE FROM " + d.quote(table));
      for (const auto& rev : target_rows) s.conn->execute(d.insert_version(table, rev));
      s.conn->commit();
    } catch (const StatementError& e) {
      s.conn->rollback();
      throw MigrationError(fmt::format("stamp of tree '{}' failed: {}", tree, e.what()),
                           "  statement: " + e.sql);
    }
    spdlog::info("stamped tree '{}': {}", tree, target_rows.empty() ? "base" : fmt::format("{}", fmt::join(target_rows, ", ")));
  }
  return wanted;
}

}  // namespace tsm
