// Turnstone 4: incidents, and the log entries operators group into them.
#include "core/graph/registry.h"

using namespace tsm;

TSM_REVISION("f33f555ef9cf", "incidents: incidents and their entries")
    .after("b4a0420de733")
    .up([](Ops& op) {
      op.create_table("incidents", {
          col::id("id"),
          col::text("label").not_null(),
          col::timestamp("started_at").not_null(),
          col::timestamp("ended_at"),
          col::text("notes"),
          col::timestamp("created_at").not_null().default_now(),
          col::string("severity", 16).not_null().default_value(std::string("medium")),  // low … critical
      });
      op.create_table("incident_entries",
                      {
                          col::big_integer("incident_id").not_null(),
                          col::big_integer("entry_id").not_null(),
                      },
                      [](TableSpec& t) {
                        t.primary_key = {"incident_id", "entry_id"};
                        t.foreign_keys.push_back({{"incident_id"}, "incidents", {"id"}, FkAction::cascade, {}});
                        t.foreign_keys.push_back({{"entry_id"}, "log_entries", {"id"}, FkAction::cascade, {}});
                      });
    })
    .down([](Ops& op) {
      op.drop_table("incident_entries");
      op.drop_table("incidents");
    });
