#include "core/graph/revision.h"

#include <cctype>

namespace tsm {
namespace {
std::vector<Operation> record(const MigrationFn& fn) {
  Ops ops;
  if (fn) fn(ops);
  return ops.operations();
}
}  // namespace

std::vector<Operation> Revision::upgrade_ops() const { return record(upgrade); }
std::vector<Operation> Revision::downgrade_ops() const { return record(downgrade); }

// Labels appear in targets such as "label@head" and "label@-1": keep them free of the grammar's
// punctuation and of a trailing "+N"/"-N" that would read as a relative walk.
bool is_valid_branch_label(const std::string& label) {
  if (label.empty() || label.size() > 64 || label == "head" || label == "heads" || label == "base") return false;
  auto word = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'; };
  if (!word(label[0])) return false;
  for (char c : label)
    if (!word(c) && c != '-' && c != '.') return false;
  size_t i = label.size();
  while (i > 0 && label[i - 1] >= '0' && label[i - 1] <= '9') --i;
  return !(i < label.size() && i > 0 && (label[i - 1] == '+' || label[i - 1] == '-'));
}

bool is_valid_revision_id(const std::string& id) {
  if (id.empty() || id.size() > 32) return false;
  for (unsigned char c : id)
    if (!std::isalnum(c) && c != '_') return false;
  return true;
}

bool is_lint_rule_id(const std::string& rule) {
  return rule.size() == 5 && rule[0] == 'T' && rule[1] == 'M' && std::isdigit(static_cast<unsigned char>(rule[2])) &&
         std::isdigit(static_cast<unsigned char>(rule[3])) && std::isdigit(static_cast<unsigned char>(rule[4]));
}

bool is_valid_tree_name(const std::string& name) {
  if (name.empty() || name.size() > 31 || !(name[0] >= 'a' && name[0] <= 'z')) return false;
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  return true;
}

std::string version_table_for(const std::string& tree) {
  return tree == "main" ? "turnstone_version" : "turnstone_" + tree + "_version";
}

}  // namespace tsm
