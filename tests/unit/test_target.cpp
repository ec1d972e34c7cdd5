// Target grammar: parsing, malformed forms, and resolution of every form against graphs.
#include <catch2/catch.hpp>

#include "core/base/errors.h"
#include "core/graph/target.h"
#include "tests/support/graph_fixtures.h"

using namespace tsm;
using namespace tsm::testing;

namespace {

std::string error_of(const std::string& target) {
  try {
    parse_target(target);
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
  return RevisionGraph({rev("r0"), rev("b1", {"r0"}, {"feature"}), rev("b2", {"b1"}), rev("c1", {"r0"}),
                        rev("m1", {"b2", "c1"}), rev("x1", {"m1"})});
}

Strings dest_ids(const Destination& d) {
  Strings out;
  for (auto* r : d.revisions) out.push_back(r->id);
  return out;
}

Strings up_to(const RevisionGraph& g, const std::string& target, const Strings& rows = {}) {
  return dest_ids(resolve_upgrade_target(g, parse_target(target), "main", rows));
}
Strings down_to(const RevisionGraph& g, const std::string& target, const Strings& rows = {}) {
  return dest_ids(resolve_downgrade_target(g, parse_target(target), "main", rows));
}

template <typename Fn>
std::string usage_error(Fn fn) {
  try {
    fn();
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("target: parse every form", "[target]") {
  using K = TargetSpec::Kind;
  CHECK(parse_target("head").kind == K::head);
  CHECK(parse_target("heads").kind == K::heads);
  CHECK(parse_target("base").kind == K::base);
  auto rev_spec = parse_target("ae10");
  CHECK(rev_spec.kind == K::revision);
  CHECK(rev_spec.symbol == "ae10");
  auto label_head = parse_target("net@head");
  CHECK(label_head.kind == K::head);
  CHECK(label_head.branch == "net");
  auto label_base = parse_target("net@base");
  CHECK(label_base.kind == K::base);
  CHECK(label_base.branch == "net");
  auto plus = parse_target("+2");
  CHECK(plus.kind == K::relative);
  CHECK(plus.steps == 2);
  CHECK(plus.symbol.empty());
  CHECK(parse_target("-3").steps == -3);
  auto rel = parse_target("ae10+1");
  CHECK(rel.symbol == "ae10");
  CHECK(rel.steps == 1);
  CHECK(parse_target("ae10-2").steps == -2);
  auto label_rel = parse_target("net@-1");
  CHECK(label_rel.branch == "net");
  CHECK(label_rel.symbol.empty());
  CHECK(label_rel.steps == -1);
  CHECK(parse_target("net@+4").steps == 4);
  CHECK(parse_target("my-branch@head").branch == "my-branch");
  CHECK(parse_target("net@a2").symbol == "a2");
}

TEST_CASE("target: malformed targets are usage errors", "[target]") {
  for (const char* bad : {"", "+", "-", "-x", "abc@", "@head", "x@+y", "1:2", "head+-1", "a@b@c", "+0", "a b",
                          "++1", "heads+", "base@head", "x@", "+1x", "a,b", "héad", "-1-"}) {
    INFO("target: '" << bad << "'");
    auto msg = error_of(bad);
    CHECK(msg.find("malformed target") != std::string::npos);
  }
  CHECK(error_of("1:2").find("only valid with --sql") != std::string::npos);
  CHECK(error_of("+9999999").find("too large") != std::string::npos);
}

TEST_CASE("target: absolute forms on two bases", "[target]") {
  auto g = two_bases();
  CHECK(up_to(g, "heads") == Strings{"a3", "n2"});
  CHECK(up_to(g, "base").empty());
  CHECK(up_to(g, "a2") == Strings{"a2"});
  CHECK(up_to(g, "cart") == Strings{"a1"});        // a plain label is its revision (Alembic)
  CHECK(up_to(g, "cart@head") == Strings{"a3"});
  CHECK(up_to(g, "net@head") == Strings{"n2"});
  CHECK(up_to(g, "net@heads") == Strings{"n2"});
  CHECK(up_to(g, "net@n1") == Strings{"n1"});
  CHECK(up_to(g, "a1@head") == Strings{"a3"});     // a revision works as a branch too
  auto net_base = resolve_upgrade_target(g, parse_target("net@base"), "main", {});
  CHECK(net_base.revisions.empty());
  REQUIRE(net_base.branch);
  CHECK(net_base.branch->id == "n1");
  auto msg = usage_error([&] { up_to(g, "head"); });
  CHECK(msg == "Multiple heads are present for tree 'main': a3, n2; use 'heads' or '<label>@head'");
  CHECK(usage_error([&] { up_to(g, "net@a2"); }).find("not on the branch") != std::string::npos);
  CHECK(usage_error([&] { up_to(g, "nope"); }).find("no such revision or branch label 'nope'") != std::string::npos);
}

TEST_CASE("target: relative forms from a revision", "[target]") {
  auto g = branch_and_merge();
  CHECK(up_to(g, "b1+1") == Strings{"b2"});
  CHECK(up_to(g, "b1+2") == Strings{"m1"});
  CHECK(up_to(g, "x1-1") == Strings{"m1"});
  CHECK(up_to(g, "b2-2") == Strings{"r0"});
  CHECK(up_to(g, "b2-3").empty());                 // one below the base is base
  CHECK(down_to(g, "b1+1", {"x1"}) == Strings{"b2"});
  CHECK(up_to(g, "base+1") == Strings{"r0"});
  CHECK(up_to(g, "head-1") == Strings{"m1"});
  CHECK(up_to(g, "feature@r0+1") == Strings{"b1"});  // the branch picks the way up
  auto fork = usage_error([&] { up_to(g, "r0+1"); });
  CHECK(fork.find("ambiguous relative target 'r0+1'") != std::string::npos);
  CHECK(fork.find("b1, c1") != std::string::npos);
  CHECK(fork.find("use a revision or") != std::string::npos);
  auto merge = usage_error([&] { up_to(g, "m1-1"); });
  CHECK(merge.find("m1 is a merge of b2, c1") != std::string::npos);
  CHECK(usage_error([&] { up_to(g, "x1+1"); }).find("walks past the head") != std::string::npos);
  CHECK(usage_error([&] { up_to(g, "b2-4"); }).find("walks past the base") != std::string::npos);
}

TEST_CASE("target: relative forms from the current rows", "[target]") {
  auto g = branch_and_merge();
  CHECK(up_to(g, "+1") == Strings{"r0"});
  CHECK(usage_error([&] { up_to(g, "+1", {"r0"}); }).find("ambiguous") != std::string::npos);
  CHECK(up_to(g, "+2", {"b1"}) == Strings{"m1"});
  CHECK(up_to(g, "feature@+1", {"r0"}) == Strings{"b1"});
  CHECK(up_to(g, "feature@+1") == Strings{"r0"});
  auto several = usage_error([&] { up_to(g, "+1", {"b2", "c1"}); });
  CHECK(several.find("several current revisions (b2, c1)") != std::string::npos);
  CHECK(usage_error([&] { up_to(g, "-1", {"x1"}); }).find("use downgrade") != std::string::npos);
  CHECK(down_to(g, "-1", {"x1"}) == Strings{"m1"});
  CHECK(down_to(g, "-2", {"b2"}) == Strings{"r0"});
  CHECK(down_to(g, "-3", {"b2"}).empty());  // base
  CHECK(usage_error([&] { down_to(g, "-1", {"b2", "c1"}); }).find("several current revisions (b2, c1)") !=
        std::string::npos);
  CHECK(down_to(g, "feature@-1", {"b2", "c1"}) == Strings{"b1"});
  CHECK(usage_error([&] { down_to(g, "-1"); }).find("is applied") != std::string::npos);
  CHECK(usage_error([&] { down_to(g, "+1", {"r0"}); }).find("use upgrade") != std::string::npos);
}

TEST_CASE("target: label heads on a branch that forks", "[target]") {
  RevisionGraph g({rev("r0", {}, {"core"}), rev("b1", {"r0"}), rev("c1", {"r0"}), rev("z1")});
  auto msg = usage_error([&] { up_to(g, "core@head"); });
  CHECK(msg == "Multiple heads are present for 'core@head': b1, c1; use 'core@heads' or name one revision");
  CHECK(up_to(g, "core@heads") == Strings{"b1", "c1"});
  CHECK(usage_error([&] { down_to(g, "core@heads", {"b1", "c1"}); }).find("Multiple heads") != std::string::npos);
  CHECK(usage_error([&] { down_to(g, "heads", {"b1", "c1"}); }).find("Multiple heads are present for tree 'main'") !=
        std::string::npos);
}

TEST_CASE("target: heads skips revisions only depended on", "[target]") {
  RevisionGraph g({rev("a1"), rev("n1"), rev("a2", {"a1"}, {}, {"n1"})});
  CHECK(g.heads("main") == Strings{"n1", "a2"});
  CHECK(real_heads(g, "main") == Strings{"a2"});
  CHECK(up_to(g, "heads") == Strings{"a2"});
  CHECK(down_to(g, "heads", {"a2"}) == Strings{"a2"});
}

TEST_CASE("target: ambiguous prefix lists the candidates", "[target]") {
  RevisionGraph g({rev("abcd1234"), rev("abcd5678", {"abcd1234"})});
  auto msg = usage_error([&] { up_to(g, "abcd"); });
  CHECK(msg.find("'abcd' is ambiguous: abcd1234, abcd5678") != std::string::npos);
  CHECK(up_to(g, "abcd5") == Strings{"abcd5678"});
  CHECK(usage_error([&] { up_to(g, "abc"); }).find("at least 4 characters") != std::string::npos);
}

TEST_CASE("target: trees a target concerns", "[target]") {
  RevisionGraph g({rev("m1"), rev("m2", {"m1"}, {"mainline"}), rev("c1", {}, {}, {}, "context")});
  Strings both{"main", "context"};
  CHECK(trees_for_target(g, parse_target("head"), both) == both);
  CHECK(trees_for_target(g, parse_target("c1"), both) == Strings{"context"});
  CHECK(trees_for_target(g, parse_target("mainline@head"), both) == Strings{"main"});
  CHECK(trees_for_target(g, parse_target("m1+1"), both) == Strings{"main"});
  CHECK(trees_for_target(g, parse_target("+1"), {"context"}) == Strings{"context"});
  auto rel = usage_error([&] { trees_for_target(g, parse_target("-1"), both); });
  CHECK(rel.find("needs --tree") != std::string::npos);
  auto other = usage_error([&] { trees_for_target(g, parse_target("c1"), {"main"}); });
  CHECK(other.find("belongs to tree 'context', which is not selected") != std::string::npos);
  CHECK(usage_error([&] { trees_for_target(g, parse_target("head"), {"nope"}); }).find("unknown tree 'nope'") !=
        std::string::npos);
}
