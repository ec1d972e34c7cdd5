#pragma once
// FTS5 external-content full-text search: the virtual table `<table>_fts`, the sync triggers
// `<table>_ai`/`_ad`/`_au`, and the initial 'rebuild' for rows already present.
#include <string>
#include <vector>

#include "core/dialect.h"

namespace tsm::sqlite {

class SqliteDialect;

std::string fts_table_name(const std::string& table);
std::vector<std::string> fts_trigger_names(const std::string& table);  // _ai, _ad, _au
// Every object name, sorted (as introspection reports them in fulltext_objects).
std::vector<std::string> fts_object_names(const std::string& table);

// CREATE VIRTUAL TABLE (legacy text form), the triggers, and the rebuild.
std::vector<Statement> create_fulltext(const SqliteDialect& d, const FulltextSpec& spec);
// Only the three sync triggers (a table rebuild drops them with the old table).
std::vector<Statement> create_fulltext_triggers(const SqliteDialect& d, const FulltextSpec& spec);
std::vector<Statement> drop_fulltext(const SqliteDialect& d, const std::string& table);

// The shadow tables FTS5 keeps for a virtual table (excluded from introspection).
std::vector<std::string> fts5_shadow_tables(const std::string& virtual_table);

}  // namespace tsm::sqlite
