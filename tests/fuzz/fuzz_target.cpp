// fuzz_target: the target grammar (parse_target, split_range) on arbitrary text, then the parsed
// target resolved and planned on the fixed graph (fixed_graph.h) from one of a few sets of
// version rows, chosen by the input's bytes so the corpus reaches each of them.
//
// Invariants: a refused target is a UsageError "malformed target '<text>': …"; a parsed one keeps
// its text, has a step count of 1…999999 when relative, and its canonical spelling parses to the
// same target; a range splits into two targets around its one ':'; make_plan and resolve_stamp
// either refuse with a tsm::Error or give plans that pass check_plan and rows that are heads.
#include <cstdlib>
#include <string>
#include <vector>

#include "core/base/errors.h"
#include "core/graph/plan.h"
#include "core/graph/target.h"
#include "tests/fuzz/fixed_graph.h"
#include "tests/fuzz/harness.h"

namespace tsm::fuzz {
namespace {

std::string canonical(const TargetSpec& spec) {
  std::string out = spec.branch.empty() ? "" : spec.branch + "@";
  switch (spec.kind) {
    case TargetSpec::Kind::head: return out + "head";
    case TargetSpec::Kind::heads: return out + "heads";
    case TargetSpec::Kind::base: return out + "base";
    case TargetSpec::Kind::revision: return out + spec.symbol;
    case TargetSpec::Kind::relative:
      return out + spec.symbol + (spec.steps > 0 ? "+" : "-") + std::to_string(std::abs(spec.steps));
  }
  return out;
}

struct Situation {
  std::vector<std::string> selected;
  TreeRows rows;
};

const std::vector<Situation>& situations() {
  static const std::vector<Situation> all = {
      {{"main"}, {}},
      {{"main"}, {{"main", {"1000aa"}}}},
      {{"main"}, {{"main", {"2000bc", "3000cc"}}}},
      {{"main"}, {{"main", {"7000aa", "9000cc"}}}},
      {{"main"}, {{"main", {"8000bb", "9000cc"}}}},
      {{"main"}, {{"main", {"2000bb", "6000ff"}}}},
      {{"context"}, {{"context", {"c200"}}}},
      {{"context"}, {{"context", {"c201", "c300"}}}},
      {{"main", "context"}, {{"main", {"5000ee"}}, {"context", {"c100"}}}},
      {{"main", "context"}, {}},
  };
  return all;
}

void plan_and_check(const RevisionGraph& graph, Direction direction, const std::string& target, const Situation& s) {
  PlanRequest req;
  req.direction = direction;
  req.target = target;
  req.selected_trees = s.selected;
  req.current = s.rows;
  std::vector<Plan> plans;
  try {
    plans = make_plan(graph, req);
  } catch (const Error&) {
    return;
  }
  for (const Plan& p : plans) {
    auto it = s.rows.find(p.tree);
    check_plan(graph, p, direction, it == s.rows.end() ? std::vector<std::string>{} : it->second);
  }
}

void stamp_and_check(const RevisionGraph& graph, const std::vector<std::string>& targets, const Situation& s,
                     bool purge) {
  TreeRows out;
  try {
    out = resolve_stamp(graph, targets, s.selected, s.rows, purge);
  } catch (const Error&) {
    return;
  }
  for (const auto& [tree, rows] : out)
    TSM_FUZZ_CHECK(is_consistent(graph, tree, rows), "stamp gives rows that are not heads of tree " + tree);
}

}  // namespace

int fuzz_target(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const RevisionGraph& graph = fixed_graph();

  try {
    auto [from, to] = split_range(text);
    TSM_FUZZ_CHECK(!from.empty() && !to.empty() && from + ":" + to == text, "range split as " + from + " | " + to);
    try {
      TreeRows start = rows_for_range_start(graph, from, {"main", "context"});
      for (const auto& [tree, rows] : start)
        TSM_FUZZ_CHECK(is_consistent(graph, tree, rows), "range start rows are not heads of tree " + tree);
    } catch (const Error&) {
    }
  } catch (const UsageError&) {
  }

  TargetSpec spec;
  try {
    spec = parse_target(text);
  } catch (const UsageError& e) {
    // what() ends at a NUL the text may hold (none can come from a command line).
    std::string prefix = "malformed target '" + text + "': ";
    prefix = prefix.substr(0, prefix.find('\0'));
    TSM_FUZZ_CHECK(std::string(e.what()).compare(0, prefix.size(), prefix) == 0, e.what());
    return 0;
  }
  TSM_FUZZ_CHECK(spec.text == text, spec.text);
  TSM_FUZZ_CHECK(text.find(':') == std::string::npos, "a range parsed as a target");
  if (spec.kind == TargetSpec::Kind::relative) {
    TSM_FUZZ_CHECK(spec.steps != 0 && std::abs(spec.steps) <= 999999, std::to_string(spec.steps));
  } else {
    TSM_FUZZ_CHECK(spec.steps == 0, std::to_string(spec.steps));
  }
  if (spec.kind == TargetSpec::Kind::revision) TSM_FUZZ_CHECK(!spec.symbol.empty(), "revision without a symbol");
  const std::string again_text = canonical(spec);
  TargetSpec again;
  try {
    again = parse_target(again_text);
  } catch (const UsageError& e) {
    TSM_FUZZ_CHECK(false, "canonical form '" + again_text + "' is refused: " + e.what());
  }
  TSM_FUZZ_CHECK(again.kind == spec.kind && again.branch == spec.branch && again.symbol == spec.symbol &&
                     again.steps == spec.steps,
                 "canonical form '" + again_text + "' parses differently");

  unsigned sum = 0;
  for (std::size_t i = 0; i < size; ++i) sum += data[i];
  const Situation& s = situations()[sum % situations().size()];
  plan_and_check(graph, Direction::up, text, s);
  plan_and_check(graph, Direction::down, text, s);
  stamp_and_check(graph, {text}, s, /*purge=*/(sum / situations().size()) % 2 == 1);
  return 0;
}

}  // namespace tsm::fuzz
