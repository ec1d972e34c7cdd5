// Turnstone 3: the anomaly scorer's columns on log entries, and its detections.
// Legacy installs got the columns by ALTER TABLE ADD COLUMN, so they sit after ingested_at.
#include "core/graph/registry.h"

using namespace tsm;

TSM_REVISION("b4a0420de733", "anomaly scorer: scores on log entries, detections")
    .after("24e4840176d2")
    .up([](Ops& op) {
      op.add_column("log_entries", col::real("anomaly_score"));
      op.add_column("log_entries", col::text("anomaly_label"));
      op.add_column("log_entries", col::timestamp("anomaly_scored_at"));
      op.create_table("detections",
                      {
                          col::id("id"),
                          col::big_integer("entry_id").not_null(),
                          col::text("anomaly_label").not_null(),
                          col::real("score").not_null(),
                          col::timestamp("detected_at").not_null().default_now(),
                          col::boolean("acknowledged").not_null().default_value(false),
                      },
                      [](TableSpec& t) {
                        t.foreign_keys.push_back({{"entry_id"}, "log_entries", {"id"}, FkAction::cascade, {}});
                      });
      op.create_index("idx_detections_entry", "detections", {"entry_id"});
      op.create_index("idx_detections_detected", "detections", {"detected_at"});
    })
    .down([](Ops& op) {
      op.drop_table("detections");
      op.drop_column("log_entries", "anomaly_scored_at");
      op.drop_column("log_entries", "anomaly_label");
      op.drop_column("log_entries", "anomaly_score");
    });
