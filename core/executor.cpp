#include "core/executor.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <set>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/errors.h"
#include "core/progress.h"

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

// One tree's open, locked database.
struct TreeSession {
  std::string tree;
  std::unique_ptr<Connection> conn;
  std::unique_ptr<Lock> lock;
};

TreeSession open_locked(const Workspace& ws, const std::string& tree) {
  TreeSession s{tree, ws.connect(tree, /*for_write=*/true), nullptr};
  s.lock = s.conn->acquire_lock(tree, ws.settings().lock_timeout, [&](const std::string& holder) {
    spdlog::warn("waiting up to {}s for the migration lock of tree '{}'{}", ws.settings().lock_timeout.count(),
                 tree, holder.empty() ? "" : " held by " + holder);
  });
  return s;
}

void ensure_version_table(Connection& conn, const std::string& table) {
  if (!conn.table_exists(table)) conn.execute(conn.dialect().create_version_table(table));
}

// Refuses to go on while a revision is half-applied (non-transactional dialects), listing the
// statements that ran and those that did not.
void refuse_incomplete(ProgressLog& log, const Workspace& ws, const Dialect& d, const std::vector<std::string>& rows) {
  auto incomplete = log.incomplete();
  if (incomplete.empty()) return;
  const auto& inc = incomplete.front();
  std::string details;
  for (const auto& sql : inc.completed) details += "  ran:     " + sql + "\n";
  if (const Revision* rev = ws.graph().find(inc.revision)) {
    Step step;
    step.revision = rev;
    step.direction = inc.direction == "upgrade" ? Direction::up : Direction::down;
    Schema schema = ws.schema_at(rev->tree, rows);
    auto all = render_step(ws, d, step, schema);
    for (size_t i = inc.completed.size(); i < all.size(); ++i) details += "  not run: " + all[i].sql + "\n";
  } else {
    details += "  (the revision is not known to this build)\n";
  }
  details.pop_back();
  throw AttentionError(fmt::format("revision {} of tree '{}' is incomplete: its {} stopped after {} statement(s)",
                                   inc.revision, inc.tree, inc.direction, inc.completed.size()),
                       details);
}

class StepRunner {
 public:
  StepRunner(const Workspace& ws, TreeSession& session, bool single_transaction)
      : ws_(ws), s_(session), single_(single_transaction), d_(session.conn->dialect()),
        table_(ws.version_table(session.tree)), progress_(*session.conn, session.tree) {}

  void prepare(const std::vector<std::string>& rows) {
    if (single_ && !d_.transactional_ddl())
      throw UsageError(fmt::format("--single-transaction needs transactional DDL; {} commits DDL implicitly",
                                   dialect_name(d_.kind())));
    if (!d_.transactional_ddl()) {
      progress_.ensure_table();
      refuse_incomplete(progress_, ws_, d_, rows);
    }
  }

  void run(const Plan& plan, MigrateResult& result) {
    Schema schema = ws_.schema_at(plan.tree, plan.heads_before);
    // Render everything first: a revision that cannot render for this dialect fails before any SQL runs.
    std::vector<std::vector<Statement>> rendered;
    for (const auto& step : plan.steps) rendered.push_back(render_step(ws_, d_, step, schema));

    if (single_) {
      hoist(rendered, /*before=*/true);
      s_.conn->begin();
    }
    for (size_t i = 0; i < plan.steps.size(); ++i) {
      auto started = std::chrono::steady_clock::now();
      run_step(plan.steps[i], rendered[i]);
      std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
      result.steps.push_back({plan.tree, plan.steps[i].revision->id, plan.steps[i].direction, took.count()});
    }
  }

  void finish() {
    if (!single_) return;
    s_.conn->commit();
    for (const auto& sql : after_) s_.conn->execute(sql);
  }

  void abort() noexcept {
    if (single_) s_.conn->rollback();
  }

 private:
  // Statements that must run outside a transaction, at the edge of an operation's statements
  // (SQLite's foreign_keys pragma pair around a rebuild), move before BEGIN / after COMMIT when
  // the whole run is one transaction. Anything else cannot run atomically and is refused.
  void hoist(std::vector<std::vector<Statement>>& rendered, bool) {
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

  void run_step(const Step& step, const std::vector<Statement>& statements) {
    spdlog::info("{} tree '{}': {} {}{}", direction_word(step.direction), s_.tree, step.revision->id,
                 step.revision->message.empty() ? "" : "- ", step.revision->message);
    if (!d_.transactional_ddl()) return run_step_non_transactional(step, statements);
    bool own_tx = !single_;
    if (own_tx) s_.conn->begin();
    const Statement* current = nullptr;
    try {
      for (const auto& st : statements) {
        current = &st;
        if (!st.in_transaction && own_tx) {
          s_.conn->commit();
          exec(st.sql);
          s_.conn->begin();
        } else {
          exec(st.sql);
        }
      }
      current = nullptr;
      for (const auto& sql : version_sql(d_, table_, step)) exec(sql);
      if (own_tx) s_.conn->commit();
    } catch (const StatementError& e) {
      if (own_tx) s_.conn->rollback();
      throw failure(step, e, current ? current->sql : e.sql, "its transaction was rolled back");
    }
  }

  void run_step_non_transactional(const Step& step, const std::vector<Statement>& statements) {
    const std::string dir = direction_word(step.direction);
    progress_.started(step.revision->id, dir);
    int index = 0;
    for (const auto& st : statements) {
      ++index;
      try {
        exec(st.sql);
      } catch (const StatementError& e) {
        throw failure(step, e, st.sql,
                      fmt::format("{} of {} statement(s) completed and stay applied (DDL commits implicitly); "
                                  "the next run reports the revision as incomplete",
                                  index - 1, statements.size()));
      }
      progress_.completed(step.revision->id, dir, index, st.sql);
    }
    // Version change and clearing the progress record commit together (DML is transactional).
    s_.conn->begin();
    try {
      for (const auto& sql : version_sql(d_, table_, step)) exec(sql);
      exec(progress_.clear_sql(step.revision->id));
      s_.conn->commit();
    } catch (const StatementError& e) {
      s_.conn->rollback();
      throw failure(step, e, e.sql, "the version table was not changed");
    }
  }

  void exec(const std::string& sql) {
    spdlog::debug("SQL: {}", sql);
    s_.conn->execute(sql);
  }

  MigrationError failure(const Step& step, const StatementError& e, const std::string& sql,
                         const std::string& aftermath) {
    return MigrationError(fmt::format("{} of tree '{}' failed: {}", step_label(step), s_.tree, e.what()),
                          fmt::format("  statement: {}\n  {}", sql, aftermath));
  }

  const Workspace& ws_;
  TreeSession& s_;
  bool single_;
  const Dialect& d_;
  std::string table_;
  ProgressLog progress_;
  std::vector<std::string> after_;
};

std::vector<Plan> plan_for(const Workspace& ws, Direction direction, const std::string& target,
                           const TreeRows& rows) {
  PlanRequest req;
  req.direction = direction;
  req.target = target;
  req.selected_trees = ws.selected_trees();
  req.current = rows;
  return make_plan(ws.graph(), req);
}

}  // namespace

std::vector<Statement> render_step(const Workspace&, const Dialect& dialect, const Step& step, Schema& schema) {
  std::vector<Statement> out;
  auto ops = step.direction == Direction::up ? step.revision->upgrade_ops() : step.revision->downgrade_ops();
  for (const auto& op : ops) {
    std::vector<Statement> stmts;
    try {
      stmts = dialect.render(op, schema);
    } catch (const Error& e) {
      throw UsageError(fmt::format("{} ({}): cannot render {}: {}", step_label(step), step.revision->origin,
                                   describe(op), e.what()));
    }
    out.insert(out.end(), stmts.begin(), stmts.end());
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

MigrateResult migrate(const Workspace& ws, Direction direction, const std::string& target) {
  // Plan once without locks to learn which trees the target concerns (creates nothing) …
  TreeRows rows = ws.read_rows(/*missing_ok=*/true);
  ws.check_known(rows);
  std::vector<Plan> plans = plan_for(ws, direction, target, rows);
  MigrateResult result;
  bool work = std::any_of(plans.begin(), plans.end(), [](const Plan& p) { return !p.steps.empty(); });
  if (!work) {
    for (const auto& p : plans) result.heads_after[p.tree] = p.heads_after;
    return result;
  }

  // … then lock each concerned tree, re-read its rows under the lock and plan again: a process
  // that waited for another one finds the work done and does nothing.
  std::vector<TreeSession> sessions;
  for (const auto& p : plans) {
    sessions.push_back(open_locked(ws, p.tree));
    ensure_version_table(*sessions.back().conn, ws.version_table(p.tree));
    rows[p.tree] = ws.read_rows(*sessions.back().conn, p.tree);
  }
  ws.check_known(rows);
  plans = plan_for(ws, direction, target, rows);

  std::vector<std::unique_ptr<StepRunner>> runners;
  for (size_t i = 0; i < plans.size(); ++i) {
    auto it = std::find_if(sessions.begin(), sessions.end(), [&](auto& s) { return s.tree == plans[i].tree; });
    runners.push_back(std::make_unique<StepRunner>(ws, *it, ws.settings().single_transaction));
    runners.back()->prepare(rows[plans[i].tree]);
  }
  try {
    for (size_t i = 0; i < plans.size(); ++i) runners[i]->run(plans[i], result);
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
    ensure_version_table(*s.conn, table);
    auto current = ws.read_rows(*s.conn, tree);
    if (!purge) ws.check_known({{tree, current}});
    // Resolve again under the lock: the rows may have moved while we waited.
    TreeRows recomputed = resolve_stamp(ws.graph(), targets, {tree}, {{tree, current}}, purge);
    const auto& target_rows = recomputed.count(tree) ? recomputed.at(tree) : rows;
    const Dialect& d = s.conn->dialect();
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
