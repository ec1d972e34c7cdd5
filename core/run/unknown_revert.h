#pragma once
// Downgrading a database that holds revisions this build does not know (a deploy rollback: the
// older binary meets a database the newer release upgraded). Their downgrade SQL was stored
// when they were applied (core/recovery/revision_store.h), so they are reverted with it.
#include <map>
#include <string>
#include <vector>

#include "core/recovery/unknown_revisions.h"
#include "core/run/executor.h"
#include "core/run/tree_session.h"

namespace tsm {

// The rows to plan with, per tree: known rows and the known revisions under unknown ones.
TreeRows known_rows(const std::map<std::string, Placement>& placed);

// Unknown revisions a downgrade to `target` reverts: those above a revision the target leaves
// out. A relative target cannot count revisions this build has never seen (exit 5).
// Needs only the graph (no database), so tests/fuzz can drive it.
std::vector<const StoredRevision*> unknown_to_revert(const RevisionGraph& graph, const Placement& p,
                                                     const std::string& target);

// Reverts one unknown revision with the SQL stored when it was applied; the version table then
// holds its parents (unless another row already descends from them). `rows` follows along.
StepRecord revert_stored(const Workspace& ws, TreeSession& s, const Placement& p, const StoredRevision& u,
                         std::vector<std::string>& rows);

}  // namespace tsm
