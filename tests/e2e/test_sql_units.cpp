// SQL units as real projects write them (docs/sql-units.md): a corpus run through the tool, through
// the native client and as an `upgrade --sql` script, with the schemas compared; resume after a
// failure in a revision that uses PREPARE; session sections and their restore.
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "tests/support/e2e_fixture.h"
#include "tests/support/native_client.h"
#include "tests/support/schema_fingerprint.h"

using namespace tsm::test;
namespace fs = std::filesystem;

namespace {

std::string corpus_dir() { return source_dir() + "/tests/fixtures/sql-corpus"; }

// What a DBA would feed the client for these units: per unit (in file order), its session section
// and its upgrade section for the dialect (the dialect's own, else the generic one).
std::string native_script(const std::string& dir, tsm::DialectKind kind) {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".sql") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  const std::string name = tsm::dialect_name(kind);
  std::string script;
  for (const auto& file : files) {
    std::map<std::string, std::string> sections;
    std::ifstream in(file);
    std::string current;
    for (std::string line; std::getline(in, line);) {
      if (line.rfind("-- +", 0) == 0) {
        current = line.substr(4);
        continue;
      }
      if (!current.empty()) sections[current] += line + "\n";
    }
    auto pick = [&](const std::string& kind_of) {
      auto own = sections.find(kind_of + " " + name);
      if (own != sections.end()) return own->second;
      auto generic = sections.find(kind_of);
      return generic != sections.end() ? generic->second : std::string();
    };
    script += pick("session") + pick("upgrade");
  }
  return script;
}

// Views, triggers and routines: what introspection of tables does not show.
std::vector<std::string> objects(const TestDatabase& db) {
  switch (db.kind()) {
    case tsm::DialectKind::sqlite:
      return db.column("SELECT type || ' ' || name FROM sqlite_master WHERE type IN ('trigger', 'view') ORDER BY 1");
    case tsm::DialectKind::postgresql:
      return db.column(
          "SELECT x FROM (SELECT 'function ' || proname AS x FROM pg_proc WHERE pronamespace = 'public'::regnamespace "
          "UNION ALL SELECT 'trigger ' || tgname FROM pg_trigger WHERE NOT tgisinternal "
          "UNION ALL SELECT 'view ' || viewname FROM pg_views WHERE schemaname = 'public') o ORDER BY 1");
    case tsm::DialectKind::mariadb:
      return db.column(
          "SELECT x FROM (SELECT CONCAT(LOWER(ROUTINE_TYPE), ' ', ROUTINE_NAME) AS x FROM information_schema.ROUTINES "
          "WHERE ROUTINE_SCHEMA = DATABASE() UNION ALL SELECT CONCAT('trigger ', TRIGGER_NAME) FROM "
          "information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE() UNION ALL SELECT CONCAT('view ', TABLE_NAME) "
          "FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE()) o ORDER BY 1");
  }
  return {};
}

std::vector<std::string> expected_objects(tsm::DialectKind kind) {
  switch (kind) {
    case tsm::DialectKind::sqlite: return {"trigger c_note_ai", "view c_view"};
    case tsm::DialectKind::postgresql: return {"function c_next", "function c_touch", "trigger c_note_bi", "view c_view"};
    case tsm::DialectKind::mariadb: return {"function c_next", "procedure c_count", "trigger c_note_bi", "view c_view"};
  }
  return {};
}

std::vector<std::string> notes(const TestDatabase& db) {
  return db.column(db.kind() == tsm::DialectKind::mariadb
                       ? "SELECT CONCAT(id, ':', body, ':', flag) FROM c_note ORDER BY id"
                       : "SELECT id || ':' || body || ':' || flag FROM c_note ORDER BY id");
}

std::string write_file(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
  return path;
}

bool contains(const std::string& haystack, const std::string& needle) { return haystack.find(needle) != std::string::npos; }

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

TEMPLATE_TEST_CASE("sql corpus: the tool and the native client and the --sql script build the same schema", "[e2e]",
                   TSM_BACKENDS) {
  TSM_REQUIRE_BACKEND(TestType::kind);
  Cli tool(TestType::kind), native(TestType::kind), script(TestType::kind);
  const std::vector<std::string> units{"--revisions-dir", corpus_dir(), "--tree", "corpus"};
  auto with = [&](std::vector<std::string> args) {
    args.insert(args.begin(), units.begin(), units.end());
    return args;
  };

  auto up = tool.run(with({"upgrade", "head"}));
  INFO(up.err);
  REQUIRE(up.exit_code == 0);
  CHECK(tool.versions("turnstone_corpus_version") == std::vector<std::string>{"corpus05"});
  CHECK(objects(tool.db()) == expected_objects(TestType::kind));
  CHECK(notes(tool.db()) == std::vector<std::string>{"1:first;:2", "2:second:0"});

  REQUIRE(run_native_client(native.db(), write_file(native.dir() + "/native.sql",
                                                    native_script(corpus_dir(), TestType::kind))) == 0);
  auto sql = script.run(with({"upgrade", "head", "--sql"}));
  INFO(sql.out);
  REQUIRE(sql.exit_code == 0);
  if (TestType::kind == tsm::DialectKind::mariadb) CHECK(contains(sql.out, "DELIMITER //\nCREATE PROCEDURE c_count"));
  REQUIRE(run_native_client(script.db(), write_file(script.dir() + "/script.sql", sql.out)) == 0);
  CHECK(script.versions("turnstone_corpus_version") == std::vector<std::string>{"corpus05"});

  const std::string expected = schema_fingerprint(*tool.db().connect());
  CHECK(contains(expected, "c_author"));
  CHECK(contains(expected, "ix_c_note_body"));
  CHECK(schema_fingerprint(*native.db().connect()) == expected);
  CHECK(schema_fingerprint(*script.db().connect()) == expected);
  CHECK(objects(native.db()) == objects(tool.db()));
  CHECK(objects(script.db()) == objects(tool.db()));
  CHECK(notes(native.db()) == notes(tool.db()));
  CHECK(notes(script.db()) == notes(tool.db()));

  auto down = tool.run(with({"downgrade", "base"}));
  INFO(down.err);
  REQUIRE(down.exit_code == 0);
  CHECK(tool.versions("turnstone_corpus_version").empty());
  CHECK(objects(tool.db()).empty());
  CHECK_FALSE(tool.has_table("c_note"));
  CHECK_FALSE(tool.has_table("c_dyn"));
}

namespace {

// A revision that prepares a statement, then fails on a table that does not exist yet; once
// the operator creates it, a plain rerun must finish the revision in its new session.
const char* const kPreparedUnit = R"(-- revision: prep01
-- down_revision: none
-- tree: prep
-- transaction: none
-- +session postgresql
SET application_name = 'prep-test';
-- +upgrade mariadb
CREATE TABLE prep_log (id INT PRIMARY KEY);
SET @ddl = 'INSERT INTO prep_log (id) VALUES (7)';
PREPARE log_it FROM @ddl;
INSERT INTO prep_gate (id) VALUES (1);
EXECUTE log_it;
DEALLOCATE PREPARE log_it;
CREATE PROCEDURE prep_more() BEGIN
  INSERT INTO prep_log (id) VALUES (8);
  INSERT INTO prep_log (id) VALUES (9);
END;
CALL prep_more();
-- +upgrade postgresql
CREATE TABLE prep_log (id integer PRIMARY KEY);
PREPARE log_it (integer) AS INSERT INTO prep_log (id) VALUES ($1);
INSERT INTO prep_gate (id) VALUES (1);
EXECUTE log_it(7);
DEALLOCATE log_it;
DO $$ BEGIN INSERT INTO prep_log (id) VALUES (8); INSERT INTO prep_log (id) VALUES (9); END $$;
)";

}  // namespace

TEMPLATE_TEST_CASE("sql units: a rerun after a failure finishes a revision that uses PREPARE", "[e2e]", OnPostgres,
                   OnMariadb) {
  TSM_REQUIRE_BACKEND(TestType::kind);
  Cli cli(TestType::kind);
  const std::string units = cli.unit("0001_prep.sql", kPreparedUnit);
  const std::vector<std::string> upgrade{"--revisions-dir", units, "--tree", "prep", "upgrade", "head"};

  auto first = cli.run(upgrade);
  CHECK(first.exit_code == 1);
  CHECK(contains(first.err, "prep_gate"));
  CHECK(cli.versions("turnstone_prep_version").empty());
  CHECK(cli.has_table("prep_log"));  // the statements before the failure stay applied

  cli.db().connect()->execute("CREATE TABLE prep_gate (id INTEGER PRIMARY KEY)");  // the fix
  auto again = cli.run(upgrade);
  INFO(again.err);
  CHECK(again.exit_code == 0);
  CHECK(contains(again.err, "resum"));
  CHECK(cli.versions("turnstone_prep_version") == std::vector<std::string>{"prep01"});
  // 7 from the prepared statement; 8 and 9 from a body the lexer kept whole (a MariaDB procedure
  // without DELIMITER, a PostgreSQL DO block).
  CHECK(cli.db().column("SELECT id FROM prep_log ORDER BY id") == std::vector<std::string>{"7", "8", "9"});
  CHECK(cli.db().column("SELECT id FROM prep_gate") == std::vector<std::string>{"1"});
  CHECK(cli.db().column("SELECT COUNT(*) FROM turnstone_migrate_progress") == std::vector<std::string>{"0"});
}

namespace {

// Rebuilds a referenced table (foreign keys off), then a revision without a session section
// inserts an orphan: it must fail, because the previous session state was restored.
std::string session_units(tsm::DialectKind kind, bool with_session, bool orphan_in_rebuild) {
  const bool sqlite = kind == tsm::DialectKind::sqlite;
  std::string base = R"(-- revision: fk01
-- down_revision: none
-- tree: fk
-- +upgrade
CREATE TABLE fk_parent (id INTEGER PRIMARY KEY, name VARCHAR(20) NOT NULL);
CREATE TABLE fk_child (id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL, FOREIGN KEY (parent_id) REFERENCES fk_parent (id));
INSERT INTO fk_parent (id, name) VALUES (1, 'a');
INSERT INTO fk_child (id, parent_id) VALUES (10, 1);
)";
  std::string rebuild = "-- revision: fk02\n-- down_revision: fk01\n-- tree: fk\n";
  if (with_session)
    rebuild += sqlite ? "-- +session\nPRAGMA foreign_keys = OFF;\n" : "-- +session\nSET FOREIGN_KEY_CHECKS = 0;\n";
  rebuild += "-- +upgrade\n";
  if (sqlite)
    rebuild +=
        "CREATE TABLE fk_parent_new (id INTEGER PRIMARY KEY, name VARCHAR(20) NOT NULL, extra INTEGER);\n"
        "INSERT INTO fk_parent_new (id, name) SELECT id, name FROM fk_parent;\n"
        "DROP TABLE fk_parent;\n"
        "ALTER TABLE fk_parent_new RENAME TO fk_parent;\n";
  else
    rebuild += "INSERT INTO fk_child (id, parent_id) VALUES (11, 1);\nTRUNCATE TABLE fk_parent;\n"
               "INSERT INTO fk_parent (id, name) VALUES (1, 'a');\n";
  if (orphan_in_rebuild) rebuild += "INSERT INTO fk_child (id, parent_id) VALUES (12, 99);\n";
  return base + "\x1e" + rebuild;
}

std::string write_units(const Cli& cli, const std::string& joined) {
  auto sep = joined.find('\x1e');
  cli.unit("0001.sql", joined.substr(0, sep));
  return cli.unit("0002.sql", joined.substr(sep + 1));
}

}  // namespace

TEMPLATE_TEST_CASE("sql units: a session section turns foreign keys off for one revision only", "[e2e]", OnSqlite,
                   OnMariadb) {
  TSM_REQUIRE_BACKEND(TestType::kind);
  const auto kind = TestType::kind;

  SECTION("without the session section the rebuild fails on the referencing rows") {
    Cli cli(kind);
    auto units = write_units(cli, session_units(kind, false, false));
    auto r = cli.run({"--revisions-dir", units, "--tree", "fk", "upgrade", "head"});
    CHECK(r.exit_code == 1);
    CHECK(contains(lower(r.err), "foreign key"));
    CHECK(cli.versions("turnstone_fk_version") == std::vector<std::string>{"fk01"});
  }
  SECTION("with it the rebuild runs and the next revision has foreign keys enforced again") {
    Cli cli(kind);
    auto units = write_units(cli, session_units(kind, true, false));
    cli.unit("0003.sql", "-- revision: fk03\n-- down_revision: fk02\n-- tree: fk\n-- +upgrade\n"
                         "INSERT INTO fk_child (id, parent_id) VALUES (13, 98);\n");
    auto r = cli.run({"--revisions-dir", units, "--tree", "fk", "upgrade", "head"});
    CHECK(r.exit_code == 1);
    CHECK(contains(r.err, "fk03"));
    CHECK(cli.versions("turnstone_fk_version") == std::vector<std::string>{"fk02"});
    CHECK(cli.db().column("SELECT COUNT(*) FROM fk_child WHERE parent_id = 98") == std::vector<std::string>{"0"});
  }
  if (kind == tsm::DialectKind::sqlite) {
    SECTION("a rebuild that leaves an orphan fails its foreign_key_check and is rolled back") {
      Cli cli(kind);
      auto units = write_units(cli, session_units(kind, true, true));
      auto r = cli.run({"--revisions-dir", units, "--tree", "fk", "upgrade", "head"});
      CHECK(r.exit_code == 1);
      CHECK(contains(r.err, "foreign key violation"));
      CHECK(cli.versions("turnstone_fk_version") == std::vector<std::string>{"fk01"});
      CHECK(cli.db().column("SELECT COUNT(*) FROM fk_child") == std::vector<std::string>{"1"});
      CHECK_FALSE(cli.has_table("fk_parent_new"));
    }
  }
}

TEMPLATE_TEST_CASE("sql units: session sections and transaction none are checked before anything runs", "[e2e]",
                   TSM_BACKENDS) {
  TSM_REQUIRE_BACKEND(TestType::kind);
  Cli cli(TestType::kind);
  auto units = cli.unit("0001.sql",
                        "-- revision: bad01\n-- down_revision: none\n-- tree: bad\n-- +session\n"
                        "CREATE TABLE sneaky (id INTEGER);\n-- +upgrade\nCREATE TABLE fine (id INTEGER);\n");
  auto r = cli.run({"--revisions-dir", units, "--tree", "bad", "upgrade", "head"});
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, "does more than set session state"));
  CHECK_FALSE(cli.has_table("sneaky"));
  CHECK_FALSE(cli.has_table("fine"));
  CHECK(cli.versions("turnstone_bad_version").empty());

  if (TestType::kind != tsm::DialectKind::mariadb) {
    auto none = cli.unit("0001.sql", "-- revision: bad01\n-- down_revision: none\n-- tree: bad\n-- transaction: none\n"
                                     "-- +upgrade\nCREATE TABLE fine (id INTEGER);\n");
    auto single = cli.run({"--revisions-dir", none, "--tree", "bad", "upgrade", "head", "--single-transaction"});
    CHECK(single.exit_code == 2);
    CHECK(contains(single.err, "transaction: none"));
    CHECK_FALSE(cli.has_table("fine"));
  }
}
