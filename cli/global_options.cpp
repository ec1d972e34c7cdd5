#include "cli/global_options.h"

#include <cstdlib>
#include <iostream>

namespace tsm::cli {
namespace {
std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}
}  // namespace

Settings GlobalOptions::settings() const {
  Settings s;
  s.main_url = !url.empty() ? url : env_or("TURNSTONE_DATABASE_URL", "sqlite:///turnstone.db");
  std::string ctx = !context_url.empty() ? context_url : env_or("TURNSTONE_CONTEXT_DATABASE_URL", "");
  if (!ctx.empty()) s.context_url = ctx;
  s.revision_dirs = revision_dirs;
  if (!tree.empty()) s.tree = tree;
  s.lock_timeout = std::chrono::seconds(lock_timeout);
  if (statement_timeout > 0) s.statement_timeout = std::chrono::seconds(statement_timeout);
  s.ddl_lock_wait = std::chrono::milliseconds(static_cast<long long>(ddl_lock_timeout * 1000));
  s.lock_budget = std::chrono::milliseconds(static_cast<long long>(lock_budget * 1000));
  s.single_transaction = single_transaction;
  s.lock_mode = lock_mode == "table" ? LockMode::table : LockMode::advisory;
  s.break_lock = break_lock;
  s.resume = !no_resume;
  return s;
}

void emit(const GlobalOptions& g, const std::string& text, const Json& json) {
  if (g.json) {
    // Strings can carry bytes from anywhere (messages, paths, SQL from revision units): a
    // document must print even when they are not UTF-8, so replace instead of throwing.
    std::cout << json.dump(-1, ' ', /*ensure_ascii=*/false, Json::error_handler_t::replace) << "\n";
  } else if (!text.empty()) {
    std::cout << text;
    if (text.back() != '\n') std::cout << "\n";
  }
  std::cout.flush();
}

}  // namespace tsm::cli
