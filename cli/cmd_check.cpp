// check (drift) and stamp --detect: compare the live schema with the replayed revisions.
#include <iostream>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/tenants.h"
#include "core/run/detect.h"
#include "core/run/drift.h"
#include "core/base/errors.h"
#include "core/run/executor.h"

namespace tsm::cli {

int run_detect(const GlobalOptions& g, const Workspace& ws) {
  auto detections = detect(ws);
  std::string problems;
  for (const auto& det : detections)
    if (!det.matched) {
      problems += fmt::format("  tree '{}': no revision matches; closest is {}:\n", det.tree, det.closest);
      for (const auto& line : det.differences) problems += "    " + line + "\n";
    }
  if (!problems.empty()) {
    problems.pop_back();
    throw AttentionError("the live schema matches no revision; nothing was stamped", problems);
  }
  stamp_detected(ws, detections);

  Json j;
  j["command"] = "stamp";
  j["detect"] = true;
  Json trees = Json::object();
  std::string text;
  for (const auto& det : detections) {
    using Where = TreeDetection::Where;
    std::string rev = det.rows.empty() ? "base" : det.rows.front();
    Json t;
    t["revision"] = det.rows.empty() ? Json(nullptr) : Json(det.rows.front());
    t["where"] = det.where == Where::own ? "own" : det.where == Where::embedded ? "embedded" : "missing";
    trees[det.tree] = t;
    if (det.where == Where::missing)
      text += fmt::format("{}: no database yet ({}); nothing to stamp\n", det.tree, ws.url_for(det.tree).redacted());
    else if (det.where == Where::embedded)
      text += fmt::format("{}: detected {} inside the main database; stamped there, `upgrade` moves it to {}\n",
                          det.tree, rev, ws.url_for(det.tree).redacted());
    else
      text += fmt::format("{}: detected {}; stamped\n", det.tree, rev);
  }
  j["trees"] = trees;
  emit(g, text, j);
  return 0;
}

void add_check_command(CLI::App& app, GlobalOptions& g, Action& run) {
  auto* c = app.add_subcommand("check", "compare the live schema with what the recorded revisions produce");
  c->fallthrough();
  c->callback([&] {
    run = [&] {
      if (!g.tenants.empty()) return fan_out_check(g);
      Workspace ws(g.settings());
      Json j;
      Json trees = Json::object();
      Json unchecked = Json::object();
      std::string text, problems;
      std::vector<std::string> checked, not_checked;
      bool drift = false;
      for (const auto& tree : ws.selected_trees()) {
        auto result = check_tree(ws, tree);
        if (!result.unchecked.empty()) {
          // Nothing to compare with: say why rather than list what the raw SQL made as drift.
          trees[tree] = nullptr;
          unchecked[tree] = result.unchecked;
          not_checked.push_back(tree);
          problems += "  " + result.unchecked + "\n" + (result.remedy.empty() ? "" : result.remedy + "\n");
          continue;
        }
        checked.push_back(tree);
        drift = drift || !result.differences.empty();
        trees[tree] = Json(result.differences);
        for (const auto& line : result.differences) text += tree + ": " + line + "\n";
      }
      j["command"] = "check";
      j["drift"] = drift;
      j["differences"] = trees;
      if (!not_checked.empty()) j["unchecked"] = unchecked;
      if (!drift)
        text = not_checked.empty() ? "no drift: the live schema matches the revisions\n"
               : checked.empty()   ? ""
                                   : fmt::format("no drift in {}\n", fmt::join(checked, ", "));
      emit(g, text, j);
      if (!not_checked.empty()) {
        problems.pop_back();
        std::vector<std::string> quoted;
        for (const auto& tree : not_checked) quoted.push_back("'" + tree + "'");
        throw AttentionError(fmt::format("{} {} not checked: what {} revisions produce is not known here",
                                         not_checked.size() == 1 ? "tree" : "trees", fmt::join(quoted, ", "),
                                         not_checked.size() == 1 ? "its" : "their"),
                             problems);
      }
      return drift ? static_cast<int>(ExitCode::drift) : 0;
    };
  });
}

}  // namespace tsm::cli
