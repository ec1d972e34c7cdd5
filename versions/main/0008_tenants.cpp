// Turnstone 8: multi-tenant namespacing. Every tenant-scoped table gets tenant_id (existing rows
// belong to 'default') and the lookup indexes are replaced by ones that lead with it.
//
// Kept as they are, on purpose:
// - idx_detections_entry: it backs the foreign key to log_entries (ON DELETE CASCADE looks
//   detections up by entry_id; InnoDB refuses to drop an index a foreign key needs).
// - primary keys (incl. incident_entries' (incident_id, entry_id)): ids are identities, unique
//   across tenants, so a key does not need tenant_id.
#include <string>
#include <vector>

#include "core/graph/registry.h"

using namespace tsm;

namespace {

// In the order the tables were created; the downgrade walks it backwards.
const std::vector<std::string> kTenantTables = {
    "sources",      "log_entries",   "detections",       "incidents",
    "incident_entries", "sent_bundles", "received_bundles", "glean_runs",
};

struct IndexDef {
  std::string name;
  std::string table;
  std::vector<std::string> columns;
};

// Indexes of revisions 1-7 that tenant-leading ones replace.
const std::vector<IndexDef> kReplaced = {
    {"idx_log_entries_source_ts", "log_entries", {"source_id", "timestamp"}},
    {"idx_log_entries_severity_ts", "log_entries", {"severity", "timestamp"}},
    {"idx_detections_detected", "detections", {"detected_at"}},
    {"idx_detections_scorer", "detections", {"scorer", "detected_at"}},
    {"idx_glean_runs_source", "glean_runs", {"source_id", "started_at"}},
};

const std::vector<IndexDef> kTenantIndexes = {
    {"idx_sources_tenant", "sources", {"tenant_id", "kind"}},
    {"idx_log_entries_tenant_source_ts", "log_entries", {"tenant_id", "source_id", "timestamp"}},
    {"idx_log_entries_tenant_severity_ts", "log_entries", {"tenant_id", "severity", "timestamp"}},
    {"idx_detections_tenant_detected", "detections", {"tenant_id", "detected_at"}},
    {"idx_detections_tenant_scorer", "detections", {"tenant_id", "scorer", "detected_at"}},
    {"idx_incidents_tenant_started", "incidents", {"tenant_id", "started_at"}},
    {"idx_incident_entries_tenant", "incident_entries", {"tenant_id", "incident_id"}},
    {"idx_sent_bundles_tenant_sent", "sent_bundles", {"tenant_id", "sent_at"}},
    {"idx_received_bundles_tenant_received", "received_bundles", {"tenant_id", "received_at"}},
    {"idx_glean_runs_tenant_source", "glean_runs", {"tenant_id", "source_id", "started_at"}},
};

Column tenant_id() { return col::string("tenant_id", 64).not_null().default_value(std::string("default")); }

}  // namespace

TSM_REVISION("d000f3f4c39a", "tenants: tenant_id on every table, tenant-leading indexes")
    .after("41d406908898")
    .up([](Ops& op) {
      for (const auto& table : kTenantTables) op.add_column(table, tenant_id());
      for (const auto& index : kReplaced) op.drop_index(index.name, index.table);
      for (const auto& index : kTenantIndexes) op.create_index(index.name, index.table, index.columns);
    })
    .down([](Ops& op) {
      for (auto it = kTenantIndexes.rbegin(); it != kTenantIndexes.rend(); ++it) op.drop_index(it->name, it->table);
      for (const auto& index : kReplaced) op.create_index(index.name, index.table, index.columns);
      for (auto it = kTenantTables.rbegin(); it != kTenantTables.rend(); ++it) op.drop_column(*it, "tenant_id");
    });
