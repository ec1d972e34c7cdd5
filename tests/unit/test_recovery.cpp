// The pure crash-safety functions: inverses, undo planning of an incomplete revision, placing
// version rows this build does not know, and matching a progress record against a rendering.
// End-to-end tests reach them only through killed processes; here each rule is pinned down.
#include <catch2/catch.hpp>

#include "core/base/errors.h"
#include "core/recovery/revision_store.h"
#include "core/recovery/undo.h"
#include "core/recovery/unknown_revisions.h"
#include "core/run/incomplete_revision.h"
#include "tests/support/graph_fixtures.h"

using namespace tsm;
using tsm::testing::rev;

namespace {

TableSpec table(const std::string& name) {
  TableSpec t;
  t.name = name;
  t.columns = {col::id("id"), col::text("body")};
  return t;
}

RenderedOp rendered(Operation op, std::size_t statements) {
  RenderedOp r{std::move(op), {}};
  for (std::size_t i = 0; i < statements; ++i) r.statements.push_back({"stmt " + std::to_string(i)});
  return r;
}

ProgressEntry ran(int index, int operation) { return {index, operation, "stmt", ""}; }

StoredRevision stored(const std::string& id, std::vector<std::string> down, std::vector<std::string> depends = {}) {
  StoredRevision s;
  s.tree = "main";
  s.revision = id;
  s.down_revisions = std::move(down);
  s.depends_on = std::move(depends);
  return s;
}

}  // namespace

TEST_CASE("recovery: every reversible operation has its exact inverse", "[recovery]") {
  auto drop = inverse_of(CreateTable{table("notes")});
  REQUIRE(drop);
  REQUIRE(std::holds_alternative<DropTable>(*drop));
  CHECK(std::get<DropTable>(*drop).name == "notes");
  REQUIRE(std::get<DropTable>(*drop).restore);  // keeps the definition, for --sql of the inverse

  auto drop_col = inverse_of(AddColumn{"notes", col::text("tag")});
  REQUIRE(drop_col);
  CHECK(std::get<DropColumn>(*drop_col).table == "notes");
  CHECK(std::get<DropColumn>(*drop_col).name == "tag");

  auto drop_ix = inverse_of(CreateIndex{IndexSpec{"ix_notes_body", "notes", {"body"}, false, ""}});
  REQUIRE(drop_ix);
  CHECK(std::get<DropIndex>(*drop_ix).name == "ix_notes_body");
  CHECK(std::get<DropIndex>(*drop_ix).table == "notes");

  auto back = inverse_of(RenameTable{"a", "b"});
  REQUIRE(back);
  CHECK(std::get<RenameTable>(*back).from == "b");
  CHECK(std::get<RenameTable>(*back).to == "a");

  FulltextSpec ft;
  ft.table = "notes";
  ft.columns = {"body"};
  auto drop_ft = inverse_of(CreateFulltext{ft});
  REQUIRE(drop_ft);
  CHECK(std::get<DropFulltext>(*drop_ft).spec.table == "notes");
}

TEST_CASE("recovery: operations that lose data or need earlier state have no inverse", "[recovery]") {
  CHECK_FALSE(inverse_of(DropTable{"notes", std::nullopt}));
  CHECK_FALSE(inverse_of(DropColumn{"notes", "body"}));
  CHECK_FALSE(inverse_of(DropIndex{"ix", "notes"}));
  CHECK_FALSE(inverse_of(AlterColumn{"notes", "body", std::nullopt, false, std::nullopt, std::nullopt}));
  CHECK_FALSE(inverse_of(Execute{std::string("UPDATE notes SET body = ''"), {}, {}}));
  CHECK_FALSE(inverse_of(BulkInsert{"notes", {"body"}, {}}));
}

TEST_CASE("recovery: plan_undo reverts the operations that ran, newest first", "[recovery]") {
  std::vector<RenderedOp> ops{rendered(CreateTable{table("a")}, 1), rendered(AddColumn{"a", col::text("x")}, 1),
                              rendered(CreateIndex{IndexSpec{"ix_a_x", "a", {"x"}, false, ""}}, 1)};
  auto undo = plan_undo("r1", ops, {ran(1, 0), ran(2, 1)});
  REQUIRE(undo.size() == 2);
  CHECK(undo[0].operation == 1);
  CHECK(std::get<DropColumn>(undo[0].inverse).name == "x");
  CHECK(undo[1].operation == 0);
  CHECK(std::get<DropTable>(undo[1].inverse).name == "a");
}

TEST_CASE("recovery: a CREATE TABLE whose indexes did not all run is still undone by the drop", "[recovery]") {
  std::vector<RenderedOp> ops{rendered(CreateTable{table("a")}, 3)};
  auto undo = plan_undo("r1", ops, {ran(1, 0)});
  REQUIRE(undo.size() == 1);
  CHECK(std::get<DropTable>(undo[0].inverse).name == "a");
}

TEST_CASE("recovery: plan_undo refuses what cannot be undone exactly", "[recovery]") {
  SECTION("an operation without an inverse ran") {
    std::vector<RenderedOp> ops{rendered(CreateTable{table("a")}, 1), rendered(DropColumn{"b", "y"}, 1)};
    CHECK_THROWS_AS(plan_undo("r1", ops, {ran(1, 0), ran(2, 1)}), AttentionError);
  }
  SECTION("a multi-statement operation ran only partly") {
    std::vector<RenderedOp> ops{rendered(AddColumn{"a", col::text("x")}, 2)};
    CHECK_THROWS_AS(plan_undo("r1", ops, {ran(1, 0)}), AttentionError);
  }
  SECTION("the record names an operation the revision does not have") {
    std::vector<RenderedOp> ops{rendered(CreateTable{table("a")}, 1)};
    try {
      plan_undo("r1", ops, {ran(1, 4)});
      FAIL("no error");
    } catch (const AttentionError& e) {
      CHECK(std::string(e.what()).find("operation 4") != std::string::npos);
    }
  }
}

TEST_CASE("recovery: a progress record resumes only against the same rendering", "[recovery]") {
  std::vector<Statement> rendering{{"CREATE TABLE a (id INT)"}, {"CREATE INDEX ix ON a (id)"}, {"ALTER TABLE a"}};
  CHECK(matches_rendering({{1, 0, "CREATE TABLE a (id INT)", ""}, {2, 0, "CREATE INDEX ix ON a (id)", ""}}, rendering));
  CHECK(matches_rendering({}, rendering));
  CHECK_FALSE(matches_rendering({{1, 0, "CREATE TABLE a (id BIGINT)", ""}}, rendering));     // the revision changed
  CHECK_FALSE(matches_rendering({{2, 0, "CREATE INDEX ix ON a (id)", ""}}, rendering));      // a gap in the record
  CHECK_FALSE(matches_rendering({{1, 0, "CREATE TABLE a (id INT)", ""}, {2, 0, "x", ""}, {3, 0, "y", ""},
                                 {4, 0, "z", ""}},
                                rendering));  // more statements than this build renders
}

TEST_CASE("recovery: unknown rows that descend from known revisions make the database 'ahead'", "[recovery]") {
  RevisionGraph g({rev("a1"), rev("a2", {"a1"})});
  std::map<std::string, StoredRevision> store{{"u1", stored("u1", {"a2"})}, {"u2", stored("u2", {"u1"})}};
  Placement p = place_rows(g, "main", {"u2"}, store);
  CHECK(p.ahead());
  CHECK(p.known_rows == std::vector<std::string>{"a2"});
  CHECK(p.unknown_ids() == std::vector<std::string>{"u2", "u1"});  // newest first
  CHECK(p.known_below.at("u2") == std::vector<std::string>{"a2"});
}

TEST_CASE("recovery: known rows under unknown ones keep only the heads", "[recovery]") {
  RevisionGraph g({rev("a1"), rev("a2", {"a1"}), rev("b1", {"a1"})});
  // u1 merges a2 and b1; a1 is below both and must not be planned with as a head.
  std::map<std::string, StoredRevision> store{{"u1", stored("u1", {"a2", "b1"})}};
  Placement p = place_rows(g, "main", {"u1", "a1"}, store);
  CHECK(p.known_rows == std::vector<std::string>{"a2", "b1"});
}

TEST_CASE("recovery: known rows are planned with as they are, one implying another too", "[recovery]") {
  // {a1, a2}: what Alembic before 1.13.1 can leave (its bug #1373); the plan's first step repairs it.
  RevisionGraph g({rev("a1"), rev("a2", {"a1"}), rev("a3", {"a2"})});
  Placement p = place_rows(g, "main", {"a2", "a1"}, {});
  CHECK_FALSE(p.ahead());
  CHECK(p.known_rows == std::vector<std::string>{"a1", "a2"});
}

TEST_CASE("recovery: rows that cannot be placed are exit 5, naming them", "[recovery]") {
  RevisionGraph g({rev("a1")});
  SECTION("missing from the store") {
    try {
      place_rows(g, "main", {"zz99"}, {});
      FAIL("no error");
    } catch (const AttentionError& e) {
      CHECK(std::string(e.what()).find("zz99 (not in turnstone_migrate_revisions)") != std::string::npos);
    }
  }
  SECTION("on a branch that does not reach this build's revisions") {
    std::map<std::string, StoredRevision> store{{"x1", stored("x1", {})}, {"x2", stored("x2", {"x1"})}};
    try {
      place_rows(g, "main", {"x2"}, store);
      FAIL("no error");
    } catch (const AttentionError& e) {
      CHECK(std::string(e.what()).find("does not descend") != std::string::npos);
    }
  }
  SECTION("stored edges that lead back to a revision (found by fuzz_version_rows)") {
    // u1 -> u2 -> u1, u2 also on a1: placed, u1 came before its own parent u2 in the revert order.
    std::map<std::string, StoredRevision> store{{"u1", stored("u1", {"u2"}, {"u1"})}, {"u2", stored("u2", {"u1"}, {"a1"})}};
    try {
      place_rows(g, "main", {"u1"}, store);
      FAIL("no error");
    } catch (const AttentionError& e) {
      CHECK(std::string(e.what()).find("u1 (its stored parents lead back to it)") != std::string::npos);
    }
    std::map<std::string, StoredRevision> self{{"u3", stored("u3", {"a1"}, {"u3"})}};
    CHECK_THROWS_AS(place_rows(g, "main", {"u3"}, self), AttentionError);
  }
  SECTION("a dependency counts as a way down") {
    std::map<std::string, StoredRevision> store{{"x1", stored("x1", {}, {"a1"})}};
    Placement p = place_rows(g, "main", {"x1"}, store);
    CHECK(p.known_rows == std::vector<std::string>{"a1"});
  }
}

TEST_CASE("recovery: revision store rows read with NULL as empty, the last row of an id winning", "[recovery]") {
  const std::string drop = R"([{"sql":"DROP TABLE t","in_transaction":true,"edge":"none"}])";
  auto store = stored_revisions_from_rows(
      "main", {{std::string("u1"), std::string("a2,b1"), std::string("c1"), std::string("msg"), drop,
                std::string("2030-01-01 00:00:00")},
               {std::string("u2"), std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt},
               {std::string("u2"), std::string("u1,,"), std::string(""), std::string("again"), std::string("[]"),
                std::nullopt}});
  REQUIRE(store.size() == 2);
  const StoredRevision& u1 = store.at("u1");
  CHECK(u1.tree == "main");
  CHECK(u1.down_revisions == std::vector<std::string>{"a2", "b1"});
  CHECK(u1.depends_on == std::vector<std::string>{"c1"});
  CHECK(u1.message == "msg");
  REQUIRE(u1.downgrade.size() == 1);
  CHECK(u1.downgrade[0].sql == "DROP TABLE t");
  CHECK(u1.applied_at == "2030-01-01 00:00:00");
  const StoredRevision& u2 = store.at("u2");
  CHECK(u2.down_revisions == std::vector<std::string>{"u1"});  // empty items of the list are skipped
  CHECK(u2.message == "again");
  CHECK(u2.downgrade.empty());
  CHECK_THROWS_AS(stored_revisions_from_rows("main", {{std::string("u3"), std::nullopt, std::nullopt, std::nullopt,
                                                       std::string("[{\"sql\":1}]"), std::nullopt}}),
                  AttentionError);
}
