#pragma once
// `lint`: what the pending revisions would do to a busy database, before anything runs.
// Findings come from the operations (an exhaustive visitor, before any SQL is rendered) and from
// a scan of raw SQL; table sizes, when a database is at hand, turn them into estimates.
// Rules, severities and the estimate's rule of thumb: docs/lint.md.
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/dialect.h"
#include "core/graph/plan.h"
#include "core/lint/rules.h"
#include "core/run/workspace.h"

namespace tsm::lint {

struct Finding {
  Severity severity = Severity::warning;
  std::string rule;      // TM101 …
  std::string title;     // the rule's short name
  std::string revision;  // id
  std::string origin;    // where the revision comes from
  std::string tree;
  std::string table;     // may be empty
  std::string what;      // what the operation or statement does
  std::vector<Effect> effects;
  std::string alternative;
  std::optional<TableSize> size;           // when known (a database was read)
  std::optional<double> estimate_seconds;  // rows / rows_per_second(work), when both are known
  std::string waiver;                      // the waiver's reason when waived (then severity info)
};

// Sizes of the tables a plan touches. `known`: read from the database the plan runs on, so a
// table absent from `tables` does not exist yet (an earlier pending revision creates it: empty).
struct Sizes {
  bool known = false;
  std::map<std::string, TableSize> tables;
};
// Called once per plan with the tables its findings name.
using SizeLookup = std::function<Sizes(const std::string& tree, const std::vector<std::string>& tables)>;

// Findings of `steps` (upgrades, in order) on `dialect`, starting from `schema`.
std::vector<Finding> lint_steps(const std::vector<Step>& steps, DialectKind dialect, Schema schema,
                                const std::string& tree, const SizeLookup& sizes);

// One line: "error TM201 d000f3f4c39a log_entries: … — blocks writes; … (est. …) → safe: …".
std::string format_finding(const Finding& f);
// "1,234,567 rows, est. 4.1 s" style note of the size and estimate; empty when neither is known.
std::string size_note(const Finding& f);
bool has_error(const std::vector<Finding>& findings);

// The whole command: which revisions, which sizes.
struct Request {
  std::optional<DialectKind> dialect;  // --dialect
  std::string range;                   // empty: pending revisions up to heads; "from:to"; or a target
  bool offline = false;                // --offline: never connect
};
struct Report {
  DialectKind dialect = DialectKind::sqlite;
  bool connected = false;        // sizes and pending revisions came from the database
  std::string source;            // "database <redacted url>" or "offline: …"
  std::vector<std::string> revisions;  // linted, in order (tree-major)
  std::vector<Finding> findings;
};
// ConnectError (exit 3) when the database is needed (no --dialect, no --offline) and unreachable.
Report lint_workspace(const Workspace& ws, const Request& request);

}  // namespace tsm::lint
