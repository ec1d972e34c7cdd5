#pragma once
// Shared by describe() and introspect(): the order in which lists are compared.
#include "core/schema.h"

namespace tsm::pg {

const char* fk_action_name(FkAction action);  // "CASCADE", "SET NULL", "NO ACTION", …
// Indexes by name, foreign keys by (columns, referenced table), FTS objects by name.
void sort_description(TableDescription& table);

}  // namespace tsm::pg
