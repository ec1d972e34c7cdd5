// Reporting a fan-out: the outcome words and turnstone_migrate_fanout, the control database's
// table of one row per tenant and fan-out that --retry-failed reads. Apart from the listing and
// the workers because it writes to the control database, not to any tenant.
#include "core/run/tenants.h"

#include <unistd.h>

#include <chrono>
#include <random>

#include <fmt/format.h>

#include "core/base/errors.h"

namespace tsm {
namespace {

constexpr const char* kFanoutTable = "turnstone_migrate_fanout";

}  // namespace

const char* status_word(TenantResult::Status status) {
  switch (status) {
    case TenantResult::Status::ok: return "ok";
    case TenantResult::Status::unchanged: return "at target";
    case TenantResult::Status::failed: return "failed";
    case TenantResult::Status::not_started: return "not started";
  }
  return "unknown";
}

// ---- bookkeeping ----

FanoutLog::FanoutLog(const Workspace& control, const std::string& command, const std::string& target)
    : command_(command), target_(target) {
  ConnectOptions options;
  options.create_if_missing = true;
  conn_ = backend_for(parse_url(control.settings().main_url).dialect).connect(parse_url(control.settings().main_url), options);
  std::random_device rd;
  fanout_id_ = fmt::format("{}-{}-{:08x}", std::chrono::duration_cast<std::chrono::milliseconds>(
                                               std::chrono::system_clock::now().time_since_epoch())
                                               .count(),
                           ::getpid(), rd());
  if (conn_->table_exists(kFanoutTable)) return;
  TableSpec spec;
  spec.name = kFanoutTable;
  spec.columns = {col::id("id"),
                  col::string("fanout_id", 64).not_null(),
                  col::string("tenant", 255).not_null(),
                  col::string("command", 16).not_null(),
                  col::string("target", 255).not_null(),
                  col::string("outcome", 16).not_null(),
                  col::integer("exit_code").not_null(),
                  col::text("error"),
                  col::double_("seconds"),
                  col::timestamp("finished_at").not_null().default_now()};
  try {
    for (const auto& st : conn_->dialect().render(CreateTable{spec}, Schema{})) conn_->execute(st.sql);
  } catch (const StatementError&) {
    if (!conn_->table_exists(kFanoutTable)) throw;  // else another fan-out created it just now
  }
}

FanoutLog::~FanoutLog() {
  try {
    flush();
  } catch (const std::exception&) {
    // the summary was printed; a bookkeeping row lost only narrows a later --retry-failed
  }
}

void FanoutLog::record(const TenantResult& r) {
  pending_.push_back(r);
  // A failure is written at once: it is what --retry-failed needs after a kill.
  if (r.status == TenantResult::Status::failed || pending_.size() >= 100 ||
      std::chrono::steady_clock::now() - last_flush_ >= std::chrono::seconds(1))
    flush();
}

void FanoutLog::flush() {
  last_flush_ = std::chrono::steady_clock::now();
  if (pending_.empty()) return;
  const std::string sql =
      fmt::format("INSERT INTO {} (fanout_id, tenant, command, target, outcome, exit_code, error, seconds) "
                  "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                  conn_->dialect().quote(kFanoutTable));
  std::vector<TenantResult> rows;
  rows.swap(pending_);
  conn_->begin();
  try {
    for (const auto& r : rows)
      conn_->query(sql, {fanout_id_, r.tenant.substr(0, 255), command_, target_.substr(0, 255), status_word(r.status),
                         std::to_string(r.exit_code), r.error, fmt::format("{:.3f}", r.seconds)});
    conn_->commit();
  } catch (...) {
    conn_->rollback();
    throw;
  }
}

std::vector<std::string> FanoutLog::last_failed(const Workspace& control) {
  const DatabaseUrl url = parse_url(control.settings().main_url);
  std::unique_ptr<Connection> conn;
  try {
    conn = backend_for(url.dialect).connect(url, ConnectOptions{});
  } catch (const ConnectError&) {
    if (url.dialect == DialectKind::sqlite) return {};  // no bookkeeping file: nothing failed here yet
    throw;
  }
  if (!conn->table_exists(kFanoutTable)) return {};
  const std::string table = conn->dialect().quote(kFanoutTable);
  auto last = conn->query(fmt::format("SELECT fanout_id FROM {} ORDER BY id DESC LIMIT 1", table));
  if (last.empty() || last[0].empty() || !last[0][0]) return {};
  std::vector<std::string> names;
  for (const auto& row :
       conn->query(fmt::format("SELECT tenant FROM {} WHERE fanout_id = ? AND outcome = ? ORDER BY tenant", table),
                   {*last[0][0], status_word(TenantResult::Status::failed)}))
    if (!row.empty() && row[0]) names.push_back(*row[0]);
  return names;
}

}  // namespace tsm
