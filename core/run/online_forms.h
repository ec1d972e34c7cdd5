#pragma once
// Which statements of one step keep their online form (PostgreSQL CREATE INDEX CONCURRENTLY,
// VALIDATE CONSTRAINT in its own transaction): docs/online.md.
#include <set>
#include <string>
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
// or need not run online: everywhere under --single-transaction or in a step that is not
// rerunnable in pieces, on tables the step itself creates, and everywhere in a step whose every
// operation works on `created_earlier` tables (earlier steps of the same run created them; see
// NewTables) and is no backfill (its batches stay).
void settle_online_forms(const std::vector<Operation>& ops, std::vector<Statement>& statements,
                         bool single_transaction, const std::set<std::string>& created_earlier = {});

// The tables a run has created so far and nobody else uses yet: the application that uses them
// is deployed after the migration. A table renamed or dropped leaves the set (renamed onto an old
// name it may be the one writers use). Fed step by step, upgrades only.
class NewTables {
 public:
  void after_step(const std::vector<Operation>& ops);
  const std::set<std::string>& names() const { return names_; }

 private:
  std::set<std::string> names_;
};

}  // namespace tsm
