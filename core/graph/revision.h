#pragma once
// One node of a revision graph, whatever its source (compiled unit or SQL file).
#include <functional>
#include <string>
#include <vector>

#include "core/model/ops.h"

namespace tsm {

using MigrationFn = std::function<void(Ops&)>;

// A justified exception to one `lint` rule for this revision: the finding is printed as info with
// the reason, never as an error. C++ units: `.lint_waiver("TM201", "why")`; SQL units: a header
// line `-- lint: waive TM201 why`.
struct LintWaiver {
  std::string rule;    // "TM" + three digits
  std::string reason;  // never empty
};
// Whether `rule` has the form of a lint rule id (TM + three digits).
bool is_lint_rule_id(const std::string& rule);

struct Revision {
  std::string id;                           // [A-Za-z0-9_]{1,32}: fits version_num VARCHAR(32)
  std::vector<std::string> down_revisions;  // 0 = a base, 2+ = a merge
  std::vector<std::string> branch_labels;
  std::vector<std::string> depends_on;
  std::string message;
  std::string tree = "main";
  MigrationFn upgrade;
  MigrationFn downgrade;
  std::string origin;  // where it came from, for errors: "versions/main/0001_baseline.cpp", "dir/x.sql:3"
  std::vector<LintWaiver> lint_waivers;
  // false (SQL unit header `-- transaction: none`): each statement commits on its own, with a
  // progress record, and the version row is written after the last one (docs/sql-units.md).
  bool transactional = true;
  // Session setup (`-- +session [dialect]`): run on the migration connection before the
  // revision's statements, outside its transaction, again before a resume; the previous session
  // state is restored afterwards. Only statements that set session state (see Dialect).
  std::vector<Execute> session;

  // Records what upgrade/downgrade ask for (empty when the function is unset).
  std::vector<Operation> upgrade_ops() const;
  std::vector<Operation> downgrade_ops() const;
};

// A revision id is safe to embed in SQL literals and file names.
bool is_valid_revision_id(const std::string& id);
// Branch labels appear in targets ("label@head", "label@-1"): letters, digits, '_', '-', '.',
// starting with a letter, digit or '_', not head/heads/base, no trailing "+N"/"-N".
bool is_valid_branch_label(const std::string& label);
// Tree names become part of table names: [a-z][a-z0-9_]{0,30}.
bool is_valid_tree_name(const std::string& name);
// Version table of a tree: main → turnstone_version, context → turnstone_context_version,
// other → turnstone_<tree>_version.
std::string version_table_for(const std::string& tree);

}  // namespace tsm
