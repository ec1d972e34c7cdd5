// Turnstone 2: keyword search over log messages.
// SQLite: FTS5 log_entries_fts + sync triggers; PostgreSQL: tsvector (config `simple`, so log
// tokens are not stemmed) + GIN, and pg_trgm for substring search; MariaDB: InnoDB FULLTEXT on
// the side table log_entries_fts, kept in sync by triggers (log_entries keeps INSTANT changes).
#include "core/graph/registry.h"

using namespace tsm;

namespace {
FulltextOptions message_search() {
  FulltextOptions options;
  options.config = "simple";
  options.tokenizer = "unicode61";
  options.trigram = true;
  return options;
}
}  // namespace

TSM_REVISION("24e4840176d2", "log search: full-text index over log messages")
    .after("46e594ad4dde")
    .up([](Ops& op) { op.create_fulltext("log_entries", {"message"}, message_search()); })
    .down([](Ops& op) { op.drop_fulltext("log_entries", {"message"}, message_search()); });
