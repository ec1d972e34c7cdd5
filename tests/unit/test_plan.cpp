// make_plan: revisions in order, version-row changes and rows after every step (Alembic's
// HeadMaintainer), on the shapes of Alembic's branching documentation.
#include <catch2/catch.hpp>

#include "core/base/errors.h"
#include "tests/support/graph_fixtures.h"

using namespace tsm;
using namespace tsm::testing;

namespace {

template <typename Fn>
std::string usage_error(Fn fn) {
  try {
    fn();
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

RevisionGraph two_bases() {
  return RevisionGraph({rev("a1", {}, {"cart"}), rev("a2", {"a1"}), rev("a3", {"a2"}), rev("n1", {}, {"net"}),
                        rev("n2", {"n1"})});
}

RevisionGraph branch_and_merge() {
  return RevisionGraph({rev("r0"), rev("b1", {"r0"}), rev("b2", {"b1"}), rev("c1", {"r0"}), rev("m1", {"b2", "c1"}),
                        rev("x1", {"m1"})});
}

RevisionGraph merge_of_merges() {
  return RevisionGraph({rev("r0"), rev("b1", {"r0"}), rev("c1", {"r0"}), rev("d1", {"r0"}), rev("e1", {"r0"}),
                        rev("m1", {"b1", "c1"}), rev("m2", {"d1", "e1"}), rev("m3", {"m1", "m2"})});
}

RevisionGraph depends_across() {
  return RevisionGraph({rev("a1", {}, {"cart"}), rev("a2", {"a1"}), rev("n1", {}, {"net"}), rev("n2", {"n1"}),
                        rev("a3", {"a2"}, {}, {"n2"})});
}

}  // namespace

TEST_CASE("plan: two bases, upgrade heads", "[plan]") {
  auto g = two_bases();  // steps point into the graph: keep it alive
  auto p = up(g, "heads");
  CHECK(p.tree == "main");
  CHECK(p.heads_before.empty());
  CHECK(trace(p) == Strings{"a1: insert a1 => [a1]", "a2: update a1->a2 => [a2]", "a3: update a2->a3 => [a3]",
                            "n1: insert n1 => [a3,n1]", "n2: update n1->n2 => [a3,n2]"});
  CHECK(p.heads_after == Strings{"a3", "n2"});
  for (const auto& s : p.steps) CHECK(s.direction == Direction::up);
}

TEST_CASE("plan: two bases, one branch at a time", "[plan]") {
  auto g = two_bases();
  CHECK(trace(up(g, "cart@head")) ==
        Strings{"a1: insert a1 => [a1]", "a2: update a1->a2 => [a2]", "a3: update a2->a3 => [a3]"});
  CHECK(trace(up(g, "net@+1", {"a3"})) == Strings{"n1: insert n1 => [a3,n1]"});
  CHECK(trace(up(g, "n2", {"a3"})) == Strings{"n1: insert n1 => [a3,n1]", "n2: update n1->n2 => [a3,n2]"});
  CHECK(usage_error([&] { up(g, "+1", {"a3", "n1"}); }).find("several current revisions (a3, n1)") !=
        std::string::npos);
  CHECK(usage_error([&] { up(g, "head"); }) ==
        "Multiple heads are present for tree 'main': a3, n2; use 'heads' or '<label>@head'");
}

TEST_CASE("plan: two bases, downgrades", "[plan]") {
  auto g = two_bases();
  auto net = down(g, "net@base", {"a3", "n2"});
  CHECK(trace(net) == Strings{"n2: update n2->n1 => [a3,n1]", "n1: remove n1 => [a3]"});
  for (const auto& s : net.steps) CHECK(s.direction == Direction::down);
  CHECK(trace(down(g, "base", {"a3", "n2"})) ==
        Strings{"n2: update n2->n1 => [a3,n1]", "n1: remove n1 => [a3]", "a3: update a3->a2 => [a2]",
                "a2: update a2->a1 => [a1]", "a1: remove a1 => []"});
  CHECK(trace(down(g, "cart@-1", {"a3", "n2"})) == Strings{"a3: update a3->a2 => [a2,n2]"});
  CHECK(usage_error([&] { down(g, "-1", {"a3", "n2"}); }).find("ambiguous") != std::string::npos);
}

TEST_CASE("plan: upgrade to a target at or below the current rows does nothing", "[plan]") {
  auto g = two_bases();
  auto p = up(g, "a2", {"a3", "n2"});
  CHECK(p.steps.empty());
  CHECK(p.heads_before == Strings{"a3", "n2"});
  CHECK(p.heads_after == Strings{"a3", "n2"});
  CHECK(up(g, "heads", {"a3", "n2"}).steps.empty());
  CHECK(up(g, "base", {"a3"}).steps.empty());
}

TEST_CASE("plan: downgrade target not below the current heads is refused", "[plan]") {
  auto g = two_bases();
  auto msg = usage_error([&] { down(g, "a3", {"a2", "n2"}); });
  CHECK(msg.find("Destination a3 is not a valid downgrade target from current head(s) a2, n2") != std::string::npos);
  CHECK(usage_error([&] { down(g, "n1", {"a3"}); }).find("not a valid downgrade target") != std::string::npos);
  // at the target already: nothing to do, no error
  CHECK(down(g, "a3", {"a3", "n2"}).steps.empty());
  CHECK(down(g, "base").steps.empty());
}

TEST_CASE("plan: branch and merge, upgrade head from base", "[plan]") {
  auto g = branch_and_merge();
  auto p = up(g, "head");
  CHECK(ids(p) == Strings{"r0", "b1", "b2", "c1", "m1", "x1"});
  CHECK(trace(p) == Strings{"r0: insert r0 => [r0]", "b1: update r0->b1 => [b1]", "b2: update b1->b2 => [b2]",
                            "c1: insert c1 => [b2,c1]", "m1: remove b2, update c1->m1 => [m1]",
                            "x1: update m1->x1 => [x1]"});
  REQUIRE(p.steps[4].changes.size() == 2);
  CHECK(p.steps[4].changes[0].kind == VersionChange::Kind::remove);
  CHECK(p.steps[4].changes[0].from == "b2");
  CHECK(p.steps[4].changes[1].kind == VersionChange::Kind::update);
  CHECK(p.steps[4].changes[1].from == "c1");
  CHECK(p.steps[4].changes[1].to == "m1");
  CHECK(p.heads_after == Strings{"x1"});
}

TEST_CASE("plan: branch and merge, upgrades from partial states", "[plan]") {
  auto g = branch_and_merge();
  CHECK(trace(up(g, "c1", {"b2"})) == Strings{"c1: insert c1 => [b2,c1]"});
  CHECK(trace(up(g, "head", {"c1"})) ==
        Strings{"b1: insert b1 => [b1,c1]", "b2: update b1->b2 => [b2,c1]", "m1: remove b2, update c1->m1 => [m1]",
                "x1: update m1->x1 => [x1]"});
  CHECK(trace(up(g, "b1+1", {"b1"})) == Strings{"b2: update b1->b2 => [b2]"});
  CHECK(trace(up(g, "+2", {"b1"})) == Strings{"b2: update b1->b2 => [b2]", "c1: insert c1 => [b2,c1]",
                                              "m1: remove b2, update c1->m1 => [m1]"});
  CHECK(usage_error([&] { up(g, "+1", {"r0"}); }).find("leads to several revisions (b1, c1)") != std::string::npos);
}

TEST_CASE("plan: branch and merge, downgrades unmerge", "[plan]") {
  auto g = branch_and_merge();
  CHECK(trace(down(g, "base", {"x1"})) ==
        Strings{"x1: update x1->m1 => [m1]", "m1: insert b2, update m1->c1 => [b2,c1]", "c1: remove c1 => [b2]",
                "b2: update b2->b1 => [b1]", "b1: update b1->r0 => [r0]", "r0: remove r0 => []"});
  CHECK(trace(down(g, "b1", {"x1"})) == Strings{"x1: update x1->m1 => [m1]",
                                                "m1: insert b2, update m1->c1 => [b2,c1]",
                                                "b2: update b2->b1 => [b1,c1]"});
  CHECK(trace(down(g, "-1", {"x1"})) == Strings{"x1: update x1->m1 => [m1]"});
  CHECK(down(g, "r0", {"x1"}).heads_after == Strings{"r0"});
  CHECK(usage_error([&] { down(g, "-2", {"x1"}); }).find("m1 is a merge of b2, c1") != std::string::npos);
  CHECK(trace(down(g, "r0", {"b2", "c1"})) ==
        Strings{"c1: remove c1 => [b2]", "b2: update b2->b1 => [b1]", "b1: update b1->r0 => [r0]"});
}

TEST_CASE("plan: merge of merges", "[plan]") {
  auto g = merge_of_merges();
  CHECK(trace(up(g, "head")) == Strings{"r0: insert r0 => [r0]", "b1: update r0->b1 => [b1]",
                                        "c1: insert c1 => [b1,c1]", "d1: insert d1 => [b1,c1,d1]",
                                        "e1: insert e1 => [b1,c1,d1,e1]", "m1: remove b1, update c1->m1 => [d1,e1,m1]",
                                        "m2: remove d1, update e1->m2 => [m1,m2]",
                                        "m3: remove m1, update m2->m3 => [m3]"});
  CHECK(trace(down(g, "base", {"m3"})) ==
        Strings{"m3: insert m1, update m3->m2 => [m1,m2]", "m2: insert d1, update m2->e1 => [d1,e1,m1]",
                "m1: insert b1, update m1->c1 => [b1,c1,d1,e1]", "e1: remove e1 => [b1,c1,d1]",
                "d1: remove d1 => [b1,c1]", "c1: remove c1 => [b1]", "b1: update b1->r0 => [r0]",
                "r0: remove r0 => []"});
  CHECK(trace(down(g, "m1", {"m3"})) == Strings{"m3: insert m1, update m3->m2 => [m1,m2]"});
  CHECK(trace(up(g, "m3", {"m1", "d1", "e1"})) ==
        Strings{"m2: remove d1, update e1->m2 => [m1,m2]", "m3: remove m1, update m2->m3 => [m3]"});
}

TEST_CASE("plan: depends_on across branches", "[plan]") {
  auto g = depends_across();
  auto p = up(g, "cart@head");
  CHECK(trace(p) == Strings{"a1: insert a1 => [a1]", "a2: update a1->a2 => [a2]", "n1: insert n1 => [a2,n1]",
                            "n2: update n1->n2 => [a2,n2]", "a3: remove a2, update n2->a3 => [a3]"});
  CHECK(ids(up(g, "heads")) == ids(p));
  // Alembic refuses `head` here: n2 is still a head by down_revisions.
  CHECK(usage_error([&] { up(g, "head"); }).find("Multiple heads are present for tree 'main': n2, a3") !=
        std::string::npos);
  CHECK(trace(up(g, "a3", {"n2"})) ==
        Strings{"a1: insert a1 => [a1,n2]", "a2: update a1->a2 => [a2,n2]", "a3: remove a2, update n2->a3 => [a3]"});
  // Reverting the dependency reverts what depends on it; the other branch's parent returns.
  CHECK(trace(down(g, "net@base", {"a3"})) == Strings{"a3: insert a2, update a3->n2 => [a2,n2]",
                                                      "n2: update n2->n1 => [a2,n1]", "n1: remove n1 => [a2]"});
  CHECK(trace(down(g, "a2", {"a3"})) == Strings{"a3: insert a2, update a3->n2 => [a2,n2]"});
  // Alembic: a revision reached only through depends_on is no downgrade target.
  CHECK(usage_error([&] { down(g, "n2", {"a3"}); }).find("not a valid downgrade target") != std::string::npos);
}

TEST_CASE("plan: depends_on into another branch of the same root", "[plan]") {
  RevisionGraph g({rev("r0"), rev("b1", {"r0"}), rev("b2", {"b1"}, {}, {"c1"}), rev("c1", {"r0"}),
                   rev("c2", {"c1"})});
  CHECK(trace(up(g, "b2", {"r0"})) == Strings{"b1: update r0->b1 => [b1]", "c1: insert c1 => [b1,c1]",
                                              "b2: remove b1, update c1->b2 => [b2]"});
  CHECK(trace(up(g, "c2", {"b2"})) == Strings{"c2: insert c2 => [b2,c2]"});
  CHECK(trace(down(g, "c1", {"b2", "c2"})) == Strings{"c2: remove c2 => [b2]"});
  // Going down to r0 reverts both lines; c1 is kept until b2 (which depends on it) is gone.
  CHECK(trace(down(g, "r0", {"b2", "c2"})) ==
        Strings{"c2: remove c2 => [b2]", "b2: insert b1, update b2->c1 => [b1,c1]", "c1: remove c1 => [b1]",
                "b1: update b1->r0 => [r0]"});
}

// Issue 11: a merge whose parents are linked by depends_on. A <- (B, C) <- D; E <- D;
// F <- D depends_on E; G <- (E, F); H <- F depends_on G; I <- (G, H); J <- I.
RevisionGraph merge_over_dependency() {
  return RevisionGraph({rev("A"), rev("B", {"A"}), rev("C", {"A"}), rev("D", {"B", "C"}), rev("E", {"D"}),
                        rev("F", {"D"}, {}, {"E"}), rev("G", {"E", "F"}), rev("H", {"F"}, {}, {"G"}),
                        rev("I", {"G", "H"}), rev("J", {"I"})});
}

TEST_CASE("plan: downgrade through a merge whose parents are linked by depends_on", "[plan][issue11]") {
  auto g = merge_over_dependency();
  // Reverting I unmerges to its parents G and H, but H depends on G: H alone implies both. Alembic
  // 1.8.1 (Debian 12) writes {G, H} and then refuses every upgrade ("Requested revision H overlaps
  // with other requested revisions G"): its bug #1373, fixed in Alembic 1.13.1, which writes {H}.
  auto p = down(g, "G", {"J"});
  CHECK(trace(p) == Strings{"J: update J->I => [I]", "I: update I->H => [H]"});
  CHECK(p.heads_after == Strings{"H"});
  // G stays applied (H depends on it) and nothing below the target is reverted.
  CHECK(trace(up(g, "heads", {"H"})) == Strings{"I: update H->I => [I]", "J: update I->J => [J]"});
  CHECK(trace(down(g, "F", {"H"})) == Strings{"H: update H->G => [G]", "G: update G->F => [F]"});
}

TEST_CASE("plan: rows an older Alembic left with one implying another are repaired by the next step",
          "[plan][issue11]") {
  auto g = merge_over_dependency();
  // {G, H}: what Alembic 1.8.1 leaves after `downgrade G` from J. H implies G.
  CHECK(trace(up(g, "heads", {"G", "H"})) == Strings{"I: remove G, update H->I => [I]", "J: update I->J => [J]"});
  CHECK(trace(down(g, "F", {"G", "H"})) == Strings{"H: remove G, update H->G => [G]", "G: update G->F => [F]"});
  CHECK(down(g, "base", {"G", "H"}).heads_after.empty());
  // Nothing to do: nothing is written, the rows stay as they are.
  auto none = up(g, "G", {"G", "H"});
  CHECK(none.steps.empty());
  CHECK(none.heads_after == Strings{"G", "H"});
}

TEST_CASE("plan: label at base with a shared root follows Alembic", "[plan]") {
  // Alembic resolves feature@base to the tree's bases; with one shared root everything applied goes.
  RevisionGraph g({rev("r0"), rev("b1", {"r0"}, {"feature"}), rev("c1", {"r0"})});
  CHECK(ids(down(g, "feature@base", {"b1", "c1"})) == Strings{"c1", "b1", "r0"});
  CHECK(down(g, "feature@base", {"b1", "c1"}).heads_after.empty());
}

TEST_CASE("plan: downgrade to a revision off the named branch follows Alembic", "[plan]") {
  // Alembic's downgrade reads "<branch>@<rev>" as <rev>; the branch only picks among <rev>'s
  // children when there are several (found by the Alembic differential test).
  RevisionGraph g({rev("r0"), rev("b1", {"r0"}, {"feature"}), rev("c1", {"r0"}), rev("c2", {"c1"}),
                   rev("n1", {}, {"net"})});
  CHECK(trace(down(g, "feature@c1", {"b1", "c2"})) == Strings{"c2: update c2->c1 => [b1,c1]"});
  CHECK(trace(down(g, "feature@r0", {"b1", "c2"})) == Strings{"b1: remove b1 => [c2]"});
  CHECK(usage_error([&] { down(g, "net@r0", {"b1", "c2"}); }).find("not a valid downgrade target") !=
        std::string::npos);
  // Upgrades still refuse a revision off the branch, as Alembic does.
  CHECK(usage_error([&] { up(g, "feature@c1"); }).find("not on the branch") != std::string::npos);
  // "<branch>@head" goes down to the tree's head, which must be single: Alembic ignores the branch
  // when it resolves `head` for a downgrade.
  CHECK(usage_error([&] { down(g, "feature@head", {"b1", "c2"}); }).find("Multiple heads are present") !=
        std::string::npos);
  CHECK(usage_error([&] { down(g, "feature@heads", {"b1", "c2"}); }).find("Multiple heads are present") !=
        std::string::npos);
  RevisionGraph merged({rev("r0"), rev("b1", {"r0"}, {"feature"}), rev("c1", {"r0"}), rev("m1", {"b1", "c1"})});
  CHECK(down(merged, "feature@head", {"m1"}).steps.empty());
}

TEST_CASE("plan: a branch's heads that depend on one another are refused like Alembic", "[plan]") {
  // Heads follow down_revisions: n2 stays a head although a3 depends on it. "cart@heads" asks for
  // both; Alembic refuses ("Requested revision a3 overlaps with other requested revisions n2").
  RevisionGraph g({rev("r0", {}, {"cart"}), rev("n1", {"r0"}), rev("n2", {"n1"}), rev("a2", {"r0"}),
                   rev("a3", {"a2"}, {}, {"n2"})});
  auto msg = usage_error([&] { up(g, "cart@heads"); });
  CHECK(msg.find("names overlapping revisions: a3 depends on n2") != std::string::npos);
  CHECK(trace(up(g, "heads")).size() == 5);  // `heads` is the real heads: a3 alone
}

TEST_CASE("plan: several trees", "[plan]") {
  RevisionGraph g({rev("m1"), rev("m2", {"m1"}), rev("c1", {}, {"ctx"}, {}, "context"),
                   rev("c2", {"c1"}, {}, {}, "context")});
  PlanRequest req;
  req.direction = Direction::up;
  req.target = "head";
  req.selected_trees = {"main", "context"};
  req.current["context"] = {"c1"};
  auto plans = make_plan(g, req);
  REQUIRE(plans.size() == 2);
  CHECK(plans[0].tree == "main");
  CHECK(trace(plans[0]) == Strings{"m1: insert m1 => [m1]", "m2: update m1->m2 => [m2]"});
  CHECK(plans[1].tree == "context");
  CHECK(plans[1].heads_before == Strings{"c1"});
  CHECK(trace(plans[1]) == Strings{"c2: update c1->c2 => [c2]"});

  req.target = "c1";  // a revision selects its own tree
  req.current["context"] = {};
  plans = make_plan(g, req);
  REQUIRE(plans.size() == 1);
  CHECK(plans[0].tree == "context");
  CHECK(ids(plans[0]) == Strings{"c1"});

  req.target = "+1";
  CHECK(usage_error([&] { make_plan(g, req); }).find("needs --tree") != std::string::npos);
  req.selected_trees = {"context"};
  plans = make_plan(g, req);
  REQUIRE(plans.size() == 1);
  CHECK(ids(plans[0]) == Strings{"c1"});

  req.target = "m2";
  CHECK(usage_error([&] { make_plan(g, req); }).find("which is not selected") != std::string::npos);

  req.direction = Direction::down;
  req.target = "base";
  req.selected_trees = {"main", "context"};
  req.current = {{"main", {"m2"}}, {"context", {"c2"}}};
  plans = make_plan(g, req);
  REQUIRE(plans.size() == 2);
  CHECK(ids(plans[0]) == Strings{"m2", "m1"});
  CHECK(ids(plans[1]) == Strings{"c2", "c1"});
}

TEST_CASE("plan: unknown rows need attention", "[plan]") {
  auto g = two_bases();
  try {
    up(g, "heads", {"zzzz"});
    FAIL("no error");
  } catch (const AttentionError& e) {
    CHECK(std::string(e.what()).find("unknown revision 'zzzz'") != std::string::npos);
    CHECK(e.code() == ExitCode::needs_attention);
  }
}

TEST_CASE("plan: malformed targets are refused by make_plan", "[plan]") {
  auto g = two_bases();
  for (const char* bad : {"", "+", "-x", "abc@", "@head", "x@+y", "1:2", "head+-1"}) {
    INFO("target: '" << bad << "'");
    CHECK(usage_error([&] { up(g, bad); }).find("malformed target") != std::string::npos);
  }
}
