// Times the revision graph on synthetic graphs: validation (building RevisionGraph), heads,
// target resolution and the plan base -> heads. Prints a markdown table (see bench/run).
#include <algorithm>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "core/graph/revision_graph.h"
#include "core/graph/plan.h"
#include "core/graph/target.h"

using namespace tsm;

namespace {

// Deterministic 12-hex-digit ids, like Alembic's.
struct IdMaker {
  unsigned long long state = 0x9E3779B97F4A7C15ull;
  std::string next() {
    unsigned long long z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    char buf[17];
    std::snprintf(buf, sizeof buf, "%012llx", z & 0xFFFFFFFFFFFFull);
    return buf;
  }
};

Revision make(const std::string& id, std::vector<std::string> down, std::vector<std::string> deps = {}) {
  Revision r;
  r.id = id;
  r.down_revisions = std::move(down);
  r.depends_on = std::move(deps);
  r.origin = "bench";
  return r;
}

std::vector<Revision> linear(int n) {
  IdMaker ids;
  std::vector<Revision> out;
  std::string prev;
  for (int i = 0; i < n; ++i) {
    std::string id = ids.next();
    out.push_back(make(id, prev.empty() ? std::vector<std::string>{} : std::vector<std::string>{prev}));
    prev = id;
  }
  return out;
}

// Blocks of 10: a trunk revision forks into three short branches (one depending on another
// branch), a merge of the three, two more trunk revisions. Every 100th block leaves a side head.
std::vector<Revision> branchy(int n) {
  IdMaker ids;
  std::vector<Revision> out;
  std::string prev;
  auto add = [&](std::vector<std::string> down, std::vector<std::string> deps = {}) {
    out.push_back(make(ids.next(), std::move(down), std::move(deps)));
    return out.back().id;
  };
  for (int block = 0; static_cast<int>(out.size()) + 10 <= n; ++block) {
    std::string t = add(prev.empty() ? std::vector<std::string>{} : std::vector<std::string>{prev});
    std::string b1 = add({t}), b2 = add({b1});
    std::string c1 = add({t}, {b1}), c2 = add({c1});
    std::string d1 = add({t}), d2 = add({d1});
    std::string m = add({b2, c2, d2});
    std::string x1 = add({m});
    prev = add({x1});
    if (block % 100 == 99 && static_cast<int>(out.size()) < n) add({t});
  }
  while (static_cast<int>(out.size()) < n) prev = add({prev});
  return out;
}

// CPU time of this thread: the shared 2-core machine is often busy, wall time mostly measures that.
double cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

double median_ms(int runs, const std::function<void()>& fn) {
  std::vector<double> times;
  for (int i = 0; i < runs; ++i) {
    double start = cpu_ms();
    fn();
    times.push_back(cpu_ms() - start);
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

void row(const char* shape, const std::vector<Revision>& revs) {
  const int runs = 7;
  double validate = median_ms(runs, [&] {
    std::vector<Revision> copy = revs;  // copying is part of loading; small next to validation
    RevisionGraph g(std::move(copy));
  });
  RevisionGraph g(revs);
  size_t head_count = 0;
  double heads = median_ms(runs, [&] { head_count = g.heads("main").size(); });
  // A prefix in the middle, a relative walk from it, and `heads`.
  const std::string mid = revs[revs.size() / 2].id.substr(0, 8);
  double resolve = median_ms(runs, [&] {
    resolve_upgrade_target(g, parse_target("heads"), "main", {});
    resolve_upgrade_target(g, parse_target(mid), "main", {});
    resolve_upgrade_target(g, parse_target(revs[1].id + "+1"), "main", {});
  });
  size_t steps = 0;  // every revision, up and down: a check that the plans are complete
  double plan = median_ms(runs, [&] {
    PlanRequest req;
    req.target = "heads";
    req.selected_trees = {"main"};
    steps = make_plan(g, req).front().steps.size();
  });
  double plan_down = median_ms(runs, [&] {
    PlanRequest req;
    req.direction = Direction::down;
    req.target = "base";
    req.selected_trees = {"main"};
    req.current["main"] = real_heads(g, "main");
    steps = std::max(steps, make_plan(g, req).front().steps.size());
  });
  std::printf("| %-7s | %6zu | %5zu | %11.2f | %8.3f | %10.3f | %18.2f | %18.2f | %6zu |\n", shape, revs.size(),
              head_count, validate, heads, resolve, plan, plan_down, steps);
}

}  // namespace

// Sizes default to 1k and 10k; pass others as arguments (e.g. 100000 to check the growth).
int main(int argc, char** argv) {
  std::vector<int> sizes{1000, 10000};
  if (argc > 1) sizes.clear();
  for (int i = 1; i < argc; ++i) sizes.push_back(std::atoi(argv[i]));
  std::printf("| graph   |  revs  | heads | validate ms | heads ms | resolve ms | plan base→heads ms | plan heads→base ms | steps  |\n");
  std::printf("|---------|--------|-------|-------------|----------|------------|--------------------|--------------------|--------|\n");
  for (int n : sizes) row("linear", linear(n));
  for (int n : sizes) row("branchy", branchy(n));
  return 0;
}
