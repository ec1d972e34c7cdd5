// upgrade, downgrade, stamp: the write commands.
#include <iostream>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/format.h"
#include "cli/tenants.h"
#include "core/base/errors.h"
#include "core/run/executor.h"
#include "core/run/offline_sql.h"
#include "core/run/schema_snapshots.h"
#include "core/run/embedded_trees.h"

namespace tsm::cli {
namespace {

DialectKind offline_dialect(const GlobalOptions& g, const Workspace& ws) {
  if (!g.dialect.empty()) return *parse_dialect(g.dialect);
  return ws.url_for(ws.selected_trees().front()).dialect;
}

std::string heads_text(const Workspace& ws, const TreeRows& heads) {
  std::vector<std::string> trees;
  for (const auto& [tree, rows] : heads) trees.push_back(tree);
  std::string out;
  for (const auto& [tree, rows] : heads) {
    if (rows.empty()) out += tree_prefix(trees, tree) + "<base>\n";
    for (const auto& rev : rows) {
      const Revision& r = ws.graph().get(rev);
      out += tree_prefix(trees, tree) + rev + markers(ws.graph(), r) + "\n";
    }
  }
  return out;
}

Json heads_json(const TreeRows& heads) {
  Json j = Json::object();
  for (const auto& [tree, rows] : heads) j[tree] = Json(rows);
  return j;
}

int run_migrate(const GlobalOptions& g, Direction direction, const std::string& target, bool sql) {
  if (!sql && !g.dialect.empty())
    throw UsageError("--dialect renders offline and needs --sql; a live upgrade or downgrade uses the URL's dialect");
  if (!g.tenants.empty()) {
    if (sql) throw UsageError("--sql prints one script: it does not combine with --tenants");
    return fan_out_migrate(g, direction, target);
  }
  Workspace ws(g.settings());
  if (sql) {
    std::cout << render_offline_sql(ws, offline_dialect(g, ws), direction, target);
    return 0;
  }
  if (target.find(':') != std::string::npos)
    throw UsageError(fmt::format("a '<from>:<to>' range needs --sql (got '{}')", target));
  // A tree still embedded in the main database (Turnstone v0.2's context KB) moves first.
  if (direction == Direction::up) relocate_embedded_trees(ws);
  MigrateResult result = migrate(ws, direction, target);
  Json j;
  j["command"] = direction_word(direction);
  j["target"] = target;
  j["already_at_target"] = result.already_at_target();
  Json steps = Json::array();
  for (const auto& s : result.steps) {
    Json step;
    step["tree"] = s.tree;
    step["revision"] = s.revision;
    step["direction"] = direction_word(s.direction);
    step["seconds"] = s.seconds;
    step["outcome"] = outcome_word(s.outcome);
    steps.push_back(step);
  }
  j["steps"] = steps;
  j["heads"] = heads_json(result.heads_after);
  if (!result.ahead.empty()) j["ahead_of_build"] = Json(result.ahead);
  std::string text = result.already_at_target()
                         ? "already at target\n"
                         : fmt::format("{} {} revision(s); now at:\n", direction == Direction::up ? "applied" : "reverted",
                                       result.steps.size());
  if (!result.already_at_target()) text += heads_text(ws, result.heads_after);
  emit(g, text, j);
  return 0;
}

}  // namespace

void add_migrate_commands(CLI::App& app, GlobalOptions& g, Action& run) {
  static std::string target;
  static bool sql = false;
  auto* up = app.add_subcommand("upgrade", "apply revisions up to a target (head, heads, <rev>, label@head, +N, …)");
  up->add_option("target", target, "target revision")->required();
  up->add_flag("--sql", sql, "print the SQL instead of running it (from:to ranges allowed)");
  up->fallthrough();
  up->callback([&] { run = [&] { return run_migrate(g, Direction::up, target, sql); }; });

  auto* down = app.add_subcommand("downgrade", "revert revisions down to a target (base, <rev>, -N, …)");
  down->add_option("target", target, "target revision")->required();
  down->add_flag("--sql", sql, "print the SQL instead of running it (needs a from:to range)");
  down->fallthrough();
  down->callback([&] { run = [&] { return run_migrate(g, Direction::down, target, sql); }; });

  static std::vector<std::string> stamp_targets;
  static bool purge = false, detect = false, adopt_schema = false;
  auto* st = app.add_subcommand("stamp", "set the version table to targets without running migrations");
  st->add_option("targets", stamp_targets, "target revision(s)");
  st->add_flag("--purge", purge, "empty the version table first (also clears unknown revisions)");
  st->add_flag("--detect", detect, "find the revision whose schema matches the live database and stamp it");
  st->add_flag("--adopt-schema", adopt_schema,
               "then record the live schema as what the (stamped or, without targets, current) revisions produce, "
               "for `check` on trees whose raw SQL changes the schema");
  st->fallthrough();
  st->callback([&] {
    run = [&] {
      if (!g.tenants.empty()) {
        if (detect || adopt_schema) throw UsageError("stamp --detect and --adopt-schema do not combine with --tenants");
        if (stamp_targets.empty()) throw UsageError("stamp needs at least one target");
        return fan_out_stamp(g, stamp_targets, purge);
      }
      Workspace ws(g.settings());
      if (detect) {
        if (!stamp_targets.empty() || adopt_schema)
          throw UsageError("stamp --detect takes no targets and no --adopt-schema");
        return run_detect(g, ws);
      }
      if (stamp_targets.empty() && !adopt_schema)
        throw UsageError("stamp needs at least one target (or --detect, or --adopt-schema)");
      if (stamp_targets.empty() && purge) throw UsageError("stamp --purge needs a target");
      TreeRows rows = stamp_targets.empty() ? TreeRows{} : stamp(ws, stamp_targets, purge);
      Json j;
      j["command"] = "stamp";
      std::string text = stamp_targets.empty() ? "" : "stamped:\n" + heads_text(ws, rows);
      if (adopt_schema) {
        std::vector<std::string> trees;
        for (const auto& tree : ws.selected_trees())
          if (stamp_targets.empty() || rows.count(tree)) trees.push_back(tree);
        auto adopted = adopt_live_schema(ws, trees);
        j["adopted_schema"] = adopted;
        text += adopted.empty()
                    ? "no tree runs raw SQL that changes the schema: nothing to adopt\n"
                    : fmt::format("schema snapshot taken from the live schema: {}\n", fmt::join(adopted, ", "));
      }
      if (!stamp_targets.empty()) j["heads"] = heads_json(rows);
      emit(g, text, j);
      return 0;
    };
  });
}

}  // namespace tsm::cli
