#pragma once
// Which statements of one step keep their online form (PostgreSQL CREATE INDEX CONCURRENTLY,
// VALIDATE CONSTRAINT in its own transaction): docs/online.md.
#include <vector>

#include "core/dialect.h"
#include "core/model/ops.h"

namespace tsm {

// An online statement runs outside the step's transaction, so the step commits in pieces and a
// rerun after a kill starts again from its first statement. That is safe only when every
// operation of the step renders statements that can run twice (the IF [NOT] EXISTS forms of
// columns, indexes, constraints, full text; a backfill resumes from its own record). A table
// created, dropped or renamed, a column renamed or retyped, raw SQL or seed rows cannot: such a
// step keeps the plain forms and stays one transaction.
bool rerunnable_in_pieces(const std::vector<Operation>& ops);

// Replaces online statements by their plain forms (inside the transaction) where they must not
// run online: everywhere under --single-transaction or in a step that is not rerunnable in
// pieces, and on tables the step itself creates (nobody uses them yet).
void settle_online_forms(const std::vector<Operation>& ops, std::vector<Statement>& statements,
                         bool single_transaction);

}  // namespace tsm
