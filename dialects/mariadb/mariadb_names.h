#pragma once
// MariaDB's own object names (the shared defaults live in core/model/naming.h).
#include <string>
#include <vector>

#include "core/model/schema.h"

namespace tsm::mariadb {

std::string fulltext_name(const std::string& table);  // ft_<table>

// `<column>__key`, the invisible byte-exact companion of a text column in a unique key
// (MariaDbDialect::key_companion_definition). Throws when the name would pass 64 characters.
std::string key_companion_name(const std::string& column);
// The column a companion stands for, or "" when `name` is not a companion of `expression`
// (information_schema's GENERATION_EXPRESSION, "`fact`").
std::string key_companion_base(const std::string& name, const std::string& expression);

}  // namespace tsm::mariadb
