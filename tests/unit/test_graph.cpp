// RevisionGraph: validation errors and the per-tree queries on the shapes of Alembic's docs.
#include <catch2/catch.hpp>

#include "core/base/errors.h"
#include "tests/support/graph_fixtures.h"

using namespace tsm;
using namespace tsm::testing;

namespace {

// Message of the UsageError `fn` throws ("" when it throws nothing).
template <typename Fn>
std::string usage_error(Fn fn) {
  try {
    fn();
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

std::string graph_error(std::vector<Revision> revs) {
  return usage_error([&] { RevisionGraph g(std::move(revs)); });
}

}  // namespace

TEST_CASE("graph: two bases in one tree", "[graph]") {
  RevisionGraph g({rev("a1", {}, {"cart"}), rev("a2", {"a1"}), rev("a3", {"a2"}), rev("n1", {}, {"net"}),
                   rev("n2", {"n1"})});
  CHECK(g.trees() == Strings{"main"});
  CHECK(g.heads("main") == Strings{"a3", "n2"});
  CHECK(g.bases("main") == Strings{"a1", "n1"});
  CHECK(g.branch_points("main").empty());
  CHECK(g.children("a1") == Strings{"a2"});
  CHECK(g.ancestors("a3") == std::set<std::string>{"a1", "a2", "a3"});
  CHECK(g.descendants("n1") == std::set<std::string>{"n1", "n2"});
  CHECK(g.by_label("net").id == "n1");
  CHECK(g.is_label("cart"));
  CHECK_FALSE(g.is_label("a1"));
  Strings order;
  for (auto* r : g.topological("main")) order.push_back(r->id);
  CHECK(order == Strings{"a1", "a2", "a3", "n1", "n2"});
}

TEST_CASE("graph: a branch and its merge", "[graph]") {
  RevisionGraph g({rev("r0"), rev("b1", {"r0"}), rev("b2", {"b1"}), rev("c1", {"r0"}), rev("m1", {"b2", "c1"}),
                   rev("x1", {"m1"})});
  CHECK(g.heads("main") == Strings{"x1"});
  CHECK(g.bases("main") == Strings{"r0"});
  CHECK(g.branch_points("main") == Strings{"r0"});
  CHECK(g.children("r0") == Strings{"b1", "c1"});
  CHECK(g.normalized_parents("m1") == Strings{"b2", "c1"});
  CHECK(g.descendants("c1") == std::set<std::string>{"c1", "m1", "x1"});
  CHECK(g.ancestors("m1") == std::set<std::string>{"r0", "b1", "b2", "c1", "m1"});
}

TEST_CASE("graph: merge of merges", "[graph]") {
  RevisionGraph g({rev("r0"), rev("b1", {"r0"}), rev("c1", {"r0"}), rev("d1", {"r0"}), rev("e1", {"r0"}),
                   rev("m1", {"b1", "c1"}), rev("m2", {"d1", "e1"}), rev("m3", {"m1", "m2"})});
  CHECK(g.heads("main") == Strings{"m3"});
  CHECK(g.branch_points("main") == Strings{"r0"});
  Strings order;
  for (auto* r : g.topological("main")) order.push_back(r->id);
  CHECK(order == Strings{"r0", "b1", "c1", "d1", "e1", "m1", "m2", "m3"});
  CHECK(g.ancestors("m3").size() == 8);
}

TEST_CASE("graph: depends_on across branches", "[graph]") {
  RevisionGraph g({rev("a1", {}, {"cart"}), rev("a2", {"a1"}), rev("n1", {}, {"net"}), rev("n2", {"n1"}),
                   rev("a3", {"a2"}, {}, {"n2"})});
  // heads follow down_revisions only (Alembic): n2 stays a head although a3 depends on it.
  CHECK(g.heads("main") == Strings{"n2", "a3"});
  CHECK(g.children("n2").empty());
  CHECK(g.ancestors("a3") == std::set<std::string>{"a1", "a2", "a3", "n1", "n2"});
  CHECK(g.descendants("n1") == std::set<std::string>{"n1", "n2", "a3"});
  CHECK(g.normalized_parents("a3") == Strings{"a2", "n2"});
}

TEST_CASE("graph: normalized parents drop implied dependencies", "[graph]") {
  // a3 depends on n1, which its parent a2 already depends on (through n2): implied.
  RevisionGraph g({rev("a1"), rev("n1"), rev("n2", {"n1"}), rev("a2", {"a1"}, {}, {"n2"}),
                   rev("a3", {"a2"}, {}, {"n1"})});
  CHECK(g.normalized_parents("a3") == Strings{"a2"});
  CHECK(g.normalized_parents("a2") == Strings{"a1", "n2"});
  CHECK(g.get("a3").depends_on == Strings{"n1"});
}

TEST_CASE("graph: depends_on may name a branch label", "[graph]") {
  RevisionGraph g({rev("a1"), rev("n1", {}, {"net"}), rev("a2", {"a1"}, {}, {"net"})});
  CHECK(g.get("a2").depends_on == Strings{"n1"});
  CHECK(g.ancestors("a2").count("n1") == 1);
}

TEST_CASE("graph: several trees", "[graph]") {
  RevisionGraph g({rev("c1", {}, {}, {}, "context"), rev("m1"), rev("p1", {}, {}, {}, "alpha"),
                   rev("c2", {"c1"}, {}, {}, "context")});
  CHECK(g.trees() == Strings{"main", "alpha", "context"});
  CHECK(g.has_tree("context"));
  CHECK_FALSE(g.has_tree("nope"));
  CHECK(g.heads("context") == Strings{"c2"});
  CHECK(g.heads("main") == Strings{"m1"});
  CHECK_THROWS_AS(g.heads("nope"), UsageError);
}

TEST_CASE("graph: id lookups and prefixes", "[graph]") {
  RevisionGraph g({rev("abcd1234"), rev("abcd5678", {"abcd1234"}), rev("abce0000", {"abcd5678"})});
  CHECK(g.find("abcd1234") != nullptr);
  CHECK(g.find("abcd") == nullptr);
  CHECK(g.get("abce0000").down_revisions == Strings{"abcd5678"});
  CHECK(g.resolve_id("abce").id == "abce0000");
  CHECK(g.resolve_id("abcd12").id == "abcd1234");
  CHECK(g.resolve_id("abcd5678").id == "abcd5678");
  auto ambiguous = usage_error([&] { g.resolve_id("abcd"); });
  CHECK(ambiguous.find("ambiguous") != std::string::npos);
  CHECK(ambiguous.find("abcd1234, abcd5678") != std::string::npos);
  CHECK(usage_error([&] { g.resolve_id("abc"); }).find("at least 4") != std::string::npos);
  CHECK(usage_error([&] { g.resolve_id("ffff"); }).find("no such revision 'ffff'") != std::string::npos);
  CHECK(usage_error([&] { g.get("nope"); }).find("nope") != std::string::npos);
  CHECK(usage_error([&] { g.by_label("nope"); }).find("no such branch label 'nope'") != std::string::npos);
}

TEST_CASE("graph: invalid revision id names the origin", "[graph][validation]") {
  auto msg = graph_error({rev("a1"), rev("bad-id", {"a1"})});
  CHECK(msg.find("invalid revision id 'bad-id'") != std::string::npos);
  CHECK(msg.find("versions/main/bad-id.cpp") != std::string::npos);
  CHECK(graph_error({rev("")}).find("invalid revision id ''") != std::string::npos);
  CHECK_FALSE(graph_error({rev(std::string(33, 'a'))}).empty());
}

TEST_CASE("graph: invalid tree name", "[graph][validation]") {
  auto msg = graph_error({rev("a1", {}, {}, {}, "Main")});
  CHECK(msg.find("invalid tree name 'Main'") != std::string::npos);
  CHECK(msg.find("revision 'a1' (versions/Main/a1.cpp)") != std::string::npos);
}

TEST_CASE("graph: duplicate revision id names both origins", "[graph][validation]") {
  auto second = rev("a1");
  second.origin = "dir/x.sql:1";
  auto msg = graph_error({rev("a1"), second});
  CHECK(msg.find("duplicate revision id") != std::string::npos);
  CHECK(msg.find("dir/x.sql:1") != std::string::npos);
  CHECK(msg.find("versions/main/a1.cpp") != std::string::npos);
}

TEST_CASE("graph: unknown parent and unknown dependency", "[graph][validation]") {
  auto parent = graph_error({rev("a1"), rev("a2", {"zz9"})});
  CHECK(parent.find("revision 'a2' (versions/main/a2.cpp): unknown parent 'zz9'") != std::string::npos);
  auto dep = graph_error({rev("a1"), rev("a2", {"a1"}, {}, {"zz9"})});
  CHECK(dep.find("revision 'a2' (versions/main/a2.cpp): unknown dependency 'zz9'") != std::string::npos);
}

TEST_CASE("graph: parent or dependency in another tree", "[graph][validation]") {
  auto parent = graph_error({rev("c1", {}, {}, {}, "context"), rev("a2", {"c1"})});
  CHECK(parent.find("revision 'a2'") != std::string::npos);
  CHECK(parent.find("parent 'c1' belongs to tree 'context', not 'main'") != std::string::npos);
  auto dep = graph_error({rev("c1", {}, {}, {}, "context"), rev("a1"), rev("a2", {"a1"}, {}, {"c1"})});
  CHECK(dep.find("dependency 'c1' belongs to tree 'context', not 'main'") != std::string::npos);
}

TEST_CASE("graph: cycles name a revision on the cycle", "[graph][validation]") {
  auto msg = graph_error({rev("a0"), rev("a1", {"a0", "a3"}), rev("a2", {"a1"}), rev("a3", {"a2"}), rev("a4", {"a3"})});
  CHECK(msg.find("cycle") != std::string::npos);
  CHECK(msg.find("a1 -> a3 -> a2 -> a1") != std::string::npos);
  CHECK(msg.find("versions/main/a1.cpp") != std::string::npos);
  // through a dependency
  auto dep = graph_error({rev("a1", {}, {}, {"a2"}), rev("a2", {"a1"})});
  CHECK(dep.find("cycle") != std::string::npos);
  auto self = graph_error({rev("a1", {"a1"})});
  CHECK(self.find("revision 'a1'") != std::string::npos);
  CHECK(self.find("cycle") != std::string::npos);
}

TEST_CASE("graph: duplicate and invalid branch labels", "[graph][validation]") {
  auto dup = graph_error({rev("a1", {}, {"net"}), rev("c1", {}, {"net"}, {}, "context")});
  CHECK(dup.find("branch label 'net' already used by revision 'a1'") != std::string::npos);
  CHECK(dup.find("versions/context/c1.cpp") != std::string::npos);
  CHECK(graph_error({rev("a1", {}, {"head"})}).find("invalid branch label 'head'") != std::string::npos);
  CHECK(graph_error({rev("a1", {}, {"x@y"})}).find("invalid branch label") != std::string::npos);
  CHECK(graph_error({rev("a1", {}, {"v-1"})}).find("invalid branch label 'v-1'") != std::string::npos);
  CHECK(graph_error({rev("a1"), rev("a2", {}, {"a1"})}).find("is also a revision id") != std::string::npos);
  CHECK(graph_error({rev("a1", {}, {"my-branch.x"})}).empty());
}

TEST_CASE("graph: an empty graph has no trees", "[graph]") {
  RevisionGraph g({});
  CHECK(g.trees().empty());
  CHECK(g.find("a") == nullptr);
}
