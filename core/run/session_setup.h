#pragma once
// A revision's `-- +session` statements (Revision::session) around its run: the variables they
// set are kept first, the statements run outside the revision's transaction, and every variable
// gets its previous value back afterwards, whether the revision succeeded or not.
#include <optional>
#include <string>
#include <vector>

#include "core/dialect.h"
#include "core/graph/revision.h"

namespace tsm {

struct SessionPlan {
  std::vector<std::string> statements;  // in the order written
  std::vector<std::string> variables;   // each once, in order of first appearance
  bool empty() const { return statements.empty(); }
  bool sets(const std::string& variable) const;
};

// The session statements of `rev` for this dialect. A dialect without a session section of its
// own (and no generic one) has none. Throws UsageError when a statement does more than set
// session state: it runs outside any transaction and could not be undone.
SessionPlan session_plan(const Revision& rev, const Dialect& d);

class SessionGuard {
 public:
  // Keeps the variables' values, then runs the statements (StatementError when one fails; the
  // values kept so far are restored first).
  SessionGuard(Connection& conn, const SessionPlan& plan);
  ~SessionGuard();  // restore() if not done; a failure is logged, never thrown
  SessionGuard(const SessionGuard&) = delete;
  SessionGuard& operator=(const SessionGuard&) = delete;
  void restore();

 private:
  Connection& conn_;
  const SessionPlan& plan_;
  std::vector<std::string> restore_sql_;  // in the order to run them
  bool restored_ = false;
};

// The same for --sql scripts: what keeps the values and runs the statements, and what puts the
// values back (SQLite: the values this tool's connections start with).
std::vector<std::string> offline_session_open(const Dialect& d, const SessionPlan& plan);
std::vector<std::string> offline_session_close(const Dialect& d, const SessionPlan& plan);

// Whether a statement a resumed revision already ran must run again in the new session: it set
// session state (SET of a session or user variable, PREPARE, DEALLOCATE PREPARE), which a new
// connection does not have.
bool replays_on_resume(const std::string& sql);

}  // namespace tsm
