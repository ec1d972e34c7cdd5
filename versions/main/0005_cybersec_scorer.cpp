// Turnstone 5: the second-pass cybersec classifier. Legacy installs got these by ALTER TABLE,
// so the columns come last; detections learn which scorer wrote them.
#include "core/graph/registry.h"

using namespace tsm;

TSM_REVISION("f2e7710a997c", "cybersec scorer: ml scores, detections.scorer")
    .after("f33f555ef9cf")
    .up([](Ops& op) {
      op.add_column("log_entries", col::real("ml_score"));
      op.add_column("log_entries", col::text("ml_label"));
      op.add_column("log_entries", col::timestamp("ml_scored_at"));
      op.add_column("detections",
                    col::string("scorer", 32).not_null().default_value(std::string("anomaly")));  // anomaly | cybersec
      op.create_index("idx_detections_scorer", "detections", {"scorer", "detected_at"});
    })
    .down([](Ops& op) {
      op.drop_index("idx_detections_scorer", "detections");
      op.drop_column("detections", "scorer");
      op.drop_column("log_entries", "ml_scored_at");
      op.drop_column("log_entries", "ml_label");
      op.drop_column("log_entries", "ml_score");
    });
