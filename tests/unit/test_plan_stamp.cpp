// resolve_stamp, split_range and rows_for_range_start (Alembic stamp semantics).
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

RevisionGraph two_bases_and_context() {
  return RevisionGraph({rev("a1", {}, {"cart"}), rev("a2", {"a1"}), rev("a3", {"a2"}), rev("n1", {}, {"net"}),
                        rev("n2", {"n1"}), rev("c1", {}, {}, {}, "context"), rev("c2", {"c1"}, {}, {}, "context")});
}

const Strings kMain{"main"};
const Strings kBoth{"main", "context"};

}  // namespace

TEST_CASE("stamp: heads, head and base per selected tree", "[stamp]") {
  auto g = two_bases_and_context();
  CHECK(resolve_stamp(g, {"heads"}, kBoth, {}, false) == TreeRows{{"main", {"a3", "n2"}}, {"context", {"c2"}}});
  CHECK(resolve_stamp(g, {"base"}, kBoth, {{"main", {"a3"}}, {"context", {"c2"}}}, false) ==
        TreeRows{{"main", {}}, {"context", {}}});
  CHECK(resolve_stamp(g, {"head"}, {"context"}, {}, false) == TreeRows{{"context", {"c2"}}});
  auto multiple = usage_error([&] { resolve_stamp(g, {"head"}, kBoth, {}, false); });
  CHECK(multiple.find("Multiple heads are present for tree 'main': a3, n2") != std::string::npos);
}

TEST_CASE("stamp: a revision replaces only the rows on its line", "[stamp]") {
  auto g = two_bases_and_context();
  // a1 is below a3: a3 goes (a downward stamp), n2 on the other base stays.
  CHECK(resolve_stamp(g, {"a1"}, kBoth, {{"main", {"a3", "n2"}}}, false) == TreeRows{{"main", {"a1", "n2"}}});
  // upward stamp
  CHECK(resolve_stamp(g, {"a3"}, kBoth, {{"main", {"a1", "n2"}}}, false) == TreeRows{{"main", {"a3", "n2"}}});
  // a new branch: added beside the existing row
  CHECK(resolve_stamp(g, {"n1"}, kBoth, {{"main", {"a3"}}}, false) == TreeRows{{"main", {"a3", "n1"}}});
  // already there
  CHECK(resolve_stamp(g, {"a3"}, kBoth, {{"main", {"a3", "n2"}}}, false) == TreeRows{{"main", {"a3", "n2"}}});
  // purge ignores the current rows
  CHECK(resolve_stamp(g, {"n1"}, kBoth, {{"main", {"a3"}}}, true) == TreeRows{{"main", {"n1"}}});
  // only the tree named by the revision appears
  CHECK(resolve_stamp(g, {"c1"}, kBoth, {{"main", {"a3"}}, {"context", {"c2"}}}, false) ==
        TreeRows{{"context", {"c1"}}});
}

TEST_CASE("stamp: labels and several targets", "[stamp]") {
  auto g = two_bases_and_context();
  CHECK(resolve_stamp(g, {"net@base"}, kBoth, {{"main", {"a3", "n2"}}}, false) == TreeRows{{"main", {"a3"}}});
  CHECK(resolve_stamp(g, {"net@head"}, kBoth, {{"main", {"a3"}}}, false) == TreeRows{{"main", {"a3", "n2"}}});
  CHECK(resolve_stamp(g, {"cart"}, kBoth, {{"main", {"a3"}}}, false) == TreeRows{{"main", {"a1"}}});
  CHECK(resolve_stamp(g, {"a2", "n1", "c2"}, kBoth, {}, false) ==
        TreeRows{{"main", {"a2", "n1"}}, {"context", {"c2"}}});
  // a target below another one of the same line is implied by it
  CHECK(resolve_stamp(g, {"a1", "a2"}, kBoth, {}, false) == TreeRows{{"main", {"a2"}}});
  CHECK(resolve_stamp(g, {"a3-1"}, kBoth, {}, false) == TreeRows{{"main", {"a2"}}});
}

TEST_CASE("stamp: a branch point replaced by the heads above it", "[stamp]") {
  RevisionGraph g({rev("r0"), rev("b1", {"r0"}), rev("c1", {"r0"}), rev("a1", {}, {}, {}, "main")});
  CHECK(resolve_stamp(g, {"heads"}, kMain, {{"main", {"r0"}}}, false) == TreeRows{{"main", {"a1", "b1", "c1"}}});
  CHECK(resolve_stamp(g, {"r0"}, kMain, {{"main", {"b1", "c1", "a1"}}}, false) == TreeRows{{"main", {"a1", "r0"}}});
}

TEST_CASE("stamp: heads with depends_on keeps one row", "[stamp]") {
  RevisionGraph g({rev("a1"), rev("n1"), rev("a2", {"a1"}, {}, {"n1"})});
  CHECK(resolve_stamp(g, {"heads"}, kMain, {}, false) == TreeRows{{"main", {"a2"}}});
}

TEST_CASE("stamp: refusals", "[stamp]") {
  auto g = two_bases_and_context();
  CHECK(usage_error([&] { resolve_stamp(g, {"+1"}, kMain, {}, false); }).find("cannot use the relative target") !=
        std::string::npos);
  CHECK(usage_error([&] { resolve_stamp(g, {"x@"}, kMain, {}, false); }).find("malformed") != std::string::npos);
  CHECK(usage_error([&] { resolve_stamp(g, {}, kMain, {}, false); }).find("at least one target") != std::string::npos);
  CHECK(usage_error([&] { resolve_stamp(g, {"c1"}, kMain, {}, false); }).find("no selected tree") !=
        std::string::npos);
  // A tree-by-tree caller may pass targets of other trees: they are skipped.
  CHECK(resolve_stamp(g, {"a2", "c1"}, kMain, {}, false) == TreeRows{{"main", {"a2"}}});
  CHECK_THROWS_AS(resolve_stamp(g, {"heads"}, kMain, {{"main", {"gone"}}}, false), AttentionError);
  CHECK(resolve_stamp(g, {"heads"}, kMain, {{"main", {"gone"}}}, true) == TreeRows{{"main", {"a3", "n2"}}});
}

TEST_CASE("range: split_range", "[range]") {
  CHECK(split_range("base:head") == std::make_pair(std::string("base"), std::string("head")));
  CHECK(split_range("a1:net@head") == std::make_pair(std::string("a1"), std::string("net@head")));
  for (const char* bad : {"head", ":head", "base:", "a:b:c", ":", "base:x@"}) {
    INFO("range: '" << bad << "'");
    CHECK_THROWS_AS(split_range(bad), UsageError);
  }
  CHECK(usage_error([] { split_range("a:b:c"); }).find("expected <from>:<to>") != std::string::npos);
}

TEST_CASE("range: rows_for_range_start", "[range]") {
  auto g = two_bases_and_context();
  CHECK(rows_for_range_start(g, "base", kBoth) == TreeRows{{"main", {}}, {"context", {}}});
  CHECK(rows_for_range_start(g, "a2", kBoth) == TreeRows{{"main", {"a2"}}});
  CHECK(rows_for_range_start(g, "heads", kBoth) == TreeRows{{"main", {"a3", "n2"}}, {"context", {"c2"}}});
  CHECK(rows_for_range_start(g, "head", {"context"}) == TreeRows{{"context", {"c2"}}});
  CHECK_THROWS_AS(rows_for_range_start(g, "-1", kMain), UsageError);
  // a range start then planned like a live database
  PlanRequest req;
  req.direction = Direction::up;
  req.target = "cart@head";
  req.selected_trees = kBoth;
  req.current = rows_for_range_start(g, "a1", kBoth);
  auto plans = make_plan(g, req);
  REQUIRE(plans.size() == 1);
  CHECK(ids(plans[0]) == Strings{"a2", "a3"});
}
