#pragma once
// Small builders for graph/plan tests: revisions without up/down, and readable plan summaries.
#include <string>
#include <vector>

#include "core/graph/plan.h"

namespace tsm::testing {

inline Revision rev(std::string id, std::vector<std::string> down = {}, std::vector<std::string> labels = {},
                    std::vector<std::string> depends = {}, std::string tree = "main") {
  Revision r;
  r.id = std::move(id);
  r.down_revisions = std::move(down);
  r.branch_labels = std::move(labels);
  r.depends_on = std::move(depends);
  r.tree = std::move(tree);
  r.origin = "versions/" + r.tree + "/" + r.id + ".cpp";
  return r;
}

// "insert x", "remove x", "update a->b", joined by ", ".
inline std::string describe(const Step& step) {
  std::string out;
  for (const auto& c : step.changes) {
    if (!out.empty()) out += ", ";
    switch (c.kind) {
      case VersionChange::Kind::insert: out += "insert " + c.to; break;
      case VersionChange::Kind::remove: out += "remove " + c.from; break;
      case VersionChange::Kind::update: out += "update " + c.from + "->" + c.to; break;
    }
  }
  return out;
}

inline std::vector<std::string> ids(const Plan& plan) {
  std::vector<std::string> out;
  for (const auto& s : plan.steps) out.push_back(s.revision->id);
  return out;
}

// One line per step: "<id>: <changes> => <rows after>"
inline std::vector<std::string> trace(const Plan& plan) {
  std::vector<std::string> out;
  for (const auto& s : plan.steps) {
    std::string rows;
    for (const auto& r : s.heads_after) rows += (rows.empty() ? "" : ",") + r;
    out.push_back(s.revision->id + ": " + describe(s) + " => [" + rows + "]");
  }
  return out;
}

inline Plan plan_one(const RevisionGraph& g, Direction dir, const std::string& target,
                     std::vector<std::string> rows = {}, std::vector<std::string> trees = {"main"}) {
  PlanRequest req;
  req.direction = dir;
  req.target = target;
  req.selected_trees = std::move(trees);
  req.current["main"] = std::move(rows);
  auto plans = make_plan(g, req);
  if (plans.size() != 1) throw std::runtime_error("expected one plan, got " + std::to_string(plans.size()));
  return plans.front();
}

inline Plan up(const RevisionGraph& g, const std::string& target, std::vector<std::string> rows = {}) {
  return plan_one(g, Direction::up, target, std::move(rows));
}
inline Plan down(const RevisionGraph& g, const std::string& target, std::vector<std::string> rows = {}) {
  return plan_one(g, Direction::down, target, std::move(rows));
}

using Strings = std::vector<std::string>;

}  // namespace tsm::testing
