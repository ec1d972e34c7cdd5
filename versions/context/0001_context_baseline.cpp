// Context tree 1: the context knowledge base (facts about hosts, services and sources) with
// full-text search over the facts. On SQLite it lives in its own file, turnstone-context.db.
#include "core/graph/registry.h"

using namespace tsm;

namespace {
FulltextOptions fact_search() {
  FulltextOptions options;
  options.config = "simple";
  options.tokenizer = "unicode61";
  return options;
}
}  // namespace

TSM_REVISION("2c54eb6de9fd", "context baseline: context facts with full-text search")
    .tree("context")
    .up([](Ops& op) {
      // fact stays TEXT (facts are free prose; a string(n) would cut them). MariaDB 10.4+ keys
      // the UNIQUE over a TEXT column with a hidden hash ("long unique").
      op.create_table("context_facts",
                      {
                          col::id("id"),
                          col::string("subject", 255).not_null(),  // a host, a service, a source id
                          col::text("fact").not_null(),
                          col::text("source"),  // who asserted it: operator | glean | llm
                          col::real("confidence").not_null().default_value(1.0),
                          col::timestamp("created_at").not_null().default_now(),
                          col::timestamp("updated_at").not_null().default_now(),
                          col::timestamp("expires_at"),
                      },
                      [](TableSpec& t) { t.uniques.push_back({{"subject", "fact"}, "uq_context_facts_subject_fact"}); });
      op.create_fulltext("context_facts", {"fact"}, fact_search());
    })
    .down([](Ops& op) {
      op.drop_fulltext("context_facts", {"fact"}, fact_search());
      op.drop_table("context_facts");
    });
