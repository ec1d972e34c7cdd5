#pragma once
// Default constraint names and small lookups shared by rendering and describe().
#include <string>
#include <vector>

#include "core/schema.h"

namespace tsm::mariadb {

std::string fk_name(const std::string& table, const ForeignKey& fk);         // fk_<table>_<col1>_<reftable>
std::string unique_name(const std::string& table, const UniqueConstraint& u);  // uq_<table>_<cols…>
std::string fulltext_name(const std::string& table);                          // ft_<table>
std::string on_delete_sql(FkAction action);                                   // "CASCADE", "NO ACTION", …
// Primary-key columns: the composite key, else the pk()/autoincrement columns in order.
std::vector<std::string> primary_key_columns(const TableSpec& spec);
// Column type in `table`, when the model knows it.
const Column* find_column(const TableSpec& spec, const std::string& name);

}  // namespace tsm::mariadb
