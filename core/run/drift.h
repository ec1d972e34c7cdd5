#pragma once
// `check`: does the live schema still match what the version rows promise? The expected schema
// is replayed from the revisions' operations and compared in the dialect's normalized terms.
#include <string>
#include <vector>

#include "core/run/workspace.h"

namespace tsm {

// Differences between the schema the version rows promise and the live one (empty = clean).
std::vector<std::string> check_drift(const Workspace& ws, const std::string& tree);

}  // namespace tsm
