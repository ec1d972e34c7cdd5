#include <catch2/catch.hpp>

#include "core/base/errors.h"
#include "core/model/schema.h"

using namespace tsm;

namespace {
Schema replay(const Ops& op, Schema s = {}) {
  for (const auto& o : op.operations()) s.apply(o);
  return s;
}

std::vector<std::string> column_names(const Schema& s, const std::string& table) {
  std::vector<std::string> names;
  for (const auto& c : s.table(table)->spec.columns) names.push_back(c.name);
  return names;
}

// Two tables with every kind of dependent object on log_entries.severity and .id.
Schema base_schema() {
  Ops op;
  op.create_table("log_entries", {col::id("id"), col::text("message").not_null(), col::string("severity", 16)},
                  [](TableSpec& t) { t.uniques.push_back({{"message", "severity"}, "uq_msg_sev"}); });
  op.create_table("detections", {col::id("id"), col::big_integer("entry_id").not_null(), col::text("scorer")},
                  [](TableSpec& t) {
                    t.foreign_keys.push_back({{"entry_id"}, "log_entries", {"id"}, FkAction::cascade, "fk_det_entry"});
                  });
  op.create_index("idx_log_entries_severity", "log_entries", {"severity", "id"});
  op.create_fulltext("log_entries", {"message", "severity"});
  return replay(op);
}

std::string apply_error(Schema s, const Operation& op) {
  try {
    s.apply(op);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST_CASE("schema: create, add, alter and drop build the expected model", "[schema]") {
  Schema s = base_schema();
  REQUIRE(s.table("log_entries"));
  CHECK(column_names(s, "log_entries") == std::vector<std::string>{"id", "message", "severity"});
  CHECK(s.table("log_entries")->indexes.at(0).name == "idx_log_entries_severity");
  CHECK(s.table("log_entries")->fulltexts.size() == 1);

  Ops op;
  op.add_column("log_entries", col::double_("ml_score"));
  op.alter_column(AlterColumn{"log_entries", "severity", ColumnType{TypeKind::string, 32}, false,
                              std::optional<DefaultValue>(std::string("info")), std::nullopt});
  op.execute("UPDATE log_entries SET severity = 'info'");
  op.bulk_insert("log_entries", {"id"}, {{std::int64_t{1}}});
  s = replay(op, s);
  CHECK(column_names(s, "log_entries") == std::vector<std::string>{"id", "message", "severity", "ml_score"});
  const Column* sev = s.column("log_entries", "severity");
  REQUIRE(sev);
  CHECK(sev->type == ColumnType{TypeKind::string, 32});
  CHECK_FALSE(sev->nullable);
  CHECK(sev->server_default == std::optional<DefaultValue>(std::string("info")));

  Ops drop_default;
  drop_default.alter_column(AlterColumn{"log_entries", "severity", std::nullopt, true,
                                        AlterColumn::drop_default(), std::nullopt});
  drop_default.drop_column("log_entries", "ml_score");
  s = replay(drop_default, s);
  CHECK(s.column("log_entries", "severity")->nullable);
  CHECK_FALSE(s.column("log_entries", "severity")->server_default.has_value());
  CHECK(s.column("log_entries", "ml_score") == nullptr);

  Ops teardown;
  teardown.drop_index("idx_log_entries_severity", "log_entries");
  teardown.drop_fulltext("log_entries", {"message", "severity"});
  teardown.add_check("detections", CheckConstraint{"scorer <> ''", "ck_scorer"});
  teardown.drop_table("detections");
  teardown.drop_table("log_entries");
  s = replay(teardown, s);
  CHECK(s.tables.empty());
}

TEST_CASE("schema: renaming a column renames it everywhere it is used", "[schema]") {
  Schema s = base_schema();
  s.apply(AlterColumn{"log_entries", "severity", std::nullopt, std::nullopt, std::nullopt, "level"});
  s.apply(AlterColumn{"log_entries", "id", std::nullopt, std::nullopt, std::nullopt, "entry_id"});
  const TableModel& t = *s.table("log_entries");
  CHECK(column_names(s, "log_entries") == std::vector<std::string>{"entry_id", "message", "level"});
  CHECK(t.indexes.at(0).columns == std::vector<std::string>{"level", "entry_id"});
  CHECK(t.spec.uniques.at(0).columns == std::vector<std::string>{"message", "level"});
  CHECK(t.fulltexts.at(0).columns == std::vector<std::string>{"message", "level"});
  CHECK(t.fulltexts.at(0).key_column == "entry_id");
  CHECK(s.table("detections")->spec.foreign_keys.at(0).ref_columns == std::vector<std::string>{"entry_id"});

  // A composite primary key follows its columns too.
  Ops op;
  op.create_table("pairs", {col::integer("a"), col::integer("b")}, [](TableSpec& t) { t.primary_key = {"a", "b"}; });
  s = replay(op, s);
  s.apply(AlterColumn{"pairs", "b", std::nullopt, std::nullopt, std::nullopt, "c"});
  CHECK(s.table("pairs")->spec.primary_key == std::vector<std::string>{"a", "c"});
}

TEST_CASE("schema: renaming a table moves indexes, fulltext and references", "[schema]") {
  Schema s = base_schema();
  s.apply(RenameTable{"log_entries", "entries"});
  CHECK(s.table("log_entries") == nullptr);
  const TableModel* t = s.table("entries");
  REQUIRE(t);
  CHECK(t->spec.name == "entries");
  CHECK(t->indexes.at(0).table == "entries");
  CHECK(t->fulltexts.at(0).table == "entries");
  CHECK(s.table("detections")->spec.foreign_keys.at(0).ref_table == "entries");
}

TEST_CASE("schema: impossible operations are refused with a clear message", "[schema]") {
  Schema s = base_schema();
  struct Case {
    Operation op;
    std::string message;
  };
  std::vector<Case> cases = {
      {CreateTable{TableSpec{"log_entries", {col::id("id")}, {}, {}, {}, {}}},
       "create_table log_entries: table log_entries already exists"},
      {CreateTable{TableSpec{"t", {col::id("id"), col::text("id")}, {}, {}, {}, {}}},
       "create_table t: column id is given twice"},
      {CreateTable{TableSpec{"t", {col::integer("a")}, {"b"}, {}, {}, {}}},
       "create_table t: primary key names column b, which does not exist"},
      {CreateTable{TableSpec{"t", {col::integer("a")}, {}, {}, {}, {{{"a"}, "nowhere", {"id"}, FkAction::no_action, ""}}}},
       "create_table t: table nowhere does not exist"},
      {DropTable{"nope", std::nullopt}, "drop_table nope: table nope does not exist"},
      {DropTable{"log_entries", std::nullopt},
       "drop_table log_entries: table detections still has a foreign key to it (drop that first)"},
      {AddColumn{"log_entries", col::text("message")}, "add_column log_entries.message: column log_entries.message already exists"},
      {AddColumn{"nope", col::text("x")}, "add_column nope.x: table nope does not exist"},
      {DropColumn{"log_entries", "nope"}, "drop_column log_entries.nope: column log_entries.nope does not exist"},
      {DropColumn{"log_entries", "severity"},
       "drop_column log_entries.severity: the column is still used by index idx_log_entries_severity (drop it first)"},
      {DropColumn{"detections", "entry_id"},
       "drop_column detections.entry_id: the column is still used by a foreign key to log_entries (drop it first)"},
      {AlterColumn{"log_entries", "nope", std::nullopt, false, std::nullopt, std::nullopt},
       "alter_column log_entries.nope (not null): column log_entries.nope does not exist"},
      {AlterColumn{"log_entries", "severity", std::nullopt, std::nullopt, std::nullopt, "message"},
       "alter_column log_entries.severity (rename to message): column log_entries.message already exists"},
      {RenameTable{"log_entries", "detections"}, "rename_table log_entries to detections: table detections already exists"},
      {RenameTable{"nope", "x"}, "rename_table nope to x: table nope does not exist"},
      {CreateIndex{IndexSpec{"idx_log_entries_severity", "detections", {"scorer"}, false, ""}},
       "create_index idx_log_entries_severity on detections (scorer): index idx_log_entries_severity already exists"},
      {CreateIndex{IndexSpec{"idx_x", "detections", {"nope"}, false, ""}},
       "create_index idx_x on detections (nope): the index names column detections.nope, which does not exist"},
      {DropIndex{"idx_nope", "log_entries"}, "drop_index idx_nope on log_entries: index idx_nope does not exist"},
      {DropIndex{"idx_log_entries_severity", "detections"},
       "drop_index idx_log_entries_severity on detections: index idx_log_entries_severity does not exist"},
      {CreateFulltext{FulltextSpec{"log_entries", {"message"}, "id", {}}},
       "create_fulltext log_entries (message): table log_entries already has a fulltext index"},
      {CreateFulltext{FulltextSpec{"detections", {"scorer"}, "rowid_x", {}}},
       "create_fulltext detections (scorer): key column detections.rowid_x does not exist"},
      {DropFulltext{FulltextSpec{"detections", {"scorer"}, "id", {}}},
       "drop_fulltext detections (scorer): table detections has no fulltext index"},
      {AddForeignKey{"detections", ForeignKey{{"entry_id"}, "log_entries", {"id", "message"}, FkAction::no_action, ""}},
       "add_foreign_key detections (entry_id) -> log_entries (id, message): foreign key (entry_id) -> log_entries (id, "
       "message) has unequal column counts"},
      {AddForeignKey{"detections", ForeignKey{{"entry_id"}, "log_entries", {"id"}, FkAction::no_action, "fk_det_entry"}},
       "add_foreign_key detections (entry_id) -> log_entries (id): foreign key fk_det_entry already exists"},
      {AddCheck{"nope", CheckConstraint{"1 = 1", ""}}, "add_check nope: table nope does not exist"},
  };
  for (const auto& c : cases) {
    INFO(describe(c.op));
    CHECK(apply_error(s, c.op) == c.message);
  }
}

TEST_CASE("schema: a self-referencing table and Execute leave the model consistent", "[schema]") {
  Schema s;
  s.apply(CreateTable{TableSpec{"nodes",
                                {col::id("id"), col::big_integer("parent_id")},
                                {},
                                {},
                                {},
                                {{{"parent_id"}, "nodes", {"id"}, FkAction::set_null, ""}}}});
  REQUIRE(s.table("nodes"));
  Schema before = s;
  s.apply(Execute{std::string("DELETE FROM nodes"), {}, {}});
  CHECK(s.tables.size() == before.tables.size());
  s.apply(AlterColumn{"nodes", "id", std::nullopt, std::nullopt, std::nullopt, "node_id"});
  CHECK(s.table("nodes")->spec.foreign_keys.at(0).ref_columns == std::vector<std::string>{"node_id"});
  s.apply(DropTable{"nodes", std::nullopt});  // its own foreign key does not block the drop
  CHECK(s.tables.empty());
}

namespace {
TableDescription log_entries_description() {
  TableDescription t;
  t.name = "log_entries";
  t.columns = {{"id", "bigint", false, ""}, {"message", "text", false, ""}, {"severity", "varchar(16)", true, "'info'"}};
  t.primary_key = {"id"};
  t.indexes = {{"idx_log_entries_severity", {"severity"}, false}, {"idx_log_entries_ts", {"id"}, true}};
  t.foreign_keys = {{{"source_id"}, "sources", {"id"}, "CASCADE"}};
  t.fulltext_objects = {"log_entries_ai", "log_entries_au", "log_entries_fts"};
  return t;
}
}  // namespace

TEST_CASE("schema: diff of identical descriptions is empty", "[schema]") {
  SchemaDescription a;
  a.tables["log_entries"] = log_entries_description();
  CHECK(diff(a, a).empty());
}

TEST_CASE("schema: diff lists every difference in a fixed order", "[schema]") {
  SchemaDescription expected, live;
  expected.tables["log_entries"] = log_entries_description();
  expected.tables["incidents"].name = "incidents";
  expected.tables["incidents"].columns = {{"id", "bigint", false, ""}};
  live.tables["scratch"].name = "scratch";

  TableDescription l = log_entries_description();
  l.columns = {{"message", "text", false, ""},
               {"id", "integer", false, ""},
               {"severity", "text", false, ""},
               {"extra", "text", true, ""}};
  l.primary_key = {"id", "message"};
  l.indexes = {{"idx_log_entries_ts", {"id", "message"}, false}, {"idx_other", {"message"}, false}};
  l.foreign_keys = {{{"source_id"}, "sources", {"id"}, "NO ACTION"}, {{"message"}, "x", {"y"}, "CASCADE"}};
  l.fulltext_objects = {"log_entries_ai", "log_entries_fts", "log_entries_zz"};
  live.tables["log_entries"] = l;

  CHECK(diff(expected, live) == std::vector<std::string>{
                                    "table incidents missing",
                                    "table scratch not expected",
                                    "log_entries: column extra not expected",
                                    "log_entries: column id type integer, expected bigint",
                                    "log_entries: column severity type text, expected varchar(16)",
                                    "log_entries: column severity not null, expected nullable",
                                    "log_entries: column severity default none, expected 'info'",
                                    "log_entries: column order (message, id, severity), expected (id, message, severity)",
                                    "log_entries: primary key (id, message), expected (id)",
                                    "log_entries: index idx_log_entries_severity missing",
                                    "log_entries: index idx_log_entries_ts on (id, message), expected (id)",
                                    "log_entries: index idx_log_entries_ts not unique, expected unique",
                                    "log_entries: index idx_other not expected",
                                    "log_entries: foreign key (source_id) -> sources (id) on delete NO ACTION, expected CASCADE",
                                    "log_entries: foreign key (message) -> x (y) not expected",
                                    "log_entries: fulltext object log_entries_au missing",
                                    "log_entries: fulltext object log_entries_zz not expected",
                                });

  // A missing column shows as missing, not as an order change.
  SchemaDescription fewer = expected;
  fewer.tables.erase("incidents");
  auto& cols = fewer.tables["log_entries"].columns;
  SchemaDescription full = fewer;
  cols.erase(cols.begin() + 1);
  CHECK(diff(full, fewer) == std::vector<std::string>{"log_entries: column message missing"});
}
