#pragma once
// A revision left incomplete by an earlier run on a dialect without transactional DDL
// (MariaDB): its progress record says which statements completed. A later run settles a
// statement left in doubt, then resumes the revision, undoes it, or refuses with exit 5 and
// the statements that ran and those that did not.
#include <string>
#include <vector>

#include "core/run/executor.h"
#include "core/run/tree_session.h"

namespace tsm {

// The exit-5 report: which statements ran and which did not (an e2e test reads this format).
[[noreturn]] void refuse_incomplete(const Workspace& ws, const Dialect& d, const IncompleteRevision& inc,
                                    const std::vector<std::string>& rows, const std::string& why);

// A statement the previous run started but did not record as done: decide from the live schema
// whether it took effect, and record that; exit 5 when the schema cannot tell.
void settle_in_doubt(const Workspace& ws, TreeSession& s, IncompleteRevision& inc, const std::vector<std::string>& rows);

// The recorded statements must be exactly the first ones this build renders: otherwise the
// revision changed since it ran and resuming would apply something else.
bool matches_rendering(const std::vector<ProgressEntry>& entries, const std::vector<Statement>& rendered);

// Runs the inverse of each operation an incomplete upgrade completed, newest first, then clears
// its progress record. The revision never reached the version table, so nothing else changes.
StepRecord undo_incomplete(const Workspace& ws, TreeSession& s, const IncompleteRevision& inc,
                           const std::vector<std::string>& rows);

}  // namespace tsm
