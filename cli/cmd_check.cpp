// check (drift) and stamp --detect: compare the live schema with the replayed revisions.
#include <iostream>

#include <fmt/format.h>

#include "cli/commands.h"
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
      Workspace ws(g.settings());
      Json j;
      Json trees = Json::object();
      std::string text;
      bool drift = false;
      for (const auto& tree : ws.selected_trees()) {
        auto differences = check_drift(ws, tree);
        drift = drift || !differences.empty();
        trees[tree] = Json(differences);
        for (const auto& line : differences) text += tree + ": " + line + "\n";
      }
      j["command"] = "check";
      j["drift"] = drift;
      j["differences"] = trees;
      emit(g, drift ? text : "no drift: the live schema matches the revisions\n", j);
      return drift ? static_cast<int>(ExitCode::drift) : 0;
    };
  });
}

}  // namespace tsm::cli
