#pragma once
// MariaDB full-text search on a side table kept in sync by triggers, like SQLite's
// external-content FTS5: `<table>_fts` holds the key and the searched columns and carries the
// FULLTEXT index `ft_<table>`; triggers `<table>_ai`/`_ad`/`_au` mirror every write. A FULLTEXT
// index on the table itself would make every later column change on it a table copy under
// LOCK=SHARED (InnoDB's hidden FTS_DOC_ID); on the side table, log_entries stays INSTANT.
//
// Built online in this order (bench/online/research/NOTES.md, "order C"): the side table without
// the index; a batched fill from the table; the FULLTEXT index (no writer touches the side table
// yet); the triggers; then a batched catch-up for rows written between the fill and the
// triggers (upsert of changed rows, delete of rows gone). Every statement is safe to repeat.
#include <string>
#include <vector>

#include "core/dialect.h"

namespace tsm::mariadb {

class MariaDbDialect;

std::string fulltext_side_table(const std::string& table);               // <table>_fts
std::vector<std::string> fulltext_trigger_names(const std::string& table);  // _ad, _ai, _au
// Every object name, sorted, as introspection reports them in fulltext_objects.
std::vector<std::string> fulltext_object_names(const std::string& table);

// `before` is the schema before the operation (the key column's type).
std::vector<Statement> create_fulltext(const MariaDbDialect& d, const FulltextSpec& spec, const Schema& before);
std::vector<Statement> drop_fulltext(const MariaDbDialect& d, const std::string& table);
// For renames of the table or of a searched column: the triggers name both.
std::vector<Statement> drop_fulltext_triggers(const MariaDbDialect& d, const std::string& table);
std::vector<Statement> create_fulltext_triggers(const MariaDbDialect& d, const FulltextSpec& spec);
// The catch-up passes (rows written while the triggers were missing).
std::vector<Statement> fulltext_catch_up(const MariaDbDialect& d, const FulltextSpec& spec);

}  // namespace tsm::mariadb
