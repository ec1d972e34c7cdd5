#include "cli/format.h"

#include <algorithm>

#include <fmt/format.h>

namespace tsm::cli {

bool is_head(const RevisionGraph& g, const Revision& r) {
  auto heads = g.heads(r.tree);
  return std::find(heads.begin(), heads.end(), r.id) != heads.end();
}

std::string markers(const RevisionGraph& g, const Revision& r, bool current) {
  std::string out;
  if (!r.branch_labels.empty()) out += fmt::format(" ({})", fmt::join(r.branch_labels, ", "));
  if (is_head(g, r)) out += " (head)";
  if (g.children(r.id).size() > 1) out += " (branchpoint)";
  if (r.down_revisions.size() > 1) out += " (mergepoint)";
  if (current) out += " (current)";
  return out;
}

std::string history_line(const RevisionGraph& g, const Revision& r, bool current) {
  std::string parents;
  if (r.down_revisions.empty()) parents = "<base>";
  else if (r.down_revisions.size() == 1) parents = r.down_revisions[0];
  else parents = fmt::format("({})", fmt::join(r.down_revisions, ", "));
  return fmt::format("{} -> {}{}, {}", parents, r.id, markers(g, r, current), r.message);
}

Json revision_json(const RevisionGraph& g, const Revision& r) {
  Json j;
  j.set("revision", r.id);
  j.set("tree", r.tree);
  j.set("down_revisions", Json::array(r.down_revisions));
  j.set("branch_labels", Json::array(r.branch_labels));
  j.set("depends_on", Json::array(r.depends_on));
  j.set("message", r.message);
  j.set("is_head", is_head(g, r));
  j.set("is_branch_point", g.children(r.id).size() > 1);
  j.set("is_merge_point", r.down_revisions.size() > 1);
  j.set("origin", r.origin);
  return j;
}

std::string tree_prefix(const std::vector<std::string>& trees, const std::string& tree) {
  return trees.size() > 1 ? tree + ": " : "";
}

}  // namespace tsm::cli
