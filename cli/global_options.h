#pragma once
// What every command receives: the parsed global options and the output channel.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/run/workspace.h"

namespace tsm::cli {

// A --json document. ordered_json keeps keys in insertion order, so documents read in the order
// they are built.
using Json = nlohmann::ordered_json;

struct GlobalOptions {
  std::string url;          // --url
  std::string context_url;  // --context-url
  bool url_given = false;          // --url was on the command line (even as "")
  bool context_url_given = false;  // --context-url likewise
  std::string tree;         // --tree
  std::vector<std::string> revision_dirs;
  bool json = false;
  bool verbose = false;
  bool quiet = false;
  int lock_timeout = 300;
  bool single_transaction = false;
  int statement_timeout = 0;  // 0 = none
  double ddl_lock_timeout = 0.1;  // per-attempt wait for a table lock (docs/online.md)
  double lock_budget = 60;        // total wait for table locks per statement, retries included
  std::string dialect;        // --dialect (with --sql)
  std::string lock_mode = "advisory";  // --lock-mode advisory|table
  bool break_lock = false;             // --break-lock
  bool no_resume = false;              // --no-resume
  // Fan-out over tenants (cli/tenants.cpp, core/run/tenants.h): empty `tenants` = one database.
  std::string tenants;       // --tenants all|GLOB|@FILE
  int jobs = 4;              // --jobs N
  bool jobs_given = false;   // --jobs was on the command line
  bool fail_fast = false;    // --fail-fast
  int canary = 0;            // --canary N
  bool retry_failed = false; // --retry-failed

  Settings settings() const;  // resolves env defaults
};

// Prints a result: text to stdout, or the JSON document when --json (compact, one line; invalid
// UTF-8 in any string becomes U+FFFD rather than an exception).
void emit(const GlobalOptions& g, const std::string& text, const Json& json);

}  // namespace tsm::cli
