// Turnstone 1: sources and the log entries the glean jobs ingest.
// Legacy TEXT keys and indexed columns become string(n): MariaDB cannot key or index TEXT.
#include "core/graph/registry.h"

using namespace tsm;

TSM_REVISION("46e594ad4dde", "baseline: sources and log entries")
    .up([](Ops& op) {
      op.create_table("sources", {
          col::string("id", 255).pk(),  // 'docker:sonarr', 'journald:sshd', 'network-syslog'
          col::string("kind", 16).not_null(),  // journald | file | docker | syslog
          col::text("display_name"),
          col::json("config").not_null().default_value(std::string("{}")),
          col::boolean("enabled").not_null().default_value(true),
          col::timestamp("created_at").not_null().default_now(),
      });
      // source_id is deliberately no foreign key: entries outlive a removed source.
      op.create_table("log_entries", {
          col::id("id"),
          col::string("source_id", 255).not_null(),
          col::timestamp("timestamp").not_null(),
          col::string("severity", 16).not_null().default_value(std::string("INFO")),
          col::text("hostname"),
          col::text("service"),
          col::text("message").not_null(),
          col::text("raw"),
          col::json("matched_patterns").not_null().default_value(std::string("[]")),
          col::timestamp("ingested_at").not_null().default_now(),
      });
      op.create_index("idx_log_entries_source_ts", "log_entries", {"source_id", "timestamp"});
      op.create_index("idx_log_entries_severity_ts", "log_entries", {"severity", "timestamp"});
    })
    .down([](Ops& op) {
      op.drop_table("log_entries");
      op.drop_table("sources");
    });
