#pragma once
// Runs one tree's plan on its locked session: renders every step first, then runs each in its
// own transaction (or, with --single-transaction, all in one), or statement by statement with a
// progress record where DDL commits implicitly (MariaDB).
#include <string>
#include <vector>

#include "core/run/executor.h"
#include "core/run/session_setup.h"
#include "core/run/tree_session.h"

namespace tsm {

class StepRunner {
 public:
  StepRunner(const Workspace& ws, TreeSession& session, bool single_transaction)
      : ws_(ws), s_(session), single_(single_transaction), d_(session.dialect()), table_(ws.version_table(session.tree)) {}

  // Renders every step first: a revision that cannot render for this dialect fails before any
  // SQL of any tree runs. Upgrades also render their downgrade for the revision store.
  void render(const Plan& plan);

  // A revision left incomplete by an earlier run (non-transactional DDL): resume it when this
  // plan starts with it in the same direction, else refuse (exit 5) with what ran.
  void adopt_incomplete(const IncompleteRevision& inc, const std::vector<std::string>& rows);

  // Runs every step; each records its outcome in `result`.
  void run(MigrateResult& result);

  // Commits a --single-transaction run and records its history (no-op otherwise).
  void finish();

  // Single transaction: nothing stayed; the history says which step failed.
  void abort() noexcept;

 private:
  // What `downgrade` of this revision runs on this dialect, from the schema just after it.
  std::vector<Statement> stored_downgrade(const Step& step, const Schema& after);

  // Statements that must run outside a transaction, at the edge of an operation's statements
  // (SQLite's foreign_keys pragma pair around a rebuild), move before BEGIN / after COMMIT when
  // the whole run is one transaction. Anything else cannot run atomically and is refused.
  void hoist(std::vector<std::vector<Statement>>& rendered);

  // Online statements (Statement::plain_form) take their plain form where they cannot go
  // online: in a single transaction, or on a table this same step creates.

  // The version-table change and the revision store change of a step (inside its transaction).
  void record_step(size_t i);

  Outcome run_step(size_t i);

  // Each statement commits on its own; the progress record says how far the revision got, so
  // the next run can resume it (or undo it) from exactly there. MariaDB runs every revision
  // so; SQLite and PostgreSQL the revisions that say `-- transaction: none`.
  Outcome run_step_non_transactional(size_t i);

  // A resumed revision runs in a new session: the session state its completed statements set
  // (SET, PREPARE) is set again before the rest runs.
  void replay_session_state(size_t i, size_t completed);

  // After a session section turned foreign-key enforcement off (SQLite), the revision must not
  // leave violations behind: checked before it commits (StatementError listing them).
  void check_foreign_keys(size_t i);

  // Which rendered statements come from raw SQL (Execute), whose effect no operation describes.
  std::vector<bool> raw_sql_statements(const Step& step);

  // For each rendered statement of a step, the index of the operation it belongs to.
  std::vector<int> operation_indexes(const Step& step);

  std::vector<std::string> step_rows_before(const Step& step) const;

  void exec(const std::string& sql);

  const Workspace& ws_;
  TreeSession& s_;
  bool single_;
  const Dialect& d_;
  std::string table_;
  const Plan* plan_ = nullptr;
  std::vector<std::vector<Statement>> rendered_;
  std::vector<std::vector<Statement>> downgrades_;
  std::vector<SessionPlan> sessions_;
  std::vector<std::string> after_;
  size_t resume_from_ = 0;  // statements of the first step that an earlier run completed
  static constexpr size_t kNotStarted = static_cast<size_t>(-1);
  size_t current_ = kNotStarted;  // the step running (for the history of a failed single transaction)
};


}  // namespace tsm
