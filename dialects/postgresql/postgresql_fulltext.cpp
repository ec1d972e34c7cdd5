#include "dialects/postgresql/postgresql_fulltext.h"

#include <algorithm>

#include <fmt/format.h>

#include "core/base/errors.h"
#include "dialects/postgresql/postgresql_dialect.h"
#include "dialects/postgresql/postgresql_normalize.h"

namespace tsm::postgresql {

std::vector<std::string> fulltext_index_names(const FulltextSpec& spec) {
  std::vector<std::string> names{"ix_" + spec.table + "_fts"};
  if (spec.options.trigram)
    for (auto& c : spec.columns) names.push_back("ix_" + spec.table + "_" + c + "_trgm");
  return names;
}

std::vector<std::string> fulltext_objects(const FulltextSpec& spec) {
  auto out = fulltext_index_names(spec);
  out.push_back(kTsvectorColumn);
  std::sort(out.begin(), out.end());
  return out;
}

void validate_ts_config(const std::string& config) {
  bool ok = !config.empty() && std::all_of(config.begin(), config.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || c == '_';
  });
  if (!ok) throw UsageError(fmt::format("text-search configuration '{}' is not a plain name ([a-z_]+)", config));
}

std::vector<Statement> render_create_fulltext(const PostgresDialect& d, const FulltextSpec& spec) {
  if (spec.columns.empty()) throw UsageError(fmt::format("full-text search on {} needs columns", spec.table));
  validate_ts_config(spec.options.config);
  std::string document;
  for (std::size_t i = 0; i < spec.columns.size(); ++i)
    document += (i ? " || ' ' || " : "") + fmt::format("coalesce({}, '')", d.quote(spec.columns[i]));
  // The two-argument to_tsvector with a regconfig constant is immutable, as a generated column needs.
  std::vector<Statement> out{
      {fmt::format("ALTER TABLE {} ADD COLUMN {} tsvector GENERATED ALWAYS AS (to_tsvector('{}'::regconfig, {})) STORED",
                   d.quote(spec.table), d.quote(kTsvectorColumn), spec.options.config, document)},
      {fmt::format("CREATE INDEX {} ON {} USING GIN ({})", d.quote("ix_" + spec.table + "_fts"), d.quote(spec.table),
                   d.quote(kTsvectorColumn))}};
  if (spec.options.trigram) {
    out.push_back({"CREATE EXTENSION IF NOT EXISTS pg_trgm"});
    for (auto& c : spec.columns)
      out.push_back({fmt::format("CREATE INDEX {} ON {} USING GIN ({} gin_trgm_ops)",
                                 d.quote("ix_" + spec.table + "_" + c + "_trgm"), d.quote(spec.table), d.quote(c))});
  }
  return out;
}

// The extension stays: other tables (or tenants) may use it.
std::vector<Statement> render_drop_fulltext(const PostgresDialect& d, const FulltextSpec& spec) {
  std::vector<Statement> out;
  auto names = fulltext_index_names(spec);
  for (auto it = names.rbegin(); it != names.rend(); ++it) out.push_back({"DROP INDEX " + d.quote(*it)});
  out.push_back({fmt::format("ALTER TABLE {} DROP COLUMN {}", d.quote(spec.table), d.quote(kTsvectorColumn))});
  return out;
}

}  // namespace tsm::postgresql
