// Context tree 2: tenant_id on context facts. A fact is unique per tenant, so
// UNIQUE (subject, fact) becomes UNIQUE (tenant_id, subject, fact) — it also serves as the
// tenant-leading index. No operation changes a unique constraint in place (SQLite cannot at
// all), so this revision rebuilds the table by hand: new table, copy, drop, rename; ids kept.
#include <string>

#include "core/graph/registry.h"

using namespace tsm;

namespace {

const char* const kColumns = "id, subject, fact, source, confidence, created_at, updated_at, expires_at";

std::vector<Column> fact_columns() {
  return {
      col::id("id"),
      col::string("subject", 255).not_null(),
      col::text("fact").not_null(),
      col::text("source"),
      col::real("confidence").not_null().default_value(1.0),
      col::timestamp("created_at").not_null().default_now(),
      col::timestamp("updated_at").not_null().default_now(),
      col::timestamp("expires_at"),
  };
}

FulltextOptions fact_search() {
  FulltextOptions options;
  options.config = "simple";
  options.tokenizer = "unicode61";
  return options;
}

// Copies every fact (ids included) from `from` into `to`. PostgreSQL needs OVERRIDING SYSTEM
// VALUE for explicit identity values and its sequence moved past them (one statement, through a
// data-modifying WITH); SQLite and MariaDB advance their counters by themselves. Names are
// unqualified: the search path / current database decides where they live.
void copy_facts(Ops& op, const std::string& from, const std::string& to) {
  const std::string cols = kColumns;
  const std::string plain = "INSERT INTO " + to + " (" + cols + ") SELECT " + cols + " FROM " + from;
  const std::string postgresql = "WITH copied AS (INSERT INTO " + to + " (" + cols +
                                 ") OVERRIDING SYSTEM VALUE SELECT " + cols + " FROM " + from +
                                 " RETURNING id) SELECT setval(pg_get_serial_sequence('" + to +
                                 "', 'id'), COALESCE((SELECT MAX(id) FROM copied), 0) + 1, false)";
  op.execute({{DialectKind::sqlite, plain}, {DialectKind::mariadb, plain}, {DialectKind::postgresql, postgresql}});
}

// Replaces context_facts by a copy with `columns` and `unique` (rows and ids kept).
void rebuild_facts(Ops& op, std::vector<Column> columns, UniqueConstraint unique, const std::string& staging) {
  op.drop_fulltext("context_facts", {"fact"}, fact_search());
  op.create_table(staging, std::move(columns), [&](TableSpec& t) { t.uniques.push_back(unique); });
  copy_facts(op, "context_facts", staging);
  op.drop_table("context_facts");
  op.rename_table(staging, "context_facts");
  op.create_fulltext("context_facts", {"fact"}, fact_search());
}

}  // namespace

TSM_REVISION("c294fa374961", "context tenants: tenant_id on context facts, unique per tenant")
    .tree("context")
    .after("2c54eb6de9fd")
    // drop_table here drops the old context_facts only after copying every row (ids kept) into
    // its replacement, which takes the name back in the same revision, and the previous release
    // keeps finding context_facts with every column it knows. On SQLite and PostgreSQL the
    // revision is one transaction; on MariaDB (no transactional DDL) a fact written between the
    // copy and the drop would not be copied: upgrade the context tree with its writers stopped.
    .lint_waiver("TM201",
                 "context_facts is replaced by a copy made in the same revision (every row and id copied "
                 "first); the old release keeps its table name and columns")
    .up([](Ops& op) {
      auto columns = fact_columns();
      columns.push_back(col::string("tenant_id", 64).not_null().default_value(std::string("default")));
      rebuild_facts(op, std::move(columns),
                    {{"tenant_id", "subject", "fact"}, "uq_context_facts_tenant_subject_fact"},
                    "context_facts_next");
    })
    .down([](Ops& op) {
      // Fails (and changes nothing on SQLite/PostgreSQL) if two tenants hold the same fact:
      // folding them into one would lose a row silently.
      rebuild_facts(op, fact_columns(), {{"subject", "fact"}, "uq_context_facts_subject_fact"},
                    "context_facts_prev");
    });
