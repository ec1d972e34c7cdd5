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
  j["revision"] = r.id;
  j["tree"] = r.tree;
  j["down_revisions"] = Json(r.down_revisions);
  j["branch_labels"] = Json(r.branch_labels);
  j["depends_on"] = Json(r.depends_on);
  j["message"] = r.message;
  j["is_head"] = is_head(g, r);
  j["is_branch_point"] = g.children(r.id).size() > 1;
  j["is_merge_point"] = r.down_revisions.size() > 1;
  j["origin"] = r.origin;
  return j;
}

std::string tree_prefix(const std::vector<std::string>& trees, const std::string& tree) {
  return trees.size() > 1 ? tree + ": " : "";
}

}  // namespace tsm::cli
