#pragma once
// Fan-out over tenants (--tenants): which tenants a spec names, their version rows read in a few
// queries before any tenant is connected, the workers that run one command per tenant, and the
// bookkeeping table that --retry-failed reads.
//
// A tenant is a PostgreSQL schema of the URL's database (run through the URL's own ?schema=
// mechanism, so the whole chain, version tables and per-tree lock are the schema's), a MariaDB
// database of the URL's server (the URL with that database), or for SQLite a URL or path listed
// in a file. The per-tree migration lock is taken inside the tenant (PostgreSQL: the advisory
// key includes the schema; MariaDB: the GET_LOCK name includes the database), so two fan-outs
// never migrate one tenant at once: the second waits (within --lock-timeout), re-reads the rows
// under the lock and finds the work done.
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/run/workspace.h"

namespace tsm {

struct TenantSpec {
  enum class Kind { all, glob, file } kind = Kind::all;
  std::string text;  // the glob, or the file's path
};

// "all", "@FILE", or a glob (`*`, `?`). UsageError for an empty spec or "@" alone.
TenantSpec parse_tenant_spec(const std::string& spec);
// Shell-style match of the whole name: `*` any run of characters, `?` one byte.
bool glob_match(const std::string& pattern, const std::string& name);

struct Tenant {
  std::string name;  // schema, database, or (SQLite) the URL/path as the file lists it
  std::string url;   // the tenant's URL; holds the password: print `name`, never this
  // The selected trees' version rows read before the fan-out; nullopt when they were not (SQLite,
  // or rows this build cannot read as they are): the worker then reads them itself.
  std::optional<TreeRows> rows;
};

// The control database of a fan-out: the URL as given. PostgreSQL: its database (a ?schema=
// there is a usage error); MariaDB: its server (its own database is never a tenant and holds the
// bookkeeping); SQLite: the bookkeeping file.
//
// Every tenant the spec names, sorted by name, with the version rows of the selected trees read in
// one information_schema scan plus UNION ALL queries (no tenant is connected). `all`: schemas or
// databases holding a selected tree's version table. A glob: every non-system schema/database
// whose name matches, with or without a version table. `@FILE`: the names as listed (SQLite: URLs
// or paths). `only`: when set, keep only these names (--retry-failed).
// UsageError (2) for a spec that names no tenant or a bad file; ConnectError (3) for the server.
std::vector<Tenant> resolve_tenants(const Workspace& control, const TenantSpec& spec,
                                    const std::optional<std::vector<std::string>>& only = std::nullopt);

// Settings for one tenant: the control settings with the tenant's URL (context tree derived).
Settings tenant_settings(const Settings& control, const Tenant& tenant);

// What one tenant's command did.
struct TenantResult {
  enum class Status { ok, unchanged, failed, not_started };
  std::string tenant;
  Status status = Status::not_started;
  std::optional<TreeRows> before;  // nullopt: not read (not started, or failed before)
  std::optional<TreeRows> after;
  double seconds = 0;
  int exit_code = 0;      // the code the tenant alone would have exited with
  std::string error;      // first line of the error (password-free, like every error)
};
const char* status_word(TenantResult::Status status);  // "ok", "at target", "failed", "not started"

struct FanoutOptions {
  int jobs = 4;
  bool fail_fast = false;  // start no tenant after the first failure
  int canary = 0;          // run the first N tenants first; stop when any of them fails
  // Run tenants one at a time until one succeeds, then `jobs` at once. PostgreSQL schemas of one
  // database share what the first upgrade creates database-wide (pg_trgm: concurrent CREATE
  // EXTENSION IF NOT EXISTS fail with a duplicate key), so that happens once, before the fan-out.
  bool one_first = false;
};

// Runs `work` once per tenant on min(jobs, tenants) threads. `work` runs on a worker thread with
// tenant_log_label() set to the tenant's name; an exception from it is that tenant's failure
// (tsm::Error keeps its exit code, anything else is 1). `done` is called on the calling thread
// for every finished tenant, in completion order (progress, bookkeeping). Tenants that were not
// started (--fail-fast, a failed canary) come back with Status::not_started.
std::vector<TenantResult> run_fanout(const std::vector<Tenant>& tenants, const FanoutOptions& options,
                                     const std::function<TenantResult(const Tenant&)>& work,
                                     const std::function<void(const TenantResult&, std::size_t done)>& done);

// The tenant the current thread works for ("" outside a fan-out worker), for log prefixes.
const std::string& tenant_log_label();

// turnstone_migrate_fanout in the control database: one row per tenant and fan-out.
class FanoutLog {
 public:
  // Opens the control database for writing and creates the table when missing.
  FanoutLog(const Workspace& control, const std::string& command, const std::string& target);
  ~FanoutLog();  // flushes what is buffered (errors only logged)
  // Buffers the row; rows are written in one transaction at a failure, when 100 are buffered, a
  // second after the last write, or at flush(): a no-op fan-out over 1,000 tenants is not 1,000
  // commits.
  void record(const TenantResult& result);
  void flush();
  // Tenants whose last recorded fan-out (of any write command) failed them; empty when none.
  static std::vector<std::string> last_failed(const Workspace& control);

 private:
  std::unique_ptr<Connection> conn_;
  std::string fanout_id_, command_, target_;
  std::vector<TenantResult> pending_;
  std::chrono::steady_clock::time_point last_flush_ = std::chrono::steady_clock::now();
};

}  // namespace tsm
