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
  std::sort(out.begin(), out.end());
  return out;
}

std::string fulltext_document(const PostgresDialect& d, const FulltextSpec& spec) {
  if (spec.columns.size() == 1) return d.quote(spec.columns[0]);
  std::string document;
  for (std::size_t i = 0; i < spec.columns.size(); ++i)
    document += (i ? " || ' ' || " : "") + fmt::format("coalesce({}, '')", d.quote(spec.columns[i]));
  return document;
}

void validate_ts_config(const std::string& config) {
  bool ok = !config.empty() && std::all_of(config.begin(), config.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || c == '_';
  });
  if (!ok) throw UsageError(fmt::format("text-search configuration '{}' is not a plain name ([a-z_]+)", config));
}

std::string not_null_check_name(const std::string& table, const std::string& column) {
  std::string name = "nn_" + table + "_" + column;
  if (name.size() > 63) name = "nn_" + column.substr(0, 60);
  return name;
}

namespace {

Statement online(std::string sql, std::string plain, const std::string& table) {
  Statement st{std::move(sql)};
  st.in_transaction = false;
  st.plain_form = std::move(plain);
  st.table = table;
  return st;
}

// An index built CONCURRENTLY after dropping what a failed or killed build left (INVALID).
void add_index(std::vector<Statement>& out, const PostgresDialect& d, const std::string& table, const std::string& name,
               const std::string& body) {
  out.push_back(online("DROP INDEX CONCURRENTLY IF EXISTS " + d.quote(name), "DROP INDEX IF EXISTS " + d.quote(name), table));
  out.push_back(online(fmt::format("CREATE INDEX CONCURRENTLY {} ON {} {}", d.quote(name), d.quote(table), body),
                       fmt::format("CREATE INDEX {} ON {} {}", d.quote(name), d.quote(table), body), table));
}

}  // namespace

// An expression GIN index: no column, so no table rewrite (a STORED generated tsvector column
// rewrote every row under ACCESS EXCLUSIVE). Queries use the same expression:
// to_tsvector('<config>', <document>) @@ … (docs/online.md).
std::vector<Statement> render_create_fulltext(const PostgresDialect& d, const FulltextSpec& spec, const Schema& before) {
  if (spec.columns.empty()) throw UsageError(fmt::format("full-text search on {} needs columns", spec.table));
  validate_ts_config(spec.options.config);
  (void)before;
  std::vector<Statement> out;
  // The two-argument to_tsvector with a regconfig constant is immutable, as an index needs.
  add_index(out, d, spec.table, "ix_" + spec.table + "_fts",
            fmt::format("USING GIN (to_tsvector('{}'::regconfig, {}))", spec.options.config, fulltext_document(d, spec)));
  if (spec.options.trigram) {
    out.push_back({"CREATE EXTENSION IF NOT EXISTS pg_trgm"});
    for (auto& c : spec.columns)
      add_index(out, d, spec.table, "ix_" + spec.table + "_" + c + "_trgm", fmt::format("USING GIN ({} gin_trgm_ops)", d.quote(c)));
  }
  return out;
}

// The extension stays: other tables (or tenants) may use it.
std::vector<Statement> render_drop_fulltext(const PostgresDialect& d, const FulltextSpec& spec) {
  std::vector<Statement> out;
  auto names = fulltext_index_names(spec);
  for (auto it = names.rbegin(); it != names.rend(); ++it) out.push_back({"DROP INDEX IF EXISTS " + d.quote(*it)});
  return out;
}

}  // namespace tsm::postgresql
