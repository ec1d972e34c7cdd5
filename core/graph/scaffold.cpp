#include "core/graph/scaffold.h"

#include <filesystem>
#include <fstream>
#include <random>

#include <fmt/format.h>

#include "core/base/errors.h"

namespace tsm {
namespace fs = std::filesystem;
namespace {

std::string random_id() {
  std::random_device rd;
  std::mt19937_64 gen((static_cast<std::uint64_t>(rd()) << 32) ^ rd());
  return fmt::format("{:012x}", gen() & 0xffffffffffffULL);
}

std::string slug(const std::string& message) {
  std::string out;
  for (char c : message) {
    if (std::isalnum(static_cast<unsigned char>(c))) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    else if (!out.empty() && out.back() != '_') out += '_';
    if (out.size() >= 40) break;
  }
  while (!out.empty() && out.back() == '_') out.pop_back();
  return out.empty() ? "revision" : out;
}

std::string cpp_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') { out += "\\n"; continue; }
    out += c;
  }
  return out + "\"";
}

std::string one_line(const std::string& s) {
  std::string out;
  for (char c : s) out += (c == '\n' || c == '\r') ? ' ' : c;
  return out;
}

std::string cpp_unit(const ScaffoldRequest& req, const std::string& id) {
  std::string chain;
  if (req.tree != "main") chain += fmt::format("\n    .tree({})", cpp_string(req.tree));
  for (const auto& p : req.parents) chain += fmt::format("\n    .after({})", cpp_string(p));
  for (const auto& l : req.branch_labels) chain += fmt::format("\n    .branch_label({})", cpp_string(l));
  for (const auto& d : req.depends_on) chain += fmt::format("\n    .depends_on({})", cpp_string(d));
  return fmt::format(R"(// {message}
#include "core/graph/registry.h"

TSM_REVISION({id}, {msg}){chain}
    .up([](tsm::Ops& /*op*/) {{
      // e.g. op.add_column("log_entries", tsm::col::text("note"));
    }})
    .down([](tsm::Ops& /*op*/) {{
      // e.g. op.drop_column("log_entries", "note");
    }});
)",
                     fmt::arg("message", one_line(req.message)), fmt::arg("id", cpp_string(id)),
                     fmt::arg("msg", cpp_string(one_line(req.message))), fmt::arg("chain", chain));
}

std::string sql_unit(const ScaffoldRequest& req, const std::string& id) {
  auto list = [](const std::vector<std::string>& v) { return fmt::format("{}", fmt::join(v, ", ")); };
  std::string out = fmt::format("-- revision: {}\n-- down_revision: {}\n", id,
                                req.parents.empty() ? "none" : list(req.parents));
  if (!req.branch_labels.empty()) out += "-- branch_labels: " + list(req.branch_labels) + "\n";
  if (!req.depends_on.empty()) out += "-- depends_on: " + list(req.depends_on) + "\n";
  out += "-- message: " + one_line(req.message) + "\n";
  out += "-- tree: " + req.tree + "\n\n-- +upgrade\n\n-- +downgrade\n";
  return out;
}

void write_new_file(const fs::path& path, const std::string& content) {
  if (fs::exists(path)) throw UsageError(fmt::format("{} already exists", path.string()));
  std::ofstream out(path);
  out << content;
  if (!out) throw UsageError(fmt::format("cannot write {}", path.string()));
}

}  // namespace

std::vector<std::string> resolve_new_parents(const RevisionGraph& graph, const std::string& tree,
                                             const std::optional<std::string>& head) {
  if (head && *head == "base") return {};
  if (!head || *head == "head") {
    auto heads = graph.has_tree(tree) ? graph.heads(tree) : std::vector<std::string>{};
    if (heads.size() > 1)
      throw UsageError(fmt::format("tree '{}' has several heads ({}); pass --head <rev> or merge them first", tree,
                                   fmt::join(heads, ", ")));
    return heads;
  }
  std::string spec = *head;
  if (spec.size() > 5 && spec.compare(spec.size() - 5, 5, "@head") == 0) {
    const Revision& labelled = graph.by_label(spec.substr(0, spec.size() - 5));
    std::vector<std::string> heads;
    for (const auto& h : graph.heads(labelled.tree))
      if (graph.ancestors(h).count(labelled.id)) heads.push_back(h);
    if (heads.size() != 1)
      throw UsageError(fmt::format("branch '{}' has {} heads; pass --head <rev>", spec, heads.size()));
    return heads;
  }
  const Revision& r = graph.is_label(spec) ? graph.by_label(spec) : graph.resolve_id(spec);
  return {r.id};
}

ScaffoldResult write_revision_unit(const RevisionGraph& graph, const ScaffoldRequest& req) {
  if (req.message.empty()) throw UsageError("a revision needs a message (-m)");
  if (!is_valid_tree_name(req.tree)) throw UsageError(fmt::format("invalid tree name '{}'", req.tree));
  std::string id = req.rev_id ? *req.rev_id : random_id();
  if (!is_valid_revision_id(id))
    throw UsageError(fmt::format("invalid revision id '{}': use 1 to 32 letters, digits or '_'", id));
  if (graph.find(id)) throw UsageError(fmt::format("revision {} already exists", id));
  for (const auto& p : req.parents)
    if (graph.get(p).tree != req.tree)
      throw UsageError(fmt::format("parent {} belongs to tree '{}', not '{}'", p, graph.get(p).tree, req.tree));
  for (const auto& d : req.depends_on) graph.get(d);
  // What the loader would refuse must not be written: a bad label breaks every later command
  // on the folder.
  for (const auto& label : req.branch_labels) {
    if (!is_valid_branch_label(label))
      throw UsageError(fmt::format("invalid branch label '{}': use letters, digits, '_', '-' or '.', not head, heads "
                                   "or base",
                                   label.size() > 64 ? label.substr(0, 64) + "…" : label));
    if (graph.is_label(label)) throw UsageError(fmt::format("branch label '{}' is already used", label));
    if (graph.find(label)) throw UsageError(fmt::format("branch label '{}' is also a revision id", label));
  }

  fs::path path;
  std::string content;
  if (req.sql_dir) {
    if (!fs::is_directory(*req.sql_dir)) throw UsageError(fmt::format("no such directory: {}", *req.sql_dir));
    path = fs::path(*req.sql_dir) / fmt::format("{}_{}.sql", id, slug(req.message));
    content = sql_unit(req, id);
  } else {
    fs::path dir = fs::path(req.versions_dir) / req.tree;
    if (!fs::is_directory(req.versions_dir))
      throw UsageError(fmt::format("no versions directory '{}': run from the source tree or pass --versions-dir",
                                   req.versions_dir));
    fs::create_directories(dir);
    int count = 0;
    for (const auto& entry : fs::directory_iterator(dir))
      if (entry.path().extension() == ".cpp") ++count;
    path = dir / fmt::format("{:04}_{}.cpp", count + 1, slug(req.message));
    content = cpp_unit(req, id);
  }
  write_new_file(path, content);
  return {id, path.string()};
}

}  // namespace tsm
