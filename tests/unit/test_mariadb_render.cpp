// MariaDB rendering without a server: exact SQL per operation, quoting, literals, limits.
#include <catch2/catch.hpp>

#include "core/dialect.h"
#include "core/base/errors.h"
#include "core/model/schema.h"

using namespace tsm;

namespace {

const Dialect& maria() { return dialect_for(DialectKind::mariadb); }

std::vector<std::string> sql_of(const Operation& op, const Schema& before = {}) {
  std::vector<std::string> out;
  for (const auto& s : maria().render(op, before)) out.push_back(s.sql);
  return out;
}

std::string one(const Operation& op, const Schema& before = {}) {
  auto all = sql_of(op, before);
  REQUIRE(all.size() == 1);
  return all[0];
}

TableSpec log_entries() {
  TableSpec t;
  t.name = "log_entries";
  t.columns = {col::id("id"),
               col::text("source_id").not_null(),
               col::timestamp("timestamp").not_null(),
               col::text("severity").not_null().default_value(std::string("INFO")),
               col::json("matched_patterns").not_null().default_value(std::string("[]")),
               col::double_("score").default_value(1.0),
               col::boolean("acknowledged").not_null().default_value(false),
               col::timestamp("ingested_at").not_null().default_now()};
  return t;
}

Schema schema_with(const std::vector<Operation>& ops) {
  Schema s;
  for (const auto& op : ops) s.apply(op);
  return s;
}

}  // namespace

TEST_CASE("mariadb create_table renders InnoDB utf8mb4 DDL with portable types", "[mariadb][render]") {
  CHECK(one(CreateTable{log_entries()}) ==
        "CREATE TABLE `log_entries` (\n"
        "  `id` BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,\n"
        "  `source_id` LONGTEXT NOT NULL,\n"
        "  `timestamp` DATETIME(6) NOT NULL,\n"
        "  `severity` LONGTEXT NOT NULL DEFAULT ('INFO'),\n"
        "  `matched_patterns` JSON NOT NULL DEFAULT ('[]'),\n"
        "  `score` DOUBLE NULL DEFAULT 1,\n"
        "  `acknowledged` TINYINT(1) NOT NULL DEFAULT 0,\n"
        "  `ingested_at` DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)\n"
        ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4");
}

TEST_CASE("mariadb native types", "[mariadb][render]") {
  const Dialect& d = maria();
  CHECK(d.native_type({TypeKind::integer}) == "INT");
  CHECK(d.native_type({TypeKind::big_integer}) == "BIGINT");
  CHECK(d.native_type({TypeKind::boolean}) == "TINYINT(1)");
  CHECK(d.native_type({TypeKind::real}) == "DOUBLE");
  CHECK(d.native_type({TypeKind::double_}) == "DOUBLE");
  CHECK(d.native_type({TypeKind::text}) == "LONGTEXT");
  CHECK(d.native_type({TypeKind::string, 64}) == "VARCHAR(64)");
  CHECK(d.native_type({TypeKind::timestamp}) == "DATETIME(6)");
  CHECK(d.native_type({TypeKind::date}) == "DATE");
  CHECK(d.native_type({TypeKind::blob}) == "LONGBLOB");
  CHECK(d.native_type({TypeKind::json}) == "JSON");
  CHECK_THROWS_AS(d.native_type({TypeKind::string, 0}), UsageError);
  CHECK_FALSE(d.transactional_ddl());
}

TEST_CASE("mariadb composite keys uniques checks and foreign keys", "[mariadb][render]") {
  TableSpec t;
  t.name = "incident_entries";
  t.columns = {col::big_integer("incident_id").not_null(), col::big_integer("entry_id").not_null(),
               col::string("note", 32)};
  t.primary_key = {"incident_id", "entry_id"};
  t.uniques = {UniqueConstraint{{"note"}, ""}};
  t.checks = {CheckConstraint{"entry_id > 0", ""}, CheckConstraint{"incident_id > 0", "ck_inc"}};
  t.foreign_keys = {ForeignKey{{"incident_id"}, "incidents", {"id"}, FkAction::cascade, ""},
                    ForeignKey{{"entry_id"}, "log_entries", {"id"}, FkAction::no_action, "fk_custom"}};
  CHECK(one(CreateTable{t}) ==
        "CREATE TABLE `incident_entries` (\n"
        "  `incident_id` BIGINT NOT NULL,\n"
        "  `entry_id` BIGINT NOT NULL,\n"
        "  `note` VARCHAR(32) COLLATE utf8mb4_nopad_bin NULL,\n"
        "  PRIMARY KEY (`incident_id`, `entry_id`),\n"
        "  CONSTRAINT `uq_incident_entries_note` UNIQUE (`note`),\n"
        "  CHECK (entry_id > 0),\n"
        "  CONSTRAINT `ck_inc` CHECK (incident_id > 0),\n"
        "  CONSTRAINT `fk_incident_entries_incident_id_incidents` FOREIGN KEY (`incident_id`) REFERENCES "
        "`incidents` (`id`) ON DELETE CASCADE,\n"
        "  CONSTRAINT `fk_custom` FOREIGN KEY (`entry_id`) REFERENCES `log_entries` (`id`) ON DELETE NO ACTION\n"
        ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4");
}

TEST_CASE("mariadb keys TEXT whole in unique keys but refuses it in primary and foreign keys", "[mariadb][render]") {
  TableSpec t;
  t.name = "sources";
  t.columns = {col::text("id").pk(), col::text("kind"), col::json("doc")};
  CHECK_THROWS_WITH(maria().render(CreateTable{t}, {}), Catch::Contains("use string(n)"));
  t.columns[0] = col::string("id", 128).pk();
  t.uniques = {UniqueConstraint{{"id", "kind"}, ""}};
  CHECK(one(CreateTable{t}) ==
        "CREATE TABLE `sources` (\n  `id` VARCHAR(128) COLLATE utf8mb4_nopad_bin NOT NULL,\n  `kind` LONGTEXT NULL,\n  `doc` JSON NULL,\n"
        "  `kind__key` LONGBLOB AS (`kind`) VIRTUAL INVISIBLE,\n"
        "  PRIMARY KEY (`id`),\n  CONSTRAINT `uq_sources_id_kind` UNIQUE (`id`, `kind__key`)\n"
        ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4");
  t.uniques = {UniqueConstraint{{"doc"}, ""}};
  CHECK_THROWS_AS(maria().render(CreateTable{t}, {}), UsageError);
  t.uniques.clear();
  t.foreign_keys = {ForeignKey{{"kind"}, "kinds", {"name"}, FkAction::no_action, ""}};
  CHECK_THROWS_AS(maria().render(CreateTable{t}, {}), UsageError);
}

// A text column in a unique key is keyed through its invisible byte-exact companion, which exists
// exactly while some unique key covers the column (FULLTEXT on the column itself stays
// case-insensitive; see MariaDbDialect::key_companion_definition).
TEST_CASE("mariadb key companions follow the unique keys over text columns", "[mariadb][render]") {
  TableSpec t;
  t.name = "facts";
  t.columns = {col::id("id"), col::text("subject").not_null(), col::text("fact").not_null()};
  Schema plain = schema_with({CreateTable{t}});
  IndexSpec ix{"uq_facts", "facts", {"subject", "fact"}, true, ""};
  CHECK(one(CreateIndex{ix}, plain) ==
        "ALTER TABLE `facts` ADD COLUMN `subject__key` LONGBLOB AS (`subject`) VIRTUAL INVISIBLE, ADD COLUMN "
        "`fact__key` LONGBLOB AS (`fact`) VIRTUAL INVISIBLE, ADD UNIQUE INDEX `uq_facts` (`subject__key`, `fact__key`)");
  Schema keyed = schema_with({CreateTable{t}, CreateIndex{ix}});
  // A second unique key over an already keyed column adds no companion for it.
  CHECK(one(CreateIndex{IndexSpec{"uq_fact", "facts", {"fact"}, true, ""}}, keyed) ==
        "CREATE UNIQUE INDEX `uq_fact` ON `facts` (`fact__key`)");
  CHECK(one(AlterColumn{"facts", "fact", std::nullopt, std::nullopt, std::nullopt, std::string("claim")}, keyed) ==
        "ALTER TABLE `facts` RENAME COLUMN `fact` TO `claim`, RENAME COLUMN `fact__key` TO `claim__key`");
  CHECK(one(DropColumn{"facts", "subject"}, keyed) ==
        "ALTER TABLE `facts` DROP COLUMN `subject__key`, DROP COLUMN `subject`");
  CHECK(one(DropIndex{"uq_facts", "facts"}, keyed) ==
        "ALTER TABLE `facts` DROP INDEX `uq_facts`, DROP COLUMN `subject__key`, DROP COLUMN `fact__key`");
  // Plain indexes keep a prefix on the column itself, and an unkeyed column has no companion.
  CHECK(one(CreateIndex{IndexSpec{"ix_fact", "facts", {"fact"}, false, ""}}, plain) ==
        "CREATE INDEX `ix_fact` ON `facts` (`fact`(255)) ALGORITHM=INPLACE LOCK=NONE");
  CHECK(one(DropColumn{"facts", "fact"}, plain) == "ALTER TABLE `facts` DROP COLUMN `fact`, ALGORITHM=INPLACE, LOCK=NONE");
  TableSpec long_name = t;
  long_name.columns[2] = col::text(std::string(62, 'f')).not_null();
  long_name.uniques = {UniqueConstraint{{long_name.columns[2].name}, "uq_long"}};
  CHECK_THROWS_WITH(maria().render(CreateTable{long_name}, {}), Catch::Contains("at most 59 characters"));
}

TEST_CASE("mariadb quoting of reserved words and limits", "[mariadb][render]") {
  const Dialect& d = maria();
  CHECK(d.quote("timestamp") == "`timestamp`");
  CHECK(d.quote("order") == "`order`");
  CHECK(d.quote("key") == "`key`");
  CHECK(d.quote("we`ird") == "`we``ird`");
  CHECK(d.quote(std::string(64, 'a')) == "`" + std::string(64, 'a') + "`");
  CHECK_THROWS_AS(d.quote(std::string(65, 'a')), UsageError);
  CHECK_THROWS_AS(d.quote(""), UsageError);
  CHECK_THROWS_AS(d.render(AddColumn{"t", col::integer(std::string(65, 'c'))}, {}), UsageError);
}

TEST_CASE("mariadb literals escape quotes and backslashes", "[mariadb][render]") {
  const Dialect& d = maria();
  CHECK(d.literal(std::string("it's")) == "'it''s'");
  CHECK(d.literal(std::string("C:\\logs\\")) == "'C:\\\\logs\\\\'");
  CHECK(d.literal(std::string("a\0b", 3)) == "'a\\0b'");
  CHECK(d.literal(Value{}) == "NULL");
  CHECK(d.literal(Value{std::int64_t{42}}) == "42");
  CHECK(d.literal(Value{1.5}) == "1.5");
  CHECK(d.literal(Value{true}) == "1");
  CHECK(d.insert_version("alembic_version", "ab'c") == "INSERT INTO `alembic_version` (version_num) VALUES ('ab''c')");
}

TEST_CASE("mariadb version table follows the Alembic layout", "[mariadb][render]") {
  CHECK(maria().create_version_table("alembic_version") ==
        "CREATE TABLE IF NOT EXISTS `alembic_version` (\n  version_num VARCHAR(32) NOT NULL,\n"
        "  CONSTRAINT `alembic_version_pkc` PRIMARY KEY (version_num)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4");
}

TEST_CASE("mariadb column operations", "[mariadb][render]") {
  Schema before = schema_with({CreateTable{log_entries()}});
  CHECK(one(AddColumn{"log_entries", col::string("tenant_id", 64).not_null().default_value(std::string("default"))}) ==
        "ALTER TABLE `log_entries` ADD COLUMN `tenant_id` VARCHAR(64) COLLATE utf8mb4_nopad_bin NOT NULL DEFAULT 'default', ALGORITHM=INSTANT");
  CHECK(one(DropColumn{"log_entries", "score"}) == "ALTER TABLE `log_entries` DROP COLUMN `score`, ALGORITHM=INPLACE, LOCK=NONE");

  AlterColumn rename{"log_entries", "severity", std::nullopt, std::nullopt, std::nullopt, std::string("level")};
  CHECK(one(rename, before) == "ALTER TABLE `log_entries` RENAME COLUMN `severity` TO `level`, ALGORITHM=INSTANT");

  AlterColumn nullable{"log_entries", "severity", std::nullopt, true, std::nullopt, std::nullopt};
  CHECK(one(nullable, before) == "ALTER TABLE `log_entries` MODIFY COLUMN `severity` LONGTEXT NULL DEFAULT ('INFO'), ALGORITHM=INPLACE, LOCK=NONE");

  AlterColumn retype{"log_entries", "severity", ColumnType{TypeKind::string, 16}, std::nullopt,
                     std::optional<std::optional<DefaultValue>>(std::optional<DefaultValue>{}), std::string("level")};
  CHECK(one(retype, before) == "ALTER TABLE `log_entries` CHANGE COLUMN `severity` `level` VARCHAR(16) COLLATE utf8mb4_nopad_bin NOT NULL");

  AlterColumn id_type{"log_entries", "id", ColumnType{TypeKind::integer}, std::nullopt, std::nullopt, std::nullopt};
  CHECK(one(id_type, before) == "ALTER TABLE `log_entries` MODIFY COLUMN `id` INT NOT NULL AUTO_INCREMENT");

  AlterColumn unknown{"log_entries", "nope", std::nullopt, false, std::nullopt, std::nullopt};
  CHECK_THROWS_AS(maria().render(unknown, before), UsageError);
}

TEST_CASE("mariadb indexes prefix TEXT columns and ignore partial predicates", "[mariadb][render]") {
  Schema before = schema_with({CreateTable{log_entries()}});
  CHECK(one(CreateIndex{IndexSpec{"idx_log_entries_source_ts", "log_entries", {"source_id", "timestamp"}, false, ""}},
            before) == "CREATE INDEX `idx_log_entries_source_ts` ON `log_entries` (`source_id`(255), `timestamp`) ALGORITHM=INPLACE LOCK=NONE");
  CHECK(one(CreateIndex{IndexSpec{"ix_recent", "log_entries", {"timestamp"}, false, "acknowledged = 0"}}, before) ==
        "CREATE INDEX `ix_recent` ON `log_entries` (`timestamp`) ALGORITHM=INPLACE LOCK=NONE");
  CHECK(one(CreateIndex{IndexSpec{"ux_ts", "log_entries", {"timestamp", "id"}, true, ""}}, before) ==
        "CREATE UNIQUE INDEX `ux_ts` ON `log_entries` (`timestamp`, `id`) ALGORITHM=INPLACE LOCK=NONE");
  CHECK(one(CreateIndex{IndexSpec{"ux_src", "log_entries", {"source_id"}, true, ""}}, before) ==
        "ALTER TABLE `log_entries` ADD COLUMN `source_id__key` LONGBLOB AS (`source_id`) VIRTUAL INVISIBLE, "
        "ADD UNIQUE INDEX `ux_src` (`source_id__key`)");  // long unique: the server copies
  CHECK_THROWS_AS(maria().render(CreateIndex{IndexSpec{"ix_mp", "log_entries", {"matched_patterns"}, false, ""}}, before),
                  UsageError);
  CHECK(one(DropIndex{"ix_recent", "log_entries"}) == "ALTER TABLE `log_entries` DROP INDEX `ix_recent`, ALGORITHM=INPLACE, LOCK=NONE");
}

TEST_CASE("mariadb drop_index keeps an index for a foreign key that needs it", "[mariadb][render]") {
  TableSpec det;
  det.name = "detections";
  det.columns = {col::id("id"), col::big_integer("entry_id").not_null(), col::timestamp("detected_at")};
  det.foreign_keys = {ForeignKey{{"entry_id"}, "log_entries", {"id"}, FkAction::cascade, ""}};
  Schema before = schema_with({CreateTable{log_entries()}, CreateTable{det},
                               CreateIndex{IndexSpec{"idx_detections_entry", "detections", {"entry_id"}, false, ""}},
                               CreateIndex{IndexSpec{"idx_detections_detected", "detections", {"detected_at"}, false, ""}}});
  CHECK(one(DropIndex{"idx_detections_entry", "detections"}, before) ==
        "ALTER TABLE `detections` DROP INDEX `idx_detections_entry`, ADD INDEX "
        "`fk_detections_entry_id_log_entries` (`entry_id`), ALGORITHM=INPLACE, LOCK=NONE");
  CHECK(one(DropIndex{"idx_detections_detected", "detections"}, before) ==
        "ALTER TABLE `detections` DROP INDEX `idx_detections_detected`, ALGORITHM=INPLACE, LOCK=NONE");
}

TEST_CASE("mariadb fulltext foreign keys checks renames", "[mariadb][render]") {
  Schema before = schema_with({CreateTable{log_entries()}});
  FulltextSpec ft;
  ft.table = "log_entries";
  ft.columns = {"message"};
  CHECK_THROWS_AS(maria().render(CreateFulltext{FulltextSpec{"log_entries", {"score"}, "id", {}}}, before), UsageError);
  CHECK_THROWS_AS(maria().render(CreateFulltext{FulltextSpec{"log_entries", {"source_id"}, "severity", {}}}, before),
                  UsageError);  // the side table's key must be an integer
  CHECK(sql_of(DropFulltext{ft}) == std::vector<std::string>{"DROP TRIGGER IF EXISTS `log_entries_ad`",
                                                              "DROP TRIGGER IF EXISTS `log_entries_ai`",
                                                              "DROP TRIGGER IF EXISTS `log_entries_au`",
                                                              "DROP TABLE IF EXISTS `log_entries_fts`"});
  CHECK(one(AddForeignKey{"detections", ForeignKey{{"entry_id"}, "log_entries", {"id"}, FkAction::set_null, ""}}) ==
        "ALTER TABLE `detections` ADD CONSTRAINT `fk_detections_entry_id_log_entries` FOREIGN KEY (`entry_id`) "
        "REFERENCES `log_entries` (`id`) ON DELETE SET NULL");
  CHECK_THROWS_AS(
      maria().render(AddForeignKey{"d", ForeignKey{{"e"}, "l", {"id"}, FkAction::set_default, ""}}, {}), UsageError);
  CHECK(one(AddCheck{"log_entries", CheckConstraint{"score >= 0", "ck_score"}}) ==
        "ALTER TABLE `log_entries` ADD CONSTRAINT `ck_score` CHECK (score >= 0)");
  CHECK(one(RenameTable{"sources", "feeds"}) == "RENAME TABLE `sources` TO `feeds`");
  Schema with_fts = schema_with({CreateTable{log_entries()},
                                 CreateFulltext{FulltextSpec{"log_entries", {"source_id"}, "id", {}}}});
  // The side table and its index follow; the triggers come back under the new names, then the
  // catch-up covers rows written while they were missing.
  auto renamed = sql_of(RenameTable{"log_entries", "entries"}, with_fts);
  REQUIRE(renamed.size() == 10);
  CHECK(renamed[0] == "DROP TRIGGER IF EXISTS `log_entries_ad`");
  CHECK(renamed[3] == "RENAME TABLE `log_entries` TO `entries`, `log_entries_fts` TO `entries_fts`");
  CHECK(renamed[4] == "ALTER TABLE `entries_fts` RENAME INDEX `ft_log_entries` TO `ft_entries`");
  CHECK(renamed[5].rfind("CREATE TRIGGER IF NOT EXISTS `entries_ai` AFTER INSERT ON `entries` FOR EACH ROW INSERT "
                         "INTO `entries_fts`", 0) == 0);
  CHECK(renamed[8].rfind("INSERT INTO `entries_fts` (`id`, `source_id`) SELECT `id`, `source_id` FROM `entries`", 0) == 0);
  CHECK(renamed[9].rfind("DELETE f FROM `entries_fts` AS f LEFT JOIN `entries` AS e", 0) == 0);
  // Without full text a rename is one statement; a renamed searched column takes the side table's along.
  CHECK(sql_of(RenameTable{"log_entries", "entries"}, before).size() == 1);
  AlterColumn rename;
  rename.table = "log_entries";
  rename.name = "source_id";
  rename.new_name = "origin";
  auto col_renamed = sql_of(rename, with_fts);
  REQUIRE(col_renamed.size() == 10);
  CHECK(col_renamed[3] == "ALTER TABLE `log_entries` RENAME COLUMN `source_id` TO `origin`, ALGORITHM=INSTANT");
  CHECK(col_renamed[4] == "ALTER TABLE `log_entries_fts` RENAME COLUMN `source_id` TO `origin`");
  CHECK(col_renamed[5].find("VALUES (NEW.`id`, NEW.`origin`)") != std::string::npos);
  rename.name = "severity";  // not searched: one statement
  CHECK(sql_of(rename, with_fts).size() == 1);
  // Dropping the table drops its side table too (the triggers go with the table).
  CHECK(sql_of(DropTable{"log_entries", std::nullopt}, with_fts) ==
        std::vector<std::string>{"DROP TABLE `log_entries`", "DROP TABLE IF EXISTS `log_entries_fts`"});
}

// Full text on a side table (mariadb_fulltext.h), in the order that keeps writers moving: the
// table, a batched fill, the index (nobody writes the side table yet), the triggers, the catch-up.
TEST_CASE("mariadb full text: a side table built online and kept in sync by triggers", "[mariadb][render][online]") {
  Schema before = schema_with({CreateTable{log_entries()}});
  auto st = maria().render(CreateFulltext{FulltextSpec{"log_entries", {"source_id", "severity"}, "id", {}}}, before);
  REQUIRE(st.size() == 8);
  CHECK(st[0].sql == "CREATE TABLE IF NOT EXISTS `log_entries_fts` (\n  `id` BIGINT NOT NULL PRIMARY KEY,\n  "
                     "`source_id` LONGTEXT NULL,\n  `severity` LONGTEXT NULL\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4");
  const std::string upsert = " ON DUPLICATE KEY UPDATE `log_entries_fts`.`source_id` = VALUES(`source_id`), "
                             "`log_entries_fts`.`severity` = VALUES(`severity`)";
  REQUIRE(st[1].batched);
  CHECK(st[1].sql == "INSERT INTO `log_entries_fts` (`id`, `source_id`, `severity`) SELECT `id`, `source_id`, "
                     "`severity` FROM `log_entries`" + upsert);
  CHECK(st[1].batched->batch_sql ==
        "INSERT INTO `log_entries_fts` (`id`, `source_id`, `severity`) SELECT `id`, `source_id`, `severity` FROM "
        "`log_entries` WHERE `id` BETWEEN CAST(? AS SIGNED) AND CAST(? AS SIGNED)" + upsert);
  CHECK(st[1].batched->bounds_sql == "SELECT min(`id`), max(`id`) FROM `log_entries`");
  CHECK(st[1].batched->progress_key.empty());  // idempotent: a rerun starts over
  CHECK_FALSE(st[1].batched->follow_new_rows);  // the triggers and the catch-up cover later rows
  CHECK_FALSE(st[1].catch_up);
  CHECK(st[2].sql == "ALTER TABLE `log_entries_fts` ADD FULLTEXT INDEX IF NOT EXISTS `ft_log_entries` (`source_id`, "
                     "`severity`), ALGORITHM=INPLACE, LOCK=SHARED");
  CHECK(st[3].sql == "CREATE TRIGGER IF NOT EXISTS `log_entries_ai` AFTER INSERT ON `log_entries` FOR EACH ROW INSERT "
                     "INTO `log_entries_fts` (`id`, `source_id`, `severity`) VALUES (NEW.`id`, NEW.`source_id`, "
                     "NEW.`severity`)" + upsert);
  CHECK(st[4].sql == "CREATE TRIGGER IF NOT EXISTS `log_entries_ad` AFTER DELETE ON `log_entries` FOR EACH ROW "
                     "DELETE FROM `log_entries_fts` WHERE `id` = OLD.`id`");
  CHECK(st[5].sql.find("AFTER UPDATE ON `log_entries` FOR EACH ROW BEGIN\n  IF NOT (NEW.`id` <=> OLD.`id`) THEN "
                       "DELETE FROM `log_entries_fts` WHERE `id` = OLD.`id`; END IF;\n  IF NOT (NEW.`id` <=> OLD.`id`) "
                       "OR NOT (NEW.`source_id` <=> OLD.`source_id`) OR NOT (NEW.`severity` <=> OLD.`severity`) THEN "
                       "INSERT INTO") != std::string::npos);
  REQUIRE(st[6].batched);
  CHECK(st[6].batched->batch_sql == st[1].batched->batch_sql);
  CHECK(st[6].catch_up);
  REQUIRE(st[7].batched);
  CHECK(st[7].batched->batch_sql ==
        "DELETE f FROM `log_entries_fts` AS f LEFT JOIN `log_entries` AS e ON e.`id` = f.`id` WHERE e.`id` IS NULL "
        "AND f.`id` BETWEEN CAST(? AS SIGNED) AND CAST(? AS SIGNED)");
  CHECK(st[7].batched->bounds_sql == "SELECT min(`id`), max(`id`) FROM `log_entries_fts`");
  CHECK(st[7].catch_up);
  for (const auto& s : st) CHECK(s.rerunnable);  // a statement in doubt after a kill is simply run again
  // Object names reach the 64-character limit through the longest one (`<table>_fts`, `<table>_au`…).
  const std::string long_table(61, 't');
  TableSpec long_spec;
  long_spec.name = long_table;
  long_spec.columns = {col::id("id"), col::text("body")};
  Schema long_before = schema_with({CreateTable{long_spec}});
  CHECK_THROWS_AS(maria().render(CreateFulltext{FulltextSpec{long_table, {"body"}, "id", {}}}, long_before), UsageError);
}

TEST_CASE("mariadb online clauses: refused where the server would copy", "[mariadb][render][online]") {
  Schema with_fts = schema_with({CreateTable{log_entries()},
                                 CreateFulltext{FulltextSpec{"log_entries", {"source_id"}, "id", {}}}});
  // Full text lives on a side table: the searched table's column changes stay INSTANT.
  CHECK(sql_of(AddColumn{"log_entries", col::integer("n")}, with_fts) ==
        std::vector<std::string>{"ALTER TABLE `log_entries` ADD COLUMN `n` INT NULL, ALGORITHM=INSTANT"});
  // CURRENT_TIMESTAMP: an online rebuild, not INSTANT.
  CHECK(one(AddColumn{"log_entries", col::timestamp("seen").default_now()}).find(", ALGORITHM=INPLACE, LOCK=NONE") !=
        std::string::npos);
  BackfillOptions o;
  auto st = maria().render(Backfill{"log_entries", "score = 0", o}, {});
  REQUIRE(st.size() == 1);
  REQUIRE(st[0].batched);
  CHECK(st[0].batched->batch_sql ==
        "UPDATE `log_entries` SET score = 0 WHERE `id` BETWEEN CAST(? AS SIGNED) AND CAST(? AS SIGNED)");
}

TEST_CASE("mariadb execute and bulk insert", "[mariadb][render]") {
  Execute generic;
  generic.generic = "UPDATE t SET a = 1";
  CHECK(one(generic) == "UPDATE t SET a = 1");
  Execute per;
  per.generic = "generic";
  per.per_dialect[DialectKind::mariadb] = "maria only";
  CHECK(one(per) == "maria only");
  Execute none;
  none.per_dialect[DialectKind::postgresql] = "pg only";
  CHECK_THROWS_WITH(maria().render(none, {}), "revision needs SQL for mariadb");
  Execute skipped;
  skipped.generic = "x";
  skipped.skip.insert(DialectKind::mariadb);
  CHECK(maria().render(skipped, {}).empty());

  BulkInsert bi{"sources", {"id", "enabled", "score", "note"},
                {{Value{std::string("a'b\\c")}, Value{true}, Value{0.25}, Value{}},
                 {Value{std::string("x")}, Value{false}, Value{std::int64_t{3}}, Value{std::string("n")}}}};
  CHECK(one(bi) == "INSERT INTO `sources` (`id`, `enabled`, `score`, `note`) VALUES ('a''b\\\\c', 1, 0.25, NULL), "
                   "('x', 0, 3, 'n')");
  BulkInsert big{"t", {"n"}, {}};
  for (int i = 0; i < 1200; ++i) big.rows.push_back({Value{std::int64_t{i}}});
  CHECK(sql_of(big).size() == 3);
}

TEST_CASE("mariadb describe normalizes types defaults and keys", "[mariadb][render]") {
  TableSpec det;
  det.name = "detections";
  det.columns = {col::id("id"), col::big_integer("entry_id").not_null(), col::string("scorer", 16).not_null()};
  det.foreign_keys = {ForeignKey{{"entry_id"}, "log_entries", {"id"}, FkAction::cascade, ""}};
  det.uniques = {UniqueConstraint{{"entry_id", "scorer"}, ""}};
  Schema s = schema_with({CreateTable{log_entries()}, CreateTable{det},
                          CreateIndex{IndexSpec{"idx_src", "log_entries", {"source_id", "timestamp"}, false, ""}},
                          CreateFulltext{FulltextSpec{"log_entries", {"source_id"}, "id", {}}}});
  SchemaDescription d = maria().describe(s);
  const TableDescription& le = d.tables.at("log_entries");
  REQUIRE(le.columns.size() == 8);
  CHECK(le.columns[0] == ColumnDescription{"id", "bigint", false, ""});
  CHECK(le.columns[3] == ColumnDescription{"severity", "longtext", false, "'INFO'"});
  CHECK(le.columns[4] == ColumnDescription{"matched_patterns", "json", false, "'[]'"});
  CHECK(le.columns[5] == ColumnDescription{"score", "double", true, "1"});
  CHECK(le.columns[6] == ColumnDescription{"acknowledged", "tinyint(1)", false, "0"});
  CHECK(le.columns[7] == ColumnDescription{"ingested_at", "datetime(6)", false, "current_timestamp(6)"});
  CHECK(le.primary_key == std::vector<std::string>{"id"});
  REQUIRE(le.indexes.size() == 1);
  CHECK(le.indexes[0] == IndexDescription{"idx_src", {"source_id(255)", "timestamp"}, false});
  CHECK(le.fulltext_objects == std::vector<std::string>{"ft_log_entries", "log_entries_ad", "log_entries_ai",
                                                         "log_entries_au", "log_entries_fts"});
  const TableDescription& dt = d.tables.at("detections");
  REQUIRE(dt.indexes.size() == 1);
  CHECK(dt.indexes[0] == IndexDescription{"uq_detections_entry_id_scorer", {"entry_id", "scorer"}, true});
  REQUIRE(dt.foreign_keys.size() == 1);
  CHECK(dt.foreign_keys[0] == ForeignKeyDescription{{"entry_id"}, "log_entries", {"id"}, "CASCADE"});
}
