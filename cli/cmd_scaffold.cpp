// revision, merge: write new revision units (no database needed).
#include <optional>

#include <fmt/format.h>

#include "cli/commands.h"
#include "core/base/errors.h"
#include "core/graph/scaffold.h"

namespace tsm::cli {
namespace {

struct ScaffoldOptions {
  std::string message, head, rev_id, sql_dir, versions_dir = "versions";
  std::vector<std::string> labels, depends_on, revs;
};

int finish(const GlobalOptions& g, const ScaffoldResult& res) {
  Json j;
  j["revision"] = res.id;
  j["path"] = res.path;
  emit(g, fmt::format("Generating {} ... done (revision {})\n", res.path, res.id), j);
  return 0;
}

ScaffoldRequest base_request(const GlobalOptions& g, const ScaffoldOptions& o) {
  ScaffoldRequest req;
  req.message = o.message;
  if (!g.tree.empty()) req.tree = g.tree;
  req.branch_labels = o.labels;
  if (!o.rev_id.empty()) req.rev_id = o.rev_id;
  if (!o.sql_dir.empty()) req.sql_dir = o.sql_dir;
  req.versions_dir = o.versions_dir;
  return req;
}

int run_revision(const GlobalOptions& g, const ScaffoldOptions& o) {
  Settings s = g.settings();
  s.tree.reset();  // a new tree may be named here
  Workspace ws(s);
  const auto& graph = ws.graph();
  ScaffoldRequest req = base_request(g, o);
  std::optional<std::string> head;
  if (!o.head.empty()) head = o.head;
  req.parents = resolve_new_parents(graph, req.tree, head);
  if (!req.parents.empty()) req.tree = graph.get(req.parents.front()).tree;
  for (const auto& d : o.depends_on)
    req.depends_on.push_back((graph.is_label(d) ? graph.by_label(d) : graph.resolve_id(d)).id);
  return finish(g, write_revision_unit(graph, req));
}

int run_merge(const GlobalOptions& g, const ScaffoldOptions& o) {
  Settings s = g.settings();
  Workspace ws(s);
  const auto& graph = ws.graph();
  ScaffoldRequest req = base_request(g, o);
  for (const auto& spec : o.revs) {
    if (spec == "heads") {
      for (const auto& tree : ws.selected_trees())
        for (const auto& h : graph.heads(tree)) req.parents.push_back(h);
    } else {
      req.parents.push_back((graph.is_label(spec) ? graph.by_label(spec) : graph.resolve_id(spec)).id);
    }
  }
  if (req.parents.size() < 2)
    throw UsageError(fmt::format("merge needs at least two revisions, got {}", req.parents.size()));
  req.tree = graph.get(req.parents.front()).tree;
  return finish(g, write_revision_unit(graph, req));
}

}  // namespace

void add_scaffold_commands(CLI::App& app, GlobalOptions& g, Action& run) {
  static ScaffoldOptions o;
  auto common = [&](CLI::App* sub) {
    sub->add_option("-m,--message", o.message, "message of the new revision")->required();
    sub->add_option("--branch-label", o.labels, "branch label of the new revision");
    sub->add_option("--rev-id", o.rev_id, "revision id to use instead of a random one");
    sub->add_option("--sql-unit", o.sql_dir, "write a SQL unit into DIR instead of a C++ unit");
    sub->add_option("--versions-dir", o.versions_dir, "where C++ units go (default: ./versions)");
    sub->fallthrough();
  };
  auto* r = app.add_subcommand("revision", "scaffold a new revision unit");
  common(r);
  r->add_option("--head", o.head, "parent of the new revision (default: the tree's single head)");
  r->add_option("--depends-on", o.depends_on, "revision the new one depends on");
  r->callback([&] { run = [&] { return run_revision(g, o); }; });

  auto* m = app.add_subcommand("merge", "scaffold a merge revision of several heads");
  common(m);
  m->add_option("revs", o.revs, "revisions to merge ('heads' for every head)")->required();
  m->callback([&] { run = [&] { return run_merge(g, o); }; });
}

}  // namespace tsm::cli
