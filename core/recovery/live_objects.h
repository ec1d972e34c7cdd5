#pragma once
// Whether one object exists in the live schema (introspection), for the questions recovery and
// copy ask after a kill: did that statement take effect, is that index already there.
#include <string>

#include "core/dialect.h"

namespace tsm {

bool has_column(Connection& conn, const std::string& table, const std::string& column);
bool has_index(Connection& conn, const std::string& table, const std::string& index);
bool has_fulltext(Connection& conn, const std::string& table);  // any full-text object on it

}  // namespace tsm
