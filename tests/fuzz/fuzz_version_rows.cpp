// fuzz_version_rows: what the tool makes of the rows it reads from a database, without one. The
// input stands for the database's side (version-table rows, rows of turnstone_migrate_revisions,
// the revision store) and for one command; the fixed graph (fixed_graph.h) is this build. The
// harness does what Workspace::read_rows/place and the executor do with them: the store rows are
// read (stored_revisions_from_rows, with decode_statements), the version rows placed
// (place_rows), then, by the command: planned (make_plan) for upgrade and downgrade, the unknown
// revisions a downgrade reverts picked (unknown_to_revert), or stamped (resolve_stamp).
//
// Input: lines, fields separated by tabs; other lines are ignored (at most 32 lines are read).
//   upgrade T | downgrade T | stamp T… | stamp --purge T…   (the command; default: upgrade heads)
//   tree    main|context         (--tree; default: every tree)
//   row     <tree> <version_num>
//   store   <tree> <revision> <down_revisions> <depends_on> <message> <downgrade_sql> <applied_at>
//           (fields missing at the end are NULL; "\N" is NULL too)
//
// Invariants: refusals are tsm::Error (AttentionError for rows that cannot be placed, UsageError
// for targets); a placement plans only with revisions of the graph that are heads, keeps every
// version row (known, or below an unknown one), and orders unknown revisions newest first;
// stored downgrade SQL reads back from what this build would write; plans pass check_plan;
// unknown_to_revert picks unknown revisions only; stamped rows are heads of their tree.
#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/base/errors.h"
#include "core/graph/plan.h"
#include "core/recovery/revision_store.h"
#include "core/recovery/unknown_revisions.h"
#include "core/run/unknown_revert.h"
#include "tests/fuzz/fixed_graph.h"
#include "tests/fuzz/harness.h"

namespace tsm::fuzz {
namespace {

constexpr std::size_t kMaxLines = 32;  // a version table holds few rows; keeps each run cheap

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    std::size_t end = text.find(sep, start);
    out.push_back(text.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) return out;
    start = end + 1;
  }
}

enum class Command { upgrade, downgrade, stamp, stamp_purge };

struct Input {
  std::vector<std::string> selected;
  Command command = Command::upgrade;
  std::vector<std::string> targets;
  TreeRows rows;                           // as read_rows returns them: selected trees only, sorted
  std::map<std::string, std::vector<Row>> store;
};

Input read_input(const std::string& text, const RevisionGraph& graph) {
  Input in;
  std::vector<std::string> lines = split(text, '\n');
  if (lines.size() > kMaxLines) lines.resize(kMaxLines);
  std::string tree;
  std::vector<std::pair<std::string, std::string>> rows;
  for (const auto& line : lines) {
    auto f = split(line, '\t');
    if (f[0] == "tree" && f.size() == 2 && graph.has_tree(f[1])) {
      tree = f[1];
    } else if ((f[0] == "upgrade" || f[0] == "downgrade") && f.size() == 2) {
      in.command = f[0] == "upgrade" ? Command::upgrade : Command::downgrade;
      in.targets = {f[1]};
    } else if (f[0] == "stamp" && f.size() >= 2) {
      const bool purge = f[1] == "--purge";
      in.command = purge ? Command::stamp_purge : Command::stamp;
      in.targets.assign(f.begin() + (purge ? 2 : 1), f.end());
    } else if (f[0] == "row" && f.size() == 3) {
      rows.emplace_back(f[1], f[2]);
    } else if (f[0] == "store" && f.size() >= 3) {
      Row row;
      for (std::size_t i = 2; i < f.size() && i < 8; ++i) {
        if (f[i] == "\\N") row.push_back(std::nullopt);
        else row.push_back(f[i]);
      }
      in.store[f[1]].push_back(std::move(row));
    }
  }
  in.selected = tree.empty() ? graph.trees() : std::vector<std::string>{tree};
  if (in.targets.empty() && in.command != Command::stamp && in.command != Command::stamp_purge) in.targets = {"heads"};
  for (const auto& t : in.selected) {
    std::vector<std::string> r;
    for (const auto& [row_tree, value] : rows)
      if (row_tree == t) r.push_back(value);
    std::sort(r.begin(), r.end());
    if (!r.empty()) in.rows[t] = r;
  }
  return in;
}

bool same_statements(const std::vector<Statement>& a, const std::vector<Statement>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i].sql != b[i].sql || a[i].in_transaction != b[i].in_transaction || a[i].edge != b[i].edge) return false;
  return true;
}

// Workspace::place for one tree: the store is read only when a row is unknown.
std::optional<Placement> place(const RevisionGraph& graph, const std::string& tree,
                               const std::vector<std::string>& rows, const std::vector<Row>& store_rows) {
  const bool all_known =
      std::all_of(rows.begin(), rows.end(), [&](const std::string& r) { return graph.find(r) != nullptr; });
  try {
    if (all_known) return place_rows(graph, tree, rows, {});
    const auto store = stored_revisions_from_rows(tree, store_rows);
    for (const auto& [id, s] : store) {
      TSM_FUZZ_CHECK(id == s.revision && s.tree == tree, "store keyed wrongly: " + id);
      TSM_FUZZ_CHECK(same_statements(decode_statements(encode_statements(s.downgrade)), s.downgrade),
                     "stored SQL of " + id + " does not read back from what this build writes");
    }
    Placement p = place_rows(graph, tree, rows, store);
    for (const auto& u : p.unknown) {
      TSM_FUZZ_CHECK(!graph.find(u.revision), u.revision + " is known but placed as unknown");
      TSM_FUZZ_CHECK(store.count(u.revision), u.revision + " is not in the store");
      TSM_FUZZ_CHECK(p.known_below.count(u.revision) && !p.known_below.at(u.revision).empty(),
                     u.revision + " has nothing known below it");
    }
    // Newest first: no unknown revision comes after one of its own parents.
    for (std::size_t i = 0; i < p.unknown.size(); ++i)
      for (std::size_t j = i + 1; j < p.unknown.size(); ++j) {
        const StoredRevision& later = p.unknown[j];
        const std::string& newer = p.unknown[i].revision;
        for (const auto* parents : {&later.down_revisions, &later.depends_on})
          TSM_FUZZ_CHECK(std::find(parents->begin(), parents->end(), newer) == parents->end(),
                         later.revision + " comes after " + newer + ", which it is a parent of");
      }
    return p;
  } catch (const Error&) {
    return std::nullopt;
  }
}

void check_placement(const RevisionGraph& graph, const Placement& p, const std::vector<std::string>& rows) {
  // Known rows are revisions of the graph, none below another. (One of another tree passes through:
  // planning refuses it, exit 5.)
  for (const auto& k : p.known_rows) TSM_FUZZ_CHECK(graph.find(k), "known row " + k + " is not in the graph");
  // Every row is accounted for: a known row is applied, an unknown one is in `unknown`.
  const auto ids = p.unknown_ids();
  // With an unknown row the known ones are reduced to heads; when every row is known they go to
  // the planner as they are (its first step drops a row another implies: Alembic's old tables).
  if (!ids.empty()) TSM_FUZZ_CHECK(are_heads(graph, p.known_rows), "known rows of " + p.tree + " are not heads");
  for (const auto& r : rows) {
    if (graph.find(r)) {
      TSM_FUZZ_CHECK(is_applied(graph, p.known_rows, r), "row " + r + " is lost by the placement");
    } else {
      TSM_FUZZ_CHECK(std::find(ids.begin(), ids.end(), r) != ids.end(), "unknown row " + r + " is not placed");
    }
  }
}

void plan_and_check(const RevisionGraph& graph, Direction direction, const std::string& target, const Input& in,
                    const TreeRows& known) {
  PlanRequest req;
  req.direction = direction;
  req.target = target;
  req.selected_trees = in.selected;
  req.current = known;
  std::vector<Plan> plans;
  try {
    plans = make_plan(graph, req);
  } catch (const Error&) {
    return;
  }
  for (const Plan& p : plans) {
    auto it = known.find(p.tree);
    check_plan(graph, p, direction, it == known.end() ? std::vector<std::string>{} : it->second);
  }
}

}  // namespace

int fuzz_version_rows(const std::uint8_t* data, std::size_t size) {
  const RevisionGraph& graph = fixed_graph();
  const Input in = read_input(std::string(reinterpret_cast<const char*>(data), size), graph);

  if (in.command == Command::stamp || in.command == Command::stamp_purge) {
    // stamp reads the rows as they are: refused on an unknown row unless --purge
    // (Workspace::check_known), no placement.
    const bool purge = in.command == Command::stamp_purge;
    const bool all_known = std::all_of(in.rows.begin(), in.rows.end(), [&](const auto& tree_rows) {
      return std::all_of(tree_rows.second.begin(), tree_rows.second.end(),
                         [&](const std::string& r) { return graph.find(r) != nullptr; });
    });
    if (!purge && !all_known) return 0;
    try {
      for (const auto& [tree, rows] : resolve_stamp(graph, in.targets, in.selected, in.rows, purge))
        TSM_FUZZ_CHECK(is_consistent(graph, tree, rows), "stamp gives rows that are not heads of " + tree);
    } catch (const Error&) {
    }
    return 0;
  }

  // Workspace::place(TreeRows): one placement per tree that has rows.
  std::map<std::string, Placement> placed;
  for (const auto& [tree, rows] : in.rows) {
    auto it = in.store.find(tree);
    auto p = place(graph, tree, rows, it == in.store.end() ? std::vector<Row>{} : it->second);
    if (!p) return 0;  // exit 5
    check_placement(graph, *p, rows);
    placed[tree] = std::move(*p);
  }
  const std::string& target = in.targets.front();
  const Direction direction = in.command == Command::upgrade ? Direction::up : Direction::down;
  if (direction == Direction::down) {
    for (const auto& [tree, p] : placed) {
      if (!p.ahead()) continue;
      try {
        const auto ids = p.unknown_ids();
        for (const StoredRevision* u : unknown_to_revert(graph, p, target))
          TSM_FUZZ_CHECK(std::find(ids.begin(), ids.end(), u->revision) != ids.end(),
                         "reverts " + u->revision + ", which is not unknown");
      } catch (const Error&) {
      }
    }
  }
  plan_and_check(graph, direction, target, in, known_rows(placed));
  return 0;
}

}  // namespace tsm::fuzz
