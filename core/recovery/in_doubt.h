#pragma once
// A process killed between running a DDL statement and recording it leaves the statement "in
// doubt". MariaDB DDL is atomic, so it either took effect whole or not at all; for operations
// that create, drop or rename one object the live schema tells which.
#include <optional>

#include "core/dialect.h"

namespace tsm {

// Whether `op`'s (single, or table-creating first) statement took effect; nullopt: cannot tell.
std::optional<bool> took_effect(Connection& conn, const Operation& op, bool first_statement_of_op,
                                std::size_t statements_of_op);

}  // namespace tsm
