// current, heads, branches, history, show: read commands. They never write or create anything.
#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "cli/commands.h"
#include "cli/format.h"
#include "cli/tenants.h"
#include "core/base/errors.h"
#include "core/graph/target.h"
#include "core/run/executor.h"
#include "core/run/render_step.h"
#include "core/recovery/run_history.h"

namespace tsm::cli {
namespace {

int run_current(const GlobalOptions& g) {
  if (!g.tenants.empty()) return fan_out_current(g);
  Workspace ws(g.settings());
  TreeRows rows = ws.read_rows(/*missing_ok=*/false);
  auto placed = ws.place(rows);  // exit 5 unless unknown rows are only ahead of this build
  auto trees = ws.selected_trees();
  std::string text;
  Json j = Json::object();
  for (const auto& tree : trees) {
    Json t;
    t["version_table"] = ws.version_table(tree);
    t["database"] = ws.url_for(tree).redacted();
    Json revs = Json::array();
    for (const auto& rev : rows[tree]) {
      Json e;
      e["revision"] = rev;
      if (const Revision* r = ws.graph().find(rev)) {
        text += tree_prefix(trees, tree) + rev + markers(ws.graph(), *r) + "\n";
        e["is_head"] = is_head(ws.graph(), *r);
        e["known"] = true;
      } else {
        text += tree_prefix(trees, tree) + rev + " (unknown to this build)\n";
        e["is_head"] = false;
        e["known"] = false;
      }
      revs.push_back(e);
    }
    t["current"] = revs;
    if (placed.count(tree) && placed[tree].ahead()) {
      spdlog::warn("database is ahead of this build: {} (tree '{}'); they descend from {}",
                   fmt::join(placed[tree].unknown_ids(), ", "), tree, fmt::join(placed[tree].known_rows, ", "));
      t["ahead_of_build"] = Json(placed[tree].unknown_ids());
    }
    j[tree] = t;
  }
  Json doc;
  doc["trees"] = j;
  emit(g, text, doc);
  return 0;
}

// `history --runs`: the run-history rows of every selected tree, newest first.
int run_runs(const GlobalOptions& g) {
  Workspace ws(g.settings());
  std::map<std::string, std::vector<std::string>> trees_by_db;  // a database may hold several trees
  for (const auto& tree : ws.selected_trees()) trees_by_db[ws.url_for(tree).redacted()].push_back(tree);
  std::vector<RunRecord> records;
  for (const auto& [db, trees] : trees_by_db) {
    std::unique_ptr<Connection> conn;
    try {
      conn = ws.connect(trees.front(), /*for_write=*/ws.url_for(trees.front()).is_memory());
    } catch (const ConnectError&) {
      if (ws.url_for(trees.front()).dialect == DialectKind::sqlite && trees.front() != "main") continue;
      throw;
    }
    for (auto& r : RunHistory::read(*conn, trees)) records.push_back(std::move(r));
  }
  std::stable_sort(records.begin(), records.end(),
                   [](const RunRecord& a, const RunRecord& b) { return a.started_at > b.started_at; });
  std::string text;
  Json arr = Json::array();
  for (const auto& r : records) {
    text += fmt::format("{} {} {} {} {} started {} finished {} on {} pid {} (turnstone-migrate {})\n", r.id, r.tree,
                        r.direction, r.revision, r.outcome, r.started_at, r.finished_at.empty() ? "-" : r.finished_at,
                        r.host, r.pid, r.tool_version);
    Json e;
    e["id"] = r.id;
    e["tree"] = r.tree;
    e["revision"] = r.revision;
    e["direction"] = r.direction;
    e["started_at"] = r.started_at;
    e["finished_at"] = r.finished_at.empty() ? Json() : Json(r.finished_at);
    e["outcome"] = r.outcome;
    e["tool_version"] = r.tool_version;
    e["host"] = r.host;
    e["pid"] = r.pid;
    arr.push_back(e);
  }
  Json j;
  j["runs"] = arr;
  emit(g, text, j);
  return 0;
}

int run_heads(const GlobalOptions& g) {
  Workspace ws(g.settings());
  auto trees = ws.selected_trees();
  std::string text;
  Json doc = Json::object();
  for (const auto& tree : trees) {
    Json arr = Json::array();
    for (const auto& id : ws.graph().heads(tree)) {
      const Revision& r = ws.graph().get(id);
      text += tree_prefix(trees, tree) + id + markers(ws.graph(), r) + "\n";
      arr.push_back(revision_json(ws.graph(), r));
    }
    doc[tree] = arr;
  }
  Json j;
  j["heads"] = doc;
  emit(g, text, j);
  return 0;
}

int run_branches(const GlobalOptions& g) {
  Workspace ws(g.settings());
  const auto& graph = ws.graph();
  auto trees = ws.selected_trees();
  std::string text;
  Json doc = Json::object();
  for (const auto& tree : trees) {
    Json arr = Json::array();
    for (const auto& id : graph.branch_points(tree)) {
      const Revision& r = graph.get(id);
      text += tree_prefix(trees, tree) + id + markers(graph, r) + "\n";
      Json e = revision_json(graph, r);
      e["children"] = Json(graph.children(id));
      for (const auto& child : graph.children(id)) {
        const Revision& c = graph.get(child);
        text += fmt::format("    -> {}{}, {}\n", child, markers(graph, c), c.message);
      }
      arr.push_back(e);
    }
    doc[tree] = arr;
  }
  Json j;
  j["branches"] = doc;
  emit(g, text, j);
  return 0;
}

// Resolves one end of a history range to the set of revisions it bounds.
std::set<std::string> range_end(const Workspace& ws, const std::string& tree, const std::string& spec,
                                const TreeRows& current, bool upper) {
  const auto& graph = ws.graph();
  std::set<std::string> out;
  auto add_ancestors = [&](const std::string& id) {
    for (const auto& a : graph.ancestors(id)) out.insert(a);
  };
  auto add_descendants = [&](const std::string& id) {
    for (const auto& d : graph.descendants(id)) out.insert(d);
  };
  std::vector<std::string> ids;
  if (spec.empty() || (upper && (spec == "head" || spec == "heads")) || (!upper && spec == "base")) {
    for (const Revision* r : graph.topological(tree)) out.insert(r->id);
    return out;
  }
  if (spec == "current") {
    auto it = current.find(tree);
    if (it != current.end()) ids = it->second;
    if (ids.empty() && !upper) {
      for (const Revision* r : graph.topological(tree)) out.insert(r->id);
      return out;
    }
  } else if (spec == "base" || spec == "head" || spec == "heads") {
    throw UsageError(fmt::format("'{}' cannot be the {} end of a history range", spec, upper ? "upper" : "lower"));
  } else {
    std::string name = spec;
    if (name.size() > 5 && name.compare(name.size() - 5, 5, "@head") == 0) {
      for (const auto& h : graph.heads(tree))
        if (graph.ancestors(h).count(graph.by_label(name.substr(0, name.size() - 5)).id)) ids.push_back(h);
    } else {
      const Revision& r = graph.is_label(name) ? graph.by_label(name) : graph.resolve_id(name);
      if (r.tree != tree) return out;
      ids.push_back(r.id);
    }
  }
  for (const auto& id : ids) upper ? add_ancestors(id) : add_descendants(id);
  return out;
}

int run_history(const GlobalOptions& g, const std::string& range, bool indicate_current) {
  Workspace ws(g.settings());
  const auto& graph = ws.graph();
  TreeRows current;
  if (indicate_current || range.find("current") != std::string::npos) {
    current = ws.read_rows(/*missing_ok=*/false);
    ws.check_known(current);
  }
  std::string lower, upper;
  if (!range.empty()) {
    auto colon = range.find(':');
    if (colon == std::string::npos || range.find(':', colon + 1) != std::string::npos)
      throw UsageError(fmt::format("history range must be '[start]:[end]', got '{}'", range));
    lower = range.substr(0, colon);
    upper = range.substr(colon + 1);
  }
  auto trees = ws.selected_trees();
  std::string text;
  Json doc = Json::array();
  for (const auto& tree : trees) {
    auto below = range_end(ws, tree, upper, current, /*upper=*/true);
    auto above = range_end(ws, tree, lower, current, /*upper=*/false);
    std::set<std::string> current_set(current[tree].begin(), current[tree].end());
    auto order = graph.topological(tree);
    for (auto it = order.rbegin(); it != order.rend(); ++it) {  // newest first
      const Revision& r = **it;
      if (!below.count(r.id) || !above.count(r.id)) continue;
      bool is_current = indicate_current && current_set.count(r.id);
      text += tree_prefix(trees, tree) + history_line(graph, r, is_current) + "\n";
      Json e = revision_json(graph, r);
      if (indicate_current) e["is_current"] = is_current;
      doc.push_back(e);
    }
  }
  Json j;
  j["history"] = doc;
  emit(g, text, j);
  return 0;
}

// The one revision a target names: an id, prefix or label as before, or any target of the
// grammar that stands for exactly one revision (`head`, `context@head`, `label@head`). Unpinned
// targets such as `head` mean the main tree unless --tree says otherwise.
const Revision& revision_to_show(const Workspace& ws, const std::string& text) {
  const auto& graph = ws.graph();
  TargetSpec spec = parse_target(text);
  if (spec.kind == TargetSpec::Kind::revision && spec.branch.empty())
    return graph.is_label(text) ? graph.by_label(text) : graph.resolve_id(text);
  std::vector<std::string> trees = trees_for_target(graph, spec, ws.selected_trees());
  if (trees.size() > 1 && pinned_tree(graph, spec).empty() && std::count(trees.begin(), trees.end(), "main"))
    trees = {"main"};
  std::vector<const Revision*> named;
  for (const auto& tree : trees)
    for (const Revision* r : resolve_absolute_target(graph, spec, tree).revisions) named.push_back(r);
  if (named.size() == 1) return *named[0];
  if (named.empty()) throw UsageError(fmt::format("'{}' names no revision (the base): show takes one revision", text));
  std::vector<std::string> ids;
  for (const Revision* r : named) ids.push_back(r->id);
  throw UsageError(fmt::format("'{}' names {} revisions ({}): show takes one; name it by id", text, ids.size(),
                               fmt::join(ids, ", ")));
}

int run_show(const GlobalOptions& g, const std::string& rev_spec) {
  Workspace ws(g.settings());
  const auto& graph = ws.graph();
  const Revision& r = revision_to_show(ws, rev_spec);
  DialectKind kind = g.dialect.empty() ? ws.url_for(r.tree).dialect : *parse_dialect(g.dialect);
  const Dialect& d = dialect_for(kind);

  // Render against the schema just before the revision (its parents applied).
  auto render = [&](Direction dir) {
    Step step;
    step.revision = &r;
    step.direction = dir;
    std::vector<std::string> rows = dir == Direction::up ? r.down_revisions : std::vector<std::string>{r.id};
    Schema schema = ws.schema_at(r.tree, rows);
    std::vector<std::string> out;
    for (const auto& st : render_step(d, step, schema)) out.push_back(st.sql);
    return out;
  };
  auto up = render(Direction::up);
  auto down = render(Direction::down);

  std::string text = fmt::format("Rev: {}{}\n", r.id, markers(graph, r));
  text += fmt::format("Parent: {}\n", r.down_revisions.empty() ? "<base>" : fmt::format("{}", fmt::join(r.down_revisions, ", ")));
  if (!r.depends_on.empty()) text += fmt::format("Also depends on: {}\n", fmt::join(r.depends_on, ", "));
  if (!r.branch_labels.empty()) text += fmt::format("Branch names: {}\n", fmt::join(r.branch_labels, ", "));
  auto children = graph.children(r.id);
  if (!children.empty()) text += fmt::format("Branches into: {}\n", fmt::join(children, ", "));
  text += fmt::format("Tree: {}\nPath: {}\n\n    {}\n\n", r.tree, r.origin, r.message);
  text += fmt::format("Upgrade SQL ({}):\n", dialect_name(kind));
  for (const auto& s : up) text += "    " + s + ";\n";
  text += fmt::format("Downgrade SQL ({}):\n", dialect_name(kind));
  for (const auto& s : down) text += "    " + s + ";\n";

  Json j = revision_json(graph, r);
  j["children"] = Json(children);
  j["dialect"] = dialect_name(kind);
  j["upgrade_sql"] = Json(up);
  j["downgrade_sql"] = Json(down);
  emit(g, text, j);
  return 0;
}

}  // namespace

void add_inspect_commands(CLI::App& app, GlobalOptions& g, Action& run) {
  app.add_subcommand("current", "print the current revision(s) of each tree")->fallthrough()->callback([&] {
    run = [&] { return run_current(g); };
  });
  app.add_subcommand("heads", "print the heads of the revision graph")->fallthrough()->callback([&] {
    run = [&] { return run_heads(g); };
  });
  app.add_subcommand("branches", "print the branch points of the revision graph")->fallthrough()->callback([&] {
    run = [&] { return run_branches(g); };
  });

  static std::string range;
  static bool indicate_current = false, runs = false;
  auto* h = app.add_subcommand("history", "print revisions, newest first");
  h->add_option("-r,--rev-range", range, "range [start]:[end] (revisions, labels, base, head, current)");
  h->add_flag("-i,--indicate-current", indicate_current, "mark the database's current revision(s)");
  h->add_flag("--runs", runs, "print the run history (each step run against the database) instead");
  h->fallthrough();
  h->callback([&] { run = [&] { return runs ? run_runs(g) : run_history(g, range, indicate_current); }; });

  static std::string rev;
  auto* s = app.add_subcommand("show", "print one revision and the SQL it runs on the URL's dialect");
  s->add_option("rev", rev, "revision id, unique prefix or branch label")->required();
  s->fallthrough();
  s->callback([&] { run = [&] { return run_show(g, rev); }; });
}

}  // namespace tsm::cli
