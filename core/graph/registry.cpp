#include "core/graph/registry.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>

namespace tsm {
namespace {
std::vector<Revision>& registry() {
  static std::vector<Revision> revisions;  // function-local: safe during static init
  return revisions;
}
}  // namespace

RevisionBuilder::RevisionBuilder(std::string id, std::string message, const char* file) {
  rev_.id = std::move(id);
  rev_.message = std::move(message);
  // Keep the path from versions/ on, so errors read the same on every build machine.
  std::string path = file;
  auto at = path.find("versions/");
  rev_.origin = at == std::string::npos ? path : path.substr(at);
}

RevisionBuilder& RevisionBuilder::after(std::string parent) {
  rev_.down_revisions.push_back(std::move(parent));
  return *this;
}
RevisionBuilder& RevisionBuilder::after(std::initializer_list<std::string> parents) {
  for (auto& p : parents) rev_.down_revisions.push_back(p);
  return *this;
}
RevisionBuilder& RevisionBuilder::tree(std::string name) {
  rev_.tree = std::move(name);
  return *this;
}
RevisionBuilder& RevisionBuilder::branch_label(std::string label) {
  rev_.branch_labels.push_back(std::move(label));
  return *this;
}
RevisionBuilder& RevisionBuilder::depends_on(std::string rev) {
  rev_.depends_on.push_back(std::move(rev));
  return *this;
}
RevisionBuilder& RevisionBuilder::up(MigrationFn fn) {
  rev_.upgrade = std::move(fn);
  return *this;
}
RevisionBuilder& RevisionBuilder::down(MigrationFn fn) {
  rev_.downgrade = std::move(fn);
  return *this;
}

RevisionBuilder& RevisionBuilder::lint_waiver(std::string rule, std::string reason) {
  // A compiled unit is fixed at build time: a malformed waiver is a programming error, caught by
  // the first test run (static init), not a user input.
  if (!is_lint_rule_id(rule) || reason.find_first_not_of(" \t") == std::string::npos) {
    std::fprintf(stderr, "%s: revision %s: lint_waiver needs a rule id TMnnn and a reason\n", rev_.origin.c_str(),
                 rev_.id.c_str());
    std::abort();
  }
  rev_.lint_waivers.push_back({std::move(rule), std::move(reason)});
  return *this;
}

Registration::Registration(const RevisionBuilder& builder) { register_revision(builder.revision()); }

const std::vector<Revision>& compiled_revisions() { return registry(); }
void register_revision(Revision rev) { registry().push_back(std::move(rev)); }

}  // namespace tsm
