#include "dialects/mariadb/mariadb_names.h"

#include "core/base/errors.h"

namespace tsm::mariadb {

std::string fulltext_name(const std::string& table) { return "ft_" + table; }

}  // namespace tsm::mariadb
