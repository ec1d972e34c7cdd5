// Turnstone 7: per-source runs and watermarks of the ingest ("glean") scheduler.
#include "core/graph/registry.h"

using namespace tsm;

TSM_REVISION("41d406908898", "glean state: ingest runs and watermarks")
    .after("a5bde210432d")
    .up([](Ops& op) {
      op.create_table("glean_runs", {
          col::id("id"),
          col::string("source_id", 255).not_null(),
          col::timestamp("started_at").not_null(),
          col::timestamp("finished_at"),
          col::string("status", 16).not_null(),  // running | ok | error
          col::integer("entries_ingested").not_null().default_value(std::int64_t{0}),
          col::text("watermark"),  // last cursor / offset read from the source
          col::text("error"),
      });
      op.create_index("idx_glean_runs_source", "glean_runs", {"source_id", "started_at"});
    })
    .down([](Ops& op) { op.drop_table("glean_runs"); });
