// `check` against hand-edited schemas: silent when clean (exit 0), one line per difference and
// exit 6 on drift, and a --json document listing the differences per tree.
#include <functional>

#include "tests/support/e2e_fixture.h"
#include "tests/support/schema_fingerprint.h"

using namespace tsm::test;
using tsm::DialectKind;

namespace {

// A hand edit of the live schema, the object name `check` must mention, and its undo.
struct HandEdit {
  std::string what;                 // for messages
  std::string mentions;             // the name the one difference line must contain
  std::vector<std::string> apply;   // run on one connection, in order
  std::vector<std::string> restore;
};

// The index of log_entries that leads with tenant_id (found by introspection, not hard-coded).
std::string tenant_index(tsm::Connection& conn, std::vector<std::string>& columns) {
  auto live = conn.introspect({});
  for (const auto& index : live.tables.at("log_entries").indexes)
    if (!index.columns.empty() && index.columns.front() == "tenant_id") {
      columns = index.columns;
      return index.name;
    }
  FAIL("no index on log_entries leads with tenant_id");
  return "";
}

std::vector<HandEdit> hand_edits(Cli& cli) {
  auto conn = cli.db().connect();
  const auto& d = conn->dialect();
  const DialectKind kind = cli.kind();
  std::vector<HandEdit> edits;

  std::vector<std::string> columns;
  std::string index = tenant_index(*conn, columns);
  std::string column_list;
  for (const auto& c : columns) column_list += (column_list.empty() ? "" : ", ") + d.quote(c);
  edits.push_back({"dropped index", index,
                   {kind == DialectKind::mariadb ? "DROP INDEX " + d.quote(index) + " ON log_entries"
                                                 : "DROP INDEX " + d.quote(index)},
                   {"CREATE INDEX " + d.quote(index) + " ON log_entries (" + column_list + ")"}});

  edits.push_back({"added column", "hand_added",
                   {"ALTER TABLE log_entries ADD COLUMN hand_added INTEGER"},
                   {"ALTER TABLE log_entries DROP COLUMN hand_added"}});

  switch (kind) {
    case DialectKind::sqlite: {
      // SQLite has no ALTER COLUMN TYPE: edit the stored CREATE TABLE text (the documented
      // writable_schema route), as a hand-editing operator would.
      auto retype = [](const std::string& from, const std::string& to) {
        return std::vector<std::string>{
            "PRAGMA writable_schema = ON",
            "UPDATE sqlite_master SET sql = replace(sql, '\"display_name\" " + from + ",', '\"display_name\" " + to +
                ",') WHERE type = 'table' AND name = 'sources'",
            "PRAGMA writable_schema = OFF"};
      };
      edits.push_back({"changed type", "display_name", retype("TEXT", "INTEGER"), retype("INTEGER", "TEXT")});
      auto trigger = conn->query("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'log_entries_au'");
      REQUIRE(trigger.size() == 1);
      edits.push_back({"missing FTS trigger", "log_entries_au", {"DROP TRIGGER log_entries_au"}, {*trigger[0][0]}});
      break;
    }
    case DialectKind::postgresql: {
      edits.push_back({"changed type", "display_name", {"ALTER TABLE sources ALTER COLUMN display_name TYPE varchar(40)"},
                       {"ALTER TABLE sources ALTER COLUMN display_name TYPE text"}});
      auto def = conn->query("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_log_entries_fts'");
      REQUIRE(def.size() == 1);
      edits.push_back({"missing FTS index", "ix_log_entries_fts", {"DROP INDEX ix_log_entries_fts"}, {*def[0][0]}});
      break;
    }
    case DialectKind::mariadb: {
      edits.push_back({"changed type", "display_name", {"ALTER TABLE sources MODIFY display_name VARCHAR(40) NULL"},
                       {"ALTER TABLE sources MODIFY display_name LONGTEXT NULL"}});
      // A missing sync trigger: search silently stops seeing new rows; `check` must say so.
      auto trigger = conn->query("SELECT ACTION_STATEMENT FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = "
                                 "DATABASE() AND TRIGGER_NAME = 'log_entries_ai'");
      REQUIRE(trigger.size() == 1);
      edits.push_back({"missing FTS trigger", "log_entries_ai", {"DROP TRIGGER log_entries_ai"},
                       {"CREATE TRIGGER log_entries_ai AFTER INSERT ON log_entries FOR EACH ROW " + *trigger[0][0]}});
      break;
    }
  }
  return edits;
}

void run_all(Cli& cli, const std::vector<std::string>& statements) {
  auto conn = cli.db().connect();
  for (const auto& sql : statements) conn->execute(sql);
}

std::vector<std::string> non_empty_lines(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    if (end > start) out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

void expect_clean(Cli& cli) {
  auto r = cli.run({"check"});
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("no drift") != std::string::npos);
  auto j = cli.run({"check", "--json"});
  REQUIRE(j.exit_code == 0);
  auto doc = nlohmann::json::parse(j.out);
  CHECK_FALSE(doc.at("drift").get<bool>());
  CHECK(doc.at("differences").at("main").empty());
  CHECK(doc.at("differences").at("context").empty());
}

}  // namespace

TEMPLATE_TEST_CASE("check is silent on a clean database and names each hand edit", "[e2e][check]", TSM_BACKENDS) {
  TSM_REQUIRE_BACKEND(TestType::kind);
  Cli cli(TestType::kind);
  REQUIRE(cli.run({"upgrade", "head"}).exit_code == 0);
  expect_clean(cli);
  const std::string clean = database_fingerprint(cli.db());

  auto edits = hand_edits(cli);
  REQUIRE(edits.size() == 4);
  for (const auto& edit : edits) {
    INFO("hand edit: " << edit.what << " (" << edit.mentions << ")");
    run_all(cli, edit.apply);

    auto r = cli.run({"check"});
    INFO("stdout: " << r.out << "\nstderr: " << r.err);
    CHECK(r.exit_code == 6);
    auto lines = non_empty_lines(r.out);
    REQUIRE(lines.size() == 1);  // one edit, one difference, one line
    CHECK(lines[0].rfind("main: ", 0) == 0);
    CHECK(lines[0].find(edit.mentions) != std::string::npos);

    auto j = cli.run({"check", "--json"});
    CHECK(j.exit_code == 6);
    auto doc = nlohmann::json::parse(j.out);
    CHECK(doc.at("drift").get<bool>());
    REQUIRE(doc.at("differences").at("main").size() == 1);
    CHECK(doc.at("differences").at("main").at(0).get<std::string>().find(edit.mentions) != std::string::npos);
    CHECK(doc.at("differences").at("context").empty());

    run_all(cli, edit.restore);
    expect_clean(cli);
    CHECK(database_fingerprint(cli.db()) == clean);
  }

  // All four at once: four lines, four JSON entries, each edit named.
  for (const auto& edit : edits) run_all(cli, edit.apply);
  auto r = cli.run({"check", "--json"});
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  CHECK(r.exit_code == 6);
  auto doc = nlohmann::json::parse(r.out);
  auto differences = doc.at("differences").at("main").get<std::vector<std::string>>();
  CHECK(differences.size() == edits.size());
  for (const auto& edit : edits) {
    bool named = false;
    for (const auto& line : differences) named = named || line.find(edit.mentions) != std::string::npos;
    INFO("edit " << edit.what);
    CHECK(named);
  }
  auto text = cli.run({"check"});
  CHECK(text.exit_code == 6);
  CHECK(non_empty_lines(text.out).size() == edits.size());

  for (auto it = edits.rbegin(); it != edits.rend(); ++it) run_all(cli, it->restore);
  expect_clean(cli);
}

TEMPLATE_TEST_CASE("check reports drift in the context tree under its own name", "[e2e][check]", TSM_BACKENDS) {
  TSM_REQUIRE_BACKEND(TestType::kind);
  Cli cli(TestType::kind);
  REQUIRE(cli.run({"upgrade", "head"}).exit_code == 0);
  {
    // On SQLite the context tree has its own file; elsewhere it shares the main database.
    auto conn = cli.kind() == DialectKind::sqlite
                    ? tsm::backend_for(cli.kind()).connect(tsm::parse_url("sqlite:///" + cli.context_path()), {})
                    : cli.db().connect();
    conn->execute("ALTER TABLE context_facts ADD COLUMN hand_added_ctx INTEGER");
  }
  auto r = cli.run({"check", "--json"});
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  CHECK(r.exit_code == 6);
  auto doc = nlohmann::json::parse(r.out);
  REQUIRE(doc.at("differences").at("context").size() == 1);
  CHECK(doc.at("differences").at("context").at(0).get<std::string>().find("hand_added_ctx") != std::string::npos);
  CHECK(doc.at("differences").at("main").empty());
  // --tree main looks at the main tree only: clean.
  CHECK(cli.run({"check", "--tree", "main"}).exit_code == 0);
}
