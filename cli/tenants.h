#pragma once
// --tenants: one command run once per tenant (a PostgreSQL schema, a MariaDB database, or a
// SQLite URL/path listed in a file), by --jobs workers, with a summary table. The planning and
// the workers are in core/run/tenants.h; this is the per-command glue and the output.
#include <string>
#include <vector>

#include "cli/global_options.h"
#include "core/graph/plan.h"

namespace tsm::cli {

// Refuses the fan-out options on a command that does not fan out (`command`: its name), and
// --jobs/--fail-fast/--canary/--retry-failed without --tenants. Usage errors, exit 2.
void check_tenant_options(const GlobalOptions& g, const std::string& command);

// Each returns the exit code: 0 when every tenant succeeded, 1 when any failed or was not started.
int fan_out_migrate(const GlobalOptions& g, Direction direction, const std::string& target);
int fan_out_stamp(const GlobalOptions& g, const std::vector<std::string>& targets, bool purge);
int fan_out_current(const GlobalOptions& g);
// check: 6 when every failing tenant failed by drift, else 0 / 1.
int fan_out_check(const GlobalOptions& g);

}  // namespace tsm::cli
