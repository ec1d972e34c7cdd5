// check (drift) and stamp --detect: compare the live schema with the replayed revisions.
#include <iostream>

#include <fmt/format.h>

#include "cli/commands.h"
#include "core/detect.h"
#include "core/errors.h"
#include "core/executor.h"

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
  std::vector<std::string> targets;
  for (const auto& det : detections) targets.push_back(det.rows.empty() ? "" : det.rows.front());
  Json j;
  j.set("command", "stamp");
  j.set("detect", true);
  Json heads = Json::Object{};
  std::string text;
  for (const auto& det : detections) {
    Settings s = ws.settings();
    s.tree = det.tree;
    Workspace one(s);
    stamp(one, {det.rows.empty() ? std::string("base") : det.rows.front()}, /*purge=*/false);
    heads.set(det.tree, Json::array(det.rows));
    text += fmt::format("{}: detected {}; stamped\n", det.tree, det.rows.empty() ? "base (no tables)" : det.rows.front());
  }
  j.set("heads", heads);
  emit(g, text, j);
  return 0;
}

void add_check_command(CLI::App& app, GlobalOptions& g, Action& run) {
  auto* c = app.add_subcommand("check", "compare the live schema with what the recorded revisions produce");
  c->fallthrough();
  c->callback([&] {
    run = [&] {
      Workspace ws(g.settings());
      Json j;
      Json trees = Json::Object{};
      std::string text;
      bool drift = false;
      for (const auto& tree : ws.selected_trees()) {
        auto differences = check_drift(ws, tree);
        drift = drift || !differences.empty();
        trees.set(tree, Json::array(differences));
        for (const auto& line : differences) text += tree + ": " + line + "\n";
      }
      j.set("command", "check");
      j.set("drift", drift);
      j.set("differences", trees);
      emit(g, drift ? text : "no drift: the live schema matches the revisions\n", j);
      return drift ? static_cast<int>(ExitCode::drift) : 0;
    };
  });
}

}  // namespace tsm::cli
