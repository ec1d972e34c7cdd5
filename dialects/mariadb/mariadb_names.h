#pragma once
// MariaDB's own object names (the shared defaults live in core/model/naming.h).
#include <string>
#include <vector>

#include "core/model/schema.h"

namespace tsm::mariadb {

std::string fulltext_name(const std::string& table);  // ft_<table>

}  // namespace tsm::mariadb
