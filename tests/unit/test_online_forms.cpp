// Which statements of a step keep their online form (core/run/online_forms.h). Regression: a
// PostgreSQL step that created/renamed tables and also built an index CONCURRENTLY committed in
// pieces; killed between them, its rerun failed on "relation … already exists" (found by
// bench/copy/trials during `copy`, revision c294fa374961 of the context tree).
#include <catch2/catch.hpp>

#include <set>
#include <string>

#include "core/dialect.h"
#include "core/model/schema.h"
#include "core/run/online_forms.h"

using namespace tsm;

namespace {

Schema with_events() {
  TableSpec t;
  t.name = "events";
  t.columns = {col::id("id"), col::text("message").not_null()};
  Schema s;
  s.apply(CreateTable{t});
  return s;
}

std::vector<Statement> rendered(const std::vector<Operation>& ops, bool single = false,
                                const std::set<std::string>& created_earlier = {}, Schema schema = with_events()) {
  const Dialect& pg = dialect_for(DialectKind::postgresql);
  std::vector<Statement> out;
  for (const auto& op : ops) {
    for (auto& st : pg.render(op, schema)) out.push_back(st);
    schema.apply(op);
  }
  settle_online_forms(ops, out, single, created_earlier);
  return out;
}

bool any_outside_transaction(const std::vector<Statement>& statements) {
  for (const auto& st : statements)
    if (!st.in_transaction) return true;
  return false;
}

bool mentions(const std::vector<Statement>& statements, const std::string& text) {
  for (const auto& st : statements)
    if (st.sql.find(text) != std::string::npos) return true;
  return false;
}

const CreateIndex kIndex{IndexSpec{"ix_events_message", "events", {"message"}, false, ""}};

}  // namespace

TEST_CASE("online forms: an index alone, or with other rerunnable operations, is built concurrently",
          "[online][unit]") {
  auto alone = rendered({kIndex});
  CHECK(any_outside_transaction(alone));
  CHECK(mentions(alone, "CREATE INDEX CONCURRENTLY"));
  auto with_column = rendered({AddColumn{"events", col::text("host")}, kIndex});
  CHECK(mentions(with_column, "CREATE INDEX CONCURRENTLY"));
  CHECK(rerunnable_in_pieces({AddColumn{"events", col::text("host")}, kIndex, DropIndex{"ix_old", "events"}}));
}

TEST_CASE("online forms: a step that creates, drops or renames a table stays one transaction", "[online][unit]") {
  TableSpec next;
  next.name = "events_next";
  next.columns = {col::id("id"), col::text("message").not_null()};
  for (const auto& other : std::vector<Operation>{CreateTable{next}, RenameTable{"events", "events_old"},
                                                  Execute{std::string("SELECT 1"), {}, {}},
                                                  AlterColumn{"events", "message", std::nullopt, std::nullopt,
                                                              std::nullopt, std::string("msg")}}) {
    INFO(describe(other));
    CHECK_FALSE(rerunnable_in_pieces({other, kIndex}));
  }
  auto atomic = rendered({kIndex, CreateTable{next}});
  CHECK_FALSE(any_outside_transaction(atomic));
  CHECK_FALSE(mentions(atomic, "CONCURRENTLY"));
  CHECK(mentions(atomic, "CREATE INDEX \"ix_events_message\""));
}

TEST_CASE("online forms: --single-transaction and tables of the same step take the plain forms", "[online][unit]") {
  CHECK_FALSE(any_outside_transaction(rendered({kIndex}, /*single=*/true)));
  TableSpec fresh;
  fresh.name = "fresh";
  fresh.columns = {col::id("id"), col::text("note")};
  // Rerunnable on its own terms would not matter: the table is new, nobody waits on it.
  auto same_step = rendered({CreateTable{fresh}, CreateIndex{IndexSpec{"ix_fresh_note", "fresh", {"note"}, false, ""}}});
  CHECK_FALSE(any_outside_transaction(same_step));
}

TEST_CASE("online forms: a table an earlier step of the same run created takes the plain forms", "[online][unit]") {
  // Regression (bench/tenants): base -> head on 120 new PostgreSQL schemas with --jobs 4 built
  // every index of 0002/0008 CONCURRENTLY on tables created minutes before, and each build waited
  // for the other workers' transactions in the same database.
  auto earlier = rendered({kIndex}, false, {"events"});
  CHECK_FALSE(any_outside_transaction(earlier));
  CHECK(mentions(earlier, "CREATE INDEX \"ix_events_message\""));
  CHECK_FALSE(mentions(earlier, "CONCURRENTLY"));
  // Another table of the run does not change an index on an old one.
  CHECK(mentions(rendered({kIndex}, false, {"incidents"}), "CREATE INDEX CONCURRENTLY"));
}

TEST_CASE("online forms: a step that also touches an older table, or backfills, keeps its online forms",
          "[online][unit]") {
  // Plain, the index on the new table would be built inside the transaction that holds the old
  // table's lock (review of the rule above).
  const CreateIndex on_new{IndexSpec{"ix_fresh_note", "fresh", {"note"}, false, ""}};
  const Schema base = [] {
    Schema s = with_events();
    TableSpec fresh;
    fresh.name = "fresh";
    fresh.columns = {col::id("id"), col::text("note")};
    s.apply(CreateTable{fresh});
    return s;
  }();
  auto render = [&](const std::vector<Operation>& ops, const std::set<std::string>& earlier) {
    return rendered(ops, false, earlier, base);
  };
  CHECK_FALSE(any_outside_transaction(render({on_new}, {"fresh"})));
  auto mixed = render({AddColumn{"events", col::text("host")}, on_new}, {"fresh"});
  CHECK(mentions(mixed, "CREATE INDEX CONCURRENTLY \"ix_fresh_note\""));
  // A foreign key onto an older table counts as touching it.
  auto fk = render({AddForeignKey{"fresh", ForeignKey{{"id"}, "events", {"id"}, FkAction::no_action, ""}}}, {"fresh"});
  CHECK(any_outside_transaction(fk));
  // A backfill keeps its batches, even on a new table.
  BackfillOptions o;
  auto backfill = render({Backfill{"fresh", "note = 'x'", o}}, {"fresh"});
  REQUIRE(backfill.size() == 1);
  CHECK(backfill[0].batched.has_value());
}

TEST_CASE("online forms: the run's new tables follow creates, drops and renames", "[online][unit]") {
  TableSpec a;
  a.name = "a_next";
  a.columns = {col::id("id")};
  TableSpec b;
  b.name = "b";
  b.columns = {col::id("id")};
  NewTables tables;
  tables.after_step({CreateTable{a}, CreateTable{b}});
  CHECK(tables.names() == std::set<std::string>{"a_next", "b"});
  // Renamed onto the name writers use (a table swap): no longer new, under either name.
  tables.after_step({RenameTable{"a_next", "a"}});
  CHECK(tables.names() == std::set<std::string>{"b"});
  tables.after_step({DropTable{"b", std::nullopt}});
  CHECK(tables.names().empty());
}
