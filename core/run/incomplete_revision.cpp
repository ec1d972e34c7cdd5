#include "core/run/incomplete_revision.h"

#include <chrono>
#include <set>
#include <thread>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/recovery/in_doubt.h"
#include "core/recovery/schema_fingerprint.h"
#include "core/recovery/undo.h"
#include "core/run/render_step.h"

namespace tsm {

[[noreturn]] void refuse_incomplete(const Workspace& ws, const Dialect& d, const IncompleteRevision& inc,
                                    const std::vector<std::string>& rows, const std::string& why) {
  std::string details;
  for (const auto& sql : inc.completed) details += "  ran:     " + sql + "\n";
  if (inc.in_doubt) details += "  in doubt (started, not recorded as done): " + inc.in_doubt->sql + "\n";
  if (const Revision* rev = ws.graph().find(inc.revision)) {
    Step step = single_step(*rev, inc.direction);
    Schema schema = ws.schema_at(rev->tree, rows);
    try {
      auto all = render_step(d, step, schema);
      for (size_t i = inc.completed.size(); i < all.size(); ++i) details += "  not run: " + all[i].sql + "\n";
    } catch (const Error& e) {
      details += fmt::format("  (cannot render the rest: {})\n", e.what());
    }
  } else {
    details += "  (the revision is not known to this build)\n";
  }
  details += "  " + why;
  throw AttentionError(fmt::format("revision {} of tree '{}' is incomplete: its {} stopped after {} statement(s)",
                                   inc.revision, inc.tree, direction_word(inc.direction), inc.completed.size()),
                       details);
}

namespace {

// A MariaDB server runs a killed client's statement on to its end (a table rebuild can take
// minutes): until it has ended the live schema shows the state before it, and a judgement then
// would run it a second time. Waits as long as for the lock (--lock-timeout), then exit 5.
void wait_until_ended(const Workspace& ws, TreeSession& s, const IncompleteRevision& inc, const ProgressEntry& doubt,
                      const std::vector<std::string>& rows) {
  using namespace std::chrono;
  const auto limit = ws.settings().lock_timeout;
  const auto deadline = steady_clock::now() + limit;
  for (bool told = false; s.conn->still_running(doubt.sql); told = true) {
    if (!told)
      spdlog::warn("statement {} of the incomplete {} of {} still runs on the server (the stopped run's session); "
                   "waiting up to {}s for it to end",
                   doubt.index, direction_word(inc.direction), inc.revision, limit.count());
    if (steady_clock::now() >= deadline)
      refuse_incomplete(ws, s.dialect(), inc, rows,
                        fmt::format("statement {} still ran on the server after {}s: rerun once it has ended",
                                    doubt.index, limit.count()));
    std::this_thread::sleep_for(milliseconds(200));
  }
}

}  // namespace

void settle_in_doubt(const Workspace& ws, TreeSession& s, IncompleteRevision& inc, const std::vector<std::string>& rows) {
  if (!inc.in_doubt) return;
  const Revision* rev = ws.graph().find(inc.revision);
  if (!rev) return;  // refused later: unknown revision
  const ProgressEntry doubt = *inc.in_doubt;
  wait_until_ended(ws, s, inc, doubt, rows);
  Schema schema = ws.schema_at(s.tree, rows);
  auto ops = render_step_ops(s.dialect(), single_step(*rev, inc.direction),
                             schema);
  std::optional<bool> ran;
  bool rerun = false;
  int position = 0;
  for (const auto& op : ops) {
    for (size_t k = 0; k < op.statements.size(); ++k)
      if (++position == doubt.index && op.statements[k].sql == doubt.sql) {
        // A rerunnable statement (IF NOT EXISTS, an upsert) is simply run again.
        rerun = op.statements[k].rerunnable;
        ran = rerun ? std::optional<bool>(false) : took_effect(*s.conn, op.op, k == 0, op.statements.size());
      }
  }
  // Raw SQL: only DDL can be in doubt (DML commits with its record), and DDL changes the schema.
  if (!ran) ran = changed_since(*s.conn, doubt.sql, doubt.schema_before);
  if (!ran) {
    inc.completed.push_back(doubt.sql + "   <- may or may not have run (the process stopped while it ran)");
    refuse_incomplete(ws, s.dialect(), inc, rows,
                      "the live schema cannot tell whether the last statement took effect: check it, then delete "
                      "its row (or set state = 'done') in turnstone_migrate_progress and rerun");
  }
  if (rerun)
    spdlog::warn("statement {} of the incomplete {} of {} was interrupted; it is safe to repeat: running it again",
                 doubt.index, direction_word(inc.direction), inc.revision);
  else
    spdlog::warn("statement {} of the incomplete {} of {} was interrupted; the live schema shows it {}", doubt.index,
                 direction_word(inc.direction), inc.revision, *ran ? "took effect" : "did not run");
  if (*ran) {
    s.progress->completed(inc.revision, inc.direction, doubt.index);
    inc.entries.push_back(doubt);
    inc.completed.push_back(doubt.sql);
  } else {
    s.progress->failed(inc.revision, inc.direction, doubt.index);
  }
  inc.in_doubt.reset();
}

bool matches_rendering(const std::vector<ProgressEntry>& entries, const std::vector<Statement>& rendered) {
  for (size_t i = 0; i < entries.size(); ++i) {
    const auto& e = entries[i];
    if (e.index != static_cast<int>(i) + 1 || i >= rendered.size() || rendered[i].sql != e.sql) return false;
  }
  return true;
}

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
  s.history->started(inc.revision, Direction::down);
  for (const auto& item : undo) {
    for (const auto& st : s.dialect().render(item.inverse, now)) {
      spdlog::info("  {}", st.sql);
      try {
        s.conn->execute(st.sql);
      } catch (const StatementError& e) {
        s.history->finished(inc.revision, Direction::down, Outcome::failed);
        throw step_failure("undo of the incomplete upgrade " + inc.revision, s.tree, e, st.sql,
                           "the operations undone so far are off the progress record; rerun to continue");
      }
    }
    now.apply(item.inverse);
    s.progress->forget_operation(inc.revision, Direction::up, item.operation);
  }
  s.progress->clear(inc.revision);
  s.history->finished(inc.revision, Direction::down, Outcome::undone);
  return {s.tree, inc.revision, Direction::down, seconds_since(started), Outcome::undone};
}

}  // namespace tsm
