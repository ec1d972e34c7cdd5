// lint_workspace: which revisions `lint` checks (the database's pending ones, a range, or all of
// them offline) and where table sizes come from.
#include <fmt/format.h>

#include "core/base/errors.h"
#include "core/lint/lint.h"

namespace tsm::lint {

Report lint_workspace(const Workspace& ws, const Request& req) {
  Report rep;
  const DatabaseUrl& main = ws.url_for("main");
  rep.dialect = req.dialect.value_or(main.dialect);
  // Sizes of another dialect's database say nothing about this one.
  bool offline = req.offline || (req.dialect && *req.dialect != main.dialect);
  const auto trees = ws.selected_trees();
  const bool ranged = req.range.find(':') != std::string::npos;

  TreeRows current;
  std::string target = req.range.empty() ? "heads" : req.range;
  if (ranged) {
    auto [from, to] = split_range(req.range);
    current = rows_for_range_start(ws.graph(), from, trees);
    target = to;
  }
  std::string why_offline = req.offline ? "--offline" : "--dialect differs from the URL's";
  if (!offline) {
    try {
      TreeRows rows = ws.read_rows(/*missing_ok=*/true);
      ws.check_known(rows);
      if (!ranged) current = rows;
      rep.connected = true;
    } catch (const ConnectError& e) {
      if (!req.dialect) throw;
      offline = true;
      why_offline = fmt::format("database unreachable ({})", e.what());
    }
  }
  rep.source = rep.connected ? fmt::format("database {}", main.redacted())
                             : fmt::format("offline ({}): every revision {}, table sizes unknown", why_offline,
                                           ranged ? "of the range" : "from base");

  SizeLookup sizes;
  if (rep.connected)
    sizes = [&](const std::string& tree, const std::vector<std::string>& tables) {
      Sizes s;
      try {
        auto conn = ws.connect(tree, /*for_write=*/false);
        s.tables = conn->table_sizes(tables);
        s.known = true;
      } catch (const ConnectError&) {
        // A SQLite file that does not exist yet: every table is created by this upgrade (empty).
        s.known = ws.url_for(tree).dialect == DialectKind::sqlite && current[tree].empty();
      }
      return s;
    };

  PlanRequest plan_req;
  plan_req.direction = Direction::up;
  plan_req.target = target;
  plan_req.selected_trees = trees;
  plan_req.current = current;
  for (const Plan& plan : make_plan(ws.graph(), plan_req)) {
    for (const Step& step : plan.steps) rep.revisions.push_back(step.revision->id);
    auto found = lint_steps(plan.steps, rep.dialect, ws.schema_at(plan.tree, plan.heads_before), plan.tree, sizes);
    rep.findings.insert(rep.findings.end(), found.begin(), found.end());
  }
  return rep;
}

}  // namespace tsm::lint
