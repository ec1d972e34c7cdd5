#include <catch2/catch.hpp>

#include "core/base/errors.h"
#include "core/model/ops.h"

using namespace tsm;

TEST_CASE("ops: column factories set type, key and nullability", "[ops]") {
  Column id = col::id("id");
  CHECK(id.name == "id");
  CHECK(id.type == ColumnType{TypeKind::big_integer, 0});
  CHECK(id.autoincrement);
  CHECK(id.primary_key);
  CHECK_FALSE(id.nullable);

  Column sev = col::string("severity", 16).not_null().default_value(std::string("info"));
  CHECK(sev.type == ColumnType{TypeKind::string, 16});
  CHECK_FALSE(sev.nullable);
  CHECK_FALSE(sev.primary_key);
  REQUIRE(sev.server_default.has_value());
  CHECK(std::get<std::string>(*sev.server_default) == "info");

  CHECK(col::integer("n").type.kind == TypeKind::integer);
  CHECK(col::big_integer("n").type.kind == TypeKind::big_integer);
  CHECK(col::boolean("n").type.kind == TypeKind::boolean);
  CHECK(col::real("n").type.kind == TypeKind::real);
  CHECK(col::double_("n").type.kind == TypeKind::double_);
  CHECK(col::text("n").type.kind == TypeKind::text);
  CHECK(col::timestamp("n").default_now().server_default == std::optional<DefaultValue>(CurrentTimestamp{}));
  CHECK(col::date("n").type.kind == TypeKind::date);
  CHECK(col::blob("n").type.kind == TypeKind::blob);
  CHECK(col::json("n").type.kind == TypeKind::json);
  CHECK(col::text("n").nullable);
}

TEST_CASE("ops: types and dialect names", "[ops]") {
  CHECK(std::string(dialect_name(DialectKind::sqlite)) == "sqlite");
  CHECK(std::string(dialect_name(DialectKind::postgresql)) == "postgresql");
  CHECK(std::string(dialect_name(DialectKind::mariadb)) == "mariadb");
  CHECK(parse_dialect("sqlite") == std::optional<DialectKind>(DialectKind::sqlite));
  CHECK(parse_dialect("postgres") == std::optional<DialectKind>(DialectKind::postgresql));
  CHECK(parse_dialect("postgresql") == std::optional<DialectKind>(DialectKind::postgresql));
  CHECK(parse_dialect("mysql") == std::optional<DialectKind>(DialectKind::mariadb));
  CHECK(parse_dialect("mariadb") == std::optional<DialectKind>(DialectKind::mariadb));
  CHECK_FALSE(parse_dialect("oracle").has_value());
  CHECK_FALSE(parse_dialect("SQLite").has_value());
  CHECK(std::string(type_name(TypeKind::big_integer)) == "big_integer");
  CHECK(std::string(type_name(TypeKind::double_)) == "double");
  CHECK(std::string(type_name(TypeKind::json)) == "json");
}

TEST_CASE("ops: the builder records operations in order", "[ops]") {
  Ops op;
  op.create_table("incidents", {col::id("id"), col::text("title").not_null()});
  op.create_table("incident_links", {col::big_integer("incident_id").not_null(), col::big_integer("entry_id").not_null()},
                  [](TableSpec& t) {
                    t.primary_key = {"incident_id", "entry_id"};
                    t.foreign_keys.push_back({{"incident_id"}, "incidents", {"id"}, FkAction::cascade, ""});
                    t.checks.push_back({"entry_id > 0", "ck_entry"});
                  });
  op.add_column("incidents", col::double_("ml_score"));
  op.create_index("idx_incidents_title", "incidents", {"title"}, true);
  op.drop_table("incident_links");

  const auto& ops = op.operations();
  REQUIRE(ops.size() == 5);
  const auto& links = std::get<CreateTable>(ops[1]).table;
  CHECK(links.name == "incident_links");
  CHECK(links.columns.size() == 2);
  CHECK(links.primary_key == std::vector<std::string>{"incident_id", "entry_id"});
  REQUIRE(links.foreign_keys.size() == 1);
  CHECK(links.foreign_keys[0].on_delete == FkAction::cascade);
  CHECK(links.checks.at(0).name == "ck_entry");
  CHECK(std::get<AddColumn>(ops[2]).column.name == "ml_score");
  CHECK(std::get<CreateIndex>(ops[3]).index.unique);
  const auto& drop = std::get<DropTable>(ops[4]);
  CHECK(drop.name == "incident_links");
  CHECK_FALSE(drop.restore.has_value());
}

TEST_CASE("ops: describe gives one line per operation", "[ops]") {
  Ops op;
  op.create_table("log_entries", {col::id("id")});
  op.add_column("log_entries", col::double_("ml_score"));
  op.drop_column("log_entries", "ml_score");
  op.alter_column(AlterColumn{"log_entries", "severity", ColumnType{TypeKind::string, 16}, false, std::nullopt, "level"});
  op.alter_column(AlterColumn{"log_entries", "level", std::nullopt, std::nullopt,
                              AlterColumn::drop_default(), std::nullopt});
  op.rename_table("log_entries", "entries");
  op.create_index("idx_entries_ts", "entries", {"ts", "source"});
  op.drop_index("idx_entries_ts", "entries");
  op.create_fulltext("entries", {"message", "source"});
  op.drop_fulltext("entries", {"message"});
  op.add_foreign_key("detections", ForeignKey{{"entry_id"}, "entries", {"id"}, FkAction::cascade, ""});
  op.add_check("entries", CheckConstraint{"severity <> ''", "ck_severity"});
  op.execute("CREATE VIEW recent AS\n  SELECT * FROM entries");
  op.execute({{DialectKind::postgresql, "VACUUM ANALYZE entries"}});
  op.bulk_insert("entries", {"id"}, {{std::int64_t{1}}, {std::int64_t{2}}});
  op.drop_table("entries");

  std::vector<std::string> lines;
  for (const auto& o : op.operations()) lines.push_back(describe(o));
  CHECK(lines == std::vector<std::string>{
                     "create_table log_entries",
                     "add_column log_entries.ml_score",
                     "drop_column log_entries.ml_score",
                     "alter_column log_entries.severity (type string(16), not null, rename to level)",
                     "alter_column log_entries.level (default dropped)",
                     "rename_table log_entries to entries",
                     "create_index idx_entries_ts on entries (ts, source)",
                     "drop_index idx_entries_ts on entries",
                     "create_fulltext entries (message, source)",
                     "drop_fulltext entries (message)",
                     "add_foreign_key detections (entry_id) -> entries (id)",
                     "add_check entries ck_severity",
                     "execute CREATE VIEW recent AS",
                     "execute [postgresql] VACUUM ANALYZE entries",
                     "bulk_insert entries (2 rows)",
                     "drop_table entries",
                 });
  Execute long_sql;
  long_sql.generic = std::string(100, 'x');
  CHECK(describe(long_sql) == "execute " + std::string(60, 'x') + "...");
}

TEST_CASE("ops: Execute picks the dialect text, then the generic one, and honours skip", "[ops]") {
  Execute e;
  e.generic = "SELECT 1";
  e.per_dialect[DialectKind::mariadb] = "SELECT 2";
  CHECK(e.for_dialect(DialectKind::sqlite) == std::optional<std::string>("SELECT 1"));
  CHECK(e.for_dialect(DialectKind::mariadb) == std::optional<std::string>("SELECT 2"));
  e.skip = {DialectKind::postgresql};
  CHECK(e.skips(DialectKind::postgresql));
  CHECK_FALSE(e.skips(DialectKind::sqlite));
  CHECK_FALSE(e.for_dialect(DialectKind::postgresql).has_value());

  Execute only_pg;
  only_pg.per_dialect[DialectKind::postgresql] = "SELECT 3";
  CHECK_FALSE(only_pg.for_dialect(DialectKind::sqlite).has_value());
  CHECK_FALSE(only_pg.skips(DialectKind::sqlite));  // no SQL and not skipped: a render error
}

TEST_CASE("ops: an Execute without SQL is refused when recorded", "[ops]") {
  Ops op;
  CHECK_THROWS_WITH(op.execute(std::map<DialectKind, std::string>{}),
                    "execute: no SQL given (neither generic nor for any dialect)");
  CHECK_THROWS_WITH(op.execute("  \n"), "execute: the SQL text is empty");
  CHECK_THROWS_WITH(op.execute({{DialectKind::sqlite, ""}}), "execute: the sqlite SQL text is empty");
  CHECK_THROWS_AS(op.execute_statement(Execute{}), UsageError);
  CHECK(op.operations().empty());

  Execute skipped;
  skipped.generic = "SELECT 1";
  skipped.skip = {DialectKind::sqlite};
  op.execute_statement(skipped);
  REQUIRE(op.operations().size() == 1);
  CHECK(std::get<Execute>(op.operations()[0]).skips(DialectKind::sqlite));
}
