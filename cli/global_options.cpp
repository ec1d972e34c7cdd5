#include "cli/global_options.h"

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <iostream>

#include <fmt/format.h>

#include "core/base/errors.h"

namespace tsm::cli {
namespace {

// The option if given, else the variable if set, else the fallback. An empty value from either
// source is a usage error: it is what `--url "$DATABASE_URL"` with the variable unset gives, and
// falling back to the default database would report success while production is untouched.
std::string url_from(bool given, const std::string& option, const char* option_name, const char* variable,
                     const std::string& fallback) {
  if (given) {
    if (option.empty())
      throw UsageError(fmt::format("{} is empty (an unset variable in a deploy script?): give a database URL, or "
                                   "leave {} out to use ${}",
                                   option_name, option_name, variable));
    return option;
  }
  const std::string file_variable = std::string(variable) + "_FILE";
  const char* file = std::getenv(file_variable.c_str());
  if (const char* v = std::getenv(variable)) {
    if (file) throw UsageError(fmt::format("both ${} and ${} are set: keep one", variable, file_variable));
    if (!*v)
      throw UsageError(fmt::format("${} is set but empty: give a database URL, or unset it to use the default", variable));
    return v;
  }
  // The container-secrets convention: the URL (with its password) in a file only its owner reads,
  // never on the command line where every local user sees it in /proc/<pid>/cmdline.
  if (file) {
    std::ifstream in(file, std::ios::binary);
    if (!*file || !in) throw UsageError(fmt::format("${}: cannot read the file '{}'", file_variable, file));
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
    if (text.empty()) throw UsageError(fmt::format("${}: the file '{}' is empty", file_variable, file));
    return text;
  }
  return fallback;
}

}  // namespace

Settings GlobalOptions::settings() const {
  Settings s;
  s.main_url = url_from(url_given, url, "--url", "TURNSTONE_DATABASE_URL", "sqlite:///turnstone.db");
  std::string ctx = url_from(context_url_given, context_url, "--context-url", "TURNSTONE_CONTEXT_DATABASE_URL", "");
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
