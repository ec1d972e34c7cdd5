#pragma once
// Shared by describe() and introspect(): the order in which lists are compared.
#include "core/model/schema.h"

namespace tsm::postgresql {

// Indexes by name, foreign keys by (columns, referenced table), FTS objects by name.
void sort_description(TableDescription& table);

}  // namespace tsm::postgresql
