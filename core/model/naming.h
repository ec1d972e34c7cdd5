#pragma once
// What every dialect shares about names: the default names of constraints a spec leaves
// unnamed (identical on every backend, so `check`, legacy detection and --sql agree), the SQL
// words of foreign-key actions, lookups in a table spec, and identifier validation. Core
// validates identifiers here; a dialect only adds its quote characters.
#include <cstddef>
#include <string>
#include <vector>

#include "core/model/ops.h"

namespace tsm {

std::string primary_key_name(const std::string& table);                        // pk_<table>
std::string unique_name(const std::string& table, const UniqueConstraint& uq);  // uq_<table>_<col>_<col>…
// fk_<table>_<first column>_<referenced table>; UsageError when the key has no columns.
std::string foreign_key_name(const std::string& table, const ForeignKey& fk);
const char* fk_action_sql(FkAction action);  // "NO ACTION", "CASCADE", "SET NULL", "RESTRICT", "SET DEFAULT"

// The primary-key columns: the composite key, else the pk()/autoincrement columns in order.
std::vector<std::string> primary_key_columns(const TableSpec& table);
// The column named `name`, or nullptr.
const Column* find_column(const TableSpec& table, const std::string& name);

// UsageError unless `identifier` is non-empty, at most `max_length` bytes and free of NUL
// characters; `dialect` names the backend whose limit applies.
void validate_identifier(const std::string& identifier, std::size_t max_length, const char* dialect);
// `identifier` validated, between `quote` characters, each `quote` inside doubled.
std::string quote_identifier(const std::string& identifier, char quote, std::size_t max_length, const char* dialect);

}  // namespace tsm
