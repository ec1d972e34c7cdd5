// Turnstone 6: sanitized bundles of log entries sent to and received from other installs.
#include "core/graph/registry.h"

using namespace tsm;

TSM_REVISION("a5bde210432d", "bundles: sent and received bundles")
    .after("f2e7710a997c")
    .up([](Ops& op) {
      op.create_table("sent_bundles",
                      {
                          col::id("id"),
                          col::big_integer("incident_id"),
                          col::text("destination"),
                          col::boolean("sanitized").not_null().default_value(false),
                          col::integer("entry_count").not_null(),
                          col::string("sha256", 64).not_null(),
                          col::timestamp("sent_at").not_null().default_now(),
                      },
                      [](TableSpec& t) {
                        t.foreign_keys.push_back({{"incident_id"}, "incidents", {"id"}, FkAction::set_null, {}});
                      });
      op.create_table("received_bundles", {
          col::id("id"),
          col::text("origin").not_null(),
          col::integer("entry_count").not_null(),
          col::json("payload").not_null(),
          col::timestamp("received_at").not_null().default_now(),
      });
    })
    .down([](Ops& op) {
      op.drop_table("received_bundles");
      op.drop_table("sent_bundles");
    });
