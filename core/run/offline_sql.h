#pragma once
// `upgrade/downgrade --sql`: the exact statements a run would execute, version-table changes
// included, as a script a DBA reviews and feeds to psql / mariadb / sqlite3. Never connects.
#include <string>

#include "core/graph/plan.h"
#include "core/run/workspace.h"

namespace tsm {

// `target` is a target or a `from:to` range. Without `from:` an upgrade starts at base (Alembic's
// offline mode); a downgrade needs the range.
std::string render_offline_sql(const Workspace& ws, DialectKind dialect, Direction direction,
                               const std::string& target);

}  // namespace tsm
