#pragma once
// Full-text search objects on PostgreSQL (names fixed by FulltextSpec in core/model/ops.h):
// an expression GIN index `ix_<table>_fts` on to_tsvector('<config>', <document>) (no column, no
// table rewrite), and with options.trigram the pg_trgm extension plus a GIN trigram index
// `ix_<table>_<column>_trgm`; all built CONCURRENTLY on an existing table (docs/online.md).
#include <string>
#include <vector>

#include "core/dialect.h"

namespace tsm::postgresql {

class PostgresDialect;

// Index names in a fixed order: the tsvector index, then one trigram index per column.
std::vector<std::string> fulltext_index_names(const FulltextSpec& spec);
// Everything introspect() lists as fulltext objects for this spec, sorted.
std::vector<std::string> fulltext_objects(const FulltextSpec& spec);

// What the index and the queries put after to_tsvector('<config>', …): the quoted column, or
// coalesce(a, '') || ' ' || coalesce(b, '') for several.
std::string fulltext_document(const PostgresDialect& d, const FulltextSpec& spec);

std::vector<Statement> render_create_fulltext(const PostgresDialect& d, const FulltextSpec& spec, const Schema& before);
std::string not_null_check_name(const std::string& table, const std::string& column);
std::vector<Statement> render_drop_fulltext(const PostgresDialect& d, const FulltextSpec& spec);

// The text-search configuration goes into SQL as a regconfig literal: only [a-z_]+ is accepted.
void validate_ts_config(const std::string& config);

}  // namespace tsm::postgresql
