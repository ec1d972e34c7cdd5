#pragma once
// A revision's statements on one dialect: each operation rendered against the schema just
// before it (replayed from the revisions so far). Runs, `show`, --sql, the revision store and
// recovery all render through here, so they agree statement for statement.
#include <string>
#include <vector>

#include "core/dialect.h"
#include "core/graph/plan.h"

namespace tsm {

// One revision in one direction, with no version-table change (show, undo, stored downgrades).
Step single_step(const Revision& rev, Direction direction);
// "upgrade <id>" / "downgrade <id>", for messages.
std::string step_label(const Step& step);

// The statements of a step grouped by the operation they come from; `schema` advances past it.
// UsageError naming the revision and operation when one cannot be rendered for this dialect.
std::vector<RenderedOp> render_step_ops(const Dialect& dialect, const Step& step, Schema& schema);
// The same, flat.
std::vector<Statement> render_step(const Dialect& dialect, const Step& step, Schema& schema);

// The version-table change of a step, as SQL (online runs and --sql alike).
std::vector<std::string> version_sql(const Dialect& dialect, const std::string& table, const Step& step);

}  // namespace tsm
