#include "core/run/session_setup.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/base/errors.h"
#include "core/base/text.h"

namespace tsm {
namespace {

std::string first_words(const std::string& sql, int count) {
  std::string out;
  std::size_t i = 0;
  for (int w = 0; w < count; ++w) {
    while (i < sql.size() && std::isspace(static_cast<unsigned char>(sql[i]))) ++i;
    std::size_t b = i;
    while (i < sql.size() && !std::isspace(static_cast<unsigned char>(sql[i]))) ++i;
    if (b == i) break;
    if (!out.empty()) out += ' ';
    for (std::size_t k = b; k < i; ++k) out += static_cast<char>(std::toupper(static_cast<unsigned char>(sql[k])));
  }
  return out;
}

}  // namespace

bool SessionPlan::sets(const std::string& variable) const {
  return !variable.empty() && std::find(variables.begin(), variables.end(), variable) != variables.end();
}

SessionPlan session_plan(const Revision& rev, const Dialect& d) {
  SessionPlan plan;
  for (const auto& e : rev.session) {
    if (e.skips(d.kind())) continue;
    auto sql = e.for_dialect(d.kind());
    if (!sql) continue;  // only other dialects have session setup
    auto variables = d.session_variables(*sql);
    if (!variables)
      throw UsageError(fmt::format("revision {} ({}): '-- +session' statement does more than set session state on {}: "
                                   "{} (see docs/sql-units.md for what a session section may hold)",
                                   rev.id, rev.origin, dialect_name(d.kind()), *sql));
    plan.statements.push_back(*sql);
    for (const auto& v : *variables)
      if (!plan.sets(v)) plan.variables.push_back(v);
  }
  return plan;
}

SessionGuard::SessionGuard(Connection& conn, const SessionPlan& plan) : conn_(conn), plan_(plan) {
  const Dialect& d = conn.dialect();
  int slot = 0;
  for (const auto& v : plan.variables) {
    if (auto keep = d.save_session_variable(v, ++slot)) {
      conn_.execute(keep->save);
      restore_sql_.insert(restore_sql_.begin(), keep->restore);
      continue;
    }
    auto rows = conn_.query(d.read_session_variable_sql(v));
    if (rows.empty() || rows[0].empty() || !rows[0][0]) continue;  // no value to put back
    std::string sql = d.restore_session_variable_sql(v, rows[0][0]);
    if (!sql.empty()) restore_sql_.insert(restore_sql_.begin(), sql);
  }
  try {
    for (const auto& sql : plan.statements) {
      spdlog::debug("SQL (session): {}", sql);
      conn_.execute(sql);
    }
  } catch (...) {
    restore();
    throw;
  }
}

SessionGuard::~SessionGuard() {
  try {
    restore();
  } catch (const std::exception& e) {
    spdlog::warn("could not restore the session state after a '-- +session' section: {}", e.what());
  }
}

void SessionGuard::restore() {
  if (restored_) return;
  restored_ = true;
  for (const auto& sql : restore_sql_) conn_.execute(sql);
}

std::vector<std::string> offline_session_open(const Dialect& d, const SessionPlan& plan) {
  std::vector<std::string> out;
  int slot = 0;
  for (const auto& v : plan.variables)
    if (auto keep = d.save_session_variable(v, ++slot)) out.push_back(keep->save);
  out.insert(out.end(), plan.statements.begin(), plan.statements.end());
  return out;
}

std::vector<std::string> offline_session_close(const Dialect& d, const SessionPlan& plan) {
  std::vector<std::string> out;
  int slot = 0;
  for (const auto& v : plan.variables) {
    auto keep = d.save_session_variable(v, ++slot);
    std::string sql = keep ? keep->restore : d.restore_session_variable_sql(v, std::nullopt);
    if (!sql.empty()) out.insert(out.begin(), sql);
  }
  return out;
}

bool replays_on_resume(const std::string& sql) {
  const std::string head = first_words(sql, 2);
  if (head.rfind("PREPARE ", 0) == 0 || head.rfind("DEALLOCATE ", 0) == 0 || head.rfind("DROP PREPARE", 0) == 0)
    return true;
  if (head.rfind("SET ", 0) != 0) return false;
  // Not what lives beyond the session (GLOBAL, PASSWORD) or only for the next transaction.
  // (SET LOCAL is session state on MariaDB; on PostgreSQL, outside a transaction, a no-op.)
  const std::string second = head.substr(4);
  return second.rfind("GLOBAL", 0) != 0 && second.rfind("@@GLOBAL", 0) != 0 && second.rfind("PASSWORD", 0) != 0 &&
         second.rfind("TRANSACTION", 0) != 0;
}

}  // namespace tsm
