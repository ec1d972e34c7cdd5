#pragma once
// A short stable hash of a live schema: every table (bookkeeping included), column, index,
// foreign key and full-text object. Raw SQL has no operation to judge an interrupted run by, so
// the fingerprint taken before it runs tells a later run whether it changed the schema.
#include <string>

#include "core/dialect.h"

namespace tsm {

std::string schema_fingerprint(Connection& conn);

}  // namespace tsm
