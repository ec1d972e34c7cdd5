#pragma once
// Undoing a revision whose upgrade stopped half-way on a dialect without transactional DDL
// (MariaDB): the inverse of every operation that ran, newest first. Only operations with an
// exact inverse qualify; anything else needs an operator (exit 5).
#include <optional>
#include <string>
#include <vector>

#include "core/dialect.h"
#include "core/recovery/ddl_progress_log.h"

namespace tsm {

// The operation that reverts `op`; nullopt when there is none (drops, alters, raw SQL, data).
std::optional<Operation> inverse_of(const Operation& op);

struct UndoItem {
  int operation = 0;  // index into the revision's upgrade operations
  Operation inverse;
};

// Inverses of the operations of `ops` that have statements in `ran`, newest first.
// AttentionError naming the operation when one cannot be undone exactly.
std::vector<UndoItem> plan_undo(const std::string& revision, const std::vector<RenderedOp>& ops,
                                const std::vector<ProgressEntry>& ran);

}  // namespace tsm
