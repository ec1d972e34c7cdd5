// upgrade / downgrade / stamp / current through the real binary, on every backend.
#include "tests/support/e2e_fixture.h"

using namespace tsm::test;

namespace {
bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}
}  // namespace

TEMPLATE_TEST_CASE("upgrade head builds both trees and records their heads", "[e2e]", TSM_BACKENDS) {
  TSM_REQUIRE_BACKEND(TestType::kind);
  Cli cli(TestType::kind);
  auto main_heads = tool_heads(cli, "main");
  auto ctx_heads = tool_heads(cli, "context");
  REQUIRE(main_heads.size() == 1);
  REQUIRE(ctx_heads.size() == 1);

  auto r = cli.run({"upgrade", "head"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(cli.versions("turnstone_version") == main_heads);
  CHECK(cli.versions("turnstone_context_version") == ctx_heads);
  CHECK(cli.has_table("log_entries"));
  CHECK(cli.has_table("detections"));

  auto cur = cli.run({"current"});
  REQUIRE(cur.exit_code == 0);
  CHECK(contains(cur.out, "main: " + main_heads[0] + " (head)"));
  CHECK(contains(cur.out, "context: " + ctx_heads[0] + " (head)"));

  auto again = cli.run({"upgrade", "head"});
  REQUIRE(again.exit_code == 0);
  CHECK(contains(again.out, "already at target"));
  CHECK(cli.versions("turnstone_version") == main_heads);
}

TEMPLATE_TEST_CASE("downgrade base leaves only the version tables, upgrade head restores", "[e2e]", TSM_BACKENDS) {
  TSM_REQUIRE_BACKEND(TestType::kind);
  Cli cli(TestType::kind);
  REQUIRE(cli.run({"upgrade", "head"}).exit_code == 0);
  auto r = cli.run({"downgrade", "base"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(cli.versions("turnstone_version").empty());
  CHECK(cli.versions("turnstone_context_version").empty());
  CHECK(cli.has_table("turnstone_version"));
  CHECK_FALSE(cli.has_table("log_entries"));
  CHECK_FALSE(cli.has_table("sources"));
  REQUIRE(cli.run({"upgrade", "head"}).exit_code == 0);
  CHECK(cli.versions("turnstone_version") == tool_heads(cli, "main"));
  CHECK(cli.has_table("log_entries"));
}

TEMPLATE_TEST_CASE("relative targets walk one revision at a time", "[e2e]", TSM_BACKENDS) {
  TSM_REQUIRE_BACKEND(TestType::kind);
  Cli cli(TestType::kind);
  REQUIRE(cli.run({"upgrade", "+2", "--tree", "main"}).exit_code == 0);
  auto after_two = cli.versions();
  REQUIRE(after_two.size() == 1);
  CHECK(cli.has_table("log_entries"));
  CHECK_FALSE(cli.has_table("detections"));
  REQUIRE(cli.run({"upgrade", "+1", "--tree", "main"}).exit_code == 0);
  CHECK(cli.has_table("detections"));
  REQUIRE(cli.run({"downgrade", "-1", "--tree", "main"}).exit_code == 0);
  CHECK(cli.versions() == after_two);
  CHECK_FALSE(cli.has_table("detections"));
  // Without --tree a relative target is ambiguous across trees.
  auto amb = cli.run({"upgrade", "+1"});
  CHECK(amb.exit_code == 2);
  CHECK(contains(amb.err, "error:"));
  CHECK(cli.versions() == after_two);
}

TEMPLATE_TEST_CASE("stamp writes only the version table, then upgrade runs the rest", "[e2e]", TSM_BACKENDS) {
  TSM_REQUIRE_BACKEND(TestType::kind);
  Cli cli(TestType::kind);
  auto head = tool_heads(cli, "main")[0];
  auto st = cli.run({"stamp", head, "--tree", "main"});
  INFO(st.err);
  REQUIRE(st.exit_code == 0);
  CHECK(cli.versions() == std::vector<std::string>{head});
  CHECK_FALSE(cli.has_table("log_entries"));  // stamp ran no migration

  REQUIRE(cli.run({"stamp", "base", "--tree", "main"}).exit_code == 0);
  CHECK(cli.versions().empty());
  REQUIRE(cli.run({"upgrade", "head", "--tree", "main"}).exit_code == 0);
  CHECK(cli.has_table("log_entries"));

  // An unknown revision in the version table needs attention (exit 5); --purge clears it.
  cli.db().connect()->execute("UPDATE turnstone_version SET version_num = 'feedfacecafe'");
  auto cur = cli.run({"current", "--tree", "main"});
  CHECK(cur.exit_code == 5);
  CHECK(contains(cur.err, "feedfacecafe"));
  auto purge = cli.run({"stamp", "--purge", head, "--tree", "main"});
  INFO(purge.err);
  CHECK(purge.exit_code == 0);
  CHECK(cli.versions() == std::vector<std::string>{head});
}

TEMPLATE_TEST_CASE("a failing revision leaves the version table as it was", "[e2e]", TSM_BACKENDS) {
  TSM_REQUIRE_BACKEND(TestType::kind);
  Cli cli(TestType::kind);
  cli.unit("a.sql", "-- revision: e2e00000000a\n-- down_revision: none\n-- tree: e2e\n-- message: first\n"
                    "-- +upgrade\nCREATE TABLE e2e_one (id INTEGER PRIMARY KEY);\n"
                    "-- +downgrade\nDROP TABLE e2e_one;\n");
  auto dir = cli.unit("b.sql", "-- revision: e2e00000000b\n-- down_revision: e2e00000000a\n-- tree: e2e\n"
                               "-- message: broken\n-- +upgrade\nCREATE TABLE e2e_two (id INTEGER PRIMARY KEY);\n"
                               "INSERT INTO e2e_missing_table VALUES (1);\n-- +downgrade\nDROP TABLE e2e_two;\n");
  auto r = cli.run({"--revisions-dir", dir, "--tree", "e2e", "upgrade", "head"});
  CHECK(r.exit_code == 1);
  CHECK(contains(r.err, "error: upgrade e2e00000000b"));
  CHECK(contains(r.err, "e2e_missing_table"));
  CHECK(cli.versions("turnstone_e2e_version") == std::vector<std::string>{"e2e00000000a"});
  CHECK(cli.has_table("e2e_one"));
  if (TestType::kind == tsm::DialectKind::mariadb) {
    // DDL committed: the table stays, the progress record says so, the next run needs attention.
    CHECK(cli.has_table("e2e_two"));
    auto again = cli.run({"--revisions-dir", dir, "--tree", "e2e", "--no-resume", "upgrade", "head"});
    CHECK(again.exit_code == 5);
    CHECK(contains(again.err, "e2e00000000b"));
    CHECK(contains(again.err, "ran:     CREATE TABLE e2e_two"));
    CHECK(contains(again.err, "not run: INSERT INTO e2e_missing_table"));
  } else {
    CHECK_FALSE(cli.has_table("e2e_two"));  // rolled back with its transaction
  }
}

TEMPLATE_TEST_CASE("a SQL unit joins the compiled graph under a compiled parent", "[e2e]", TSM_BACKENDS) {
  TSM_REQUIRE_BACKEND(TestType::kind);
  Cli cli(TestType::kind);
  auto head = tool_heads(cli, "main")[0];
  auto dir = cli.unit("plugin.sql", "-- revision: plugin000001\n-- down_revision: " + head +
                                        "\n-- message: plugin notes\n-- +upgrade\n"
                                        "CREATE TABLE plugin_notes (id INTEGER PRIMARY KEY, note TEXT);\n"
                                        "-- +downgrade\nDROP TABLE plugin_notes;\n");
  auto heads = cli.run({"--revisions-dir", dir, "heads", "--tree", "main"});
  REQUIRE(heads.exit_code == 0);
  CHECK(heads.out == "plugin000001 (head)\n");
  auto r = cli.run({"--revisions-dir", dir, "upgrade", "head"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(cli.versions() == std::vector<std::string>{"plugin000001"});
  CHECK(cli.has_table("plugin_notes"));
  CHECK(cli.has_table("log_entries"));
  REQUIRE(cli.run({"--revisions-dir", dir, "downgrade", "-1", "--tree", "main"}).exit_code == 0);
  CHECK(cli.versions() == std::vector<std::string>{head});
  CHECK_FALSE(cli.has_table("plugin_notes"));
}

TEMPLATE_TEST_CASE("branches: head refuses several heads, heads applies both, merge joins them", "[e2e]",
                   TSM_BACKENDS) {
  TSM_REQUIRE_BACKEND(TestType::kind);
  Cli cli(TestType::kind);
  cli.unit("1.sql", "-- revision: br0000000001\n-- down_revision: none\n-- tree: e2e\n-- +upgrade\n"
                    "CREATE TABLE br_root (id INTEGER);\n-- +downgrade\nDROP TABLE br_root;\n");
  cli.unit("2.sql", "-- revision: br0000000002\n-- down_revision: br0000000001\n-- tree: e2e\n"
                    "-- branch_labels: left\n-- +upgrade\nCREATE TABLE br_left (id INTEGER);\n"
                    "-- +downgrade\nDROP TABLE br_left;\n");
  auto dir = cli.unit("3.sql", "-- revision: br0000000003\n-- down_revision: br0000000001\n-- tree: e2e\n"
                               "-- branch_labels: right\n-- +upgrade\nCREATE TABLE br_right (id INTEGER);\n"
                               "-- +downgrade\nDROP TABLE br_right;\n");
  std::vector<std::string> base{"--revisions-dir", dir, "--tree", "e2e"};
  auto with = [&](std::vector<std::string> more) {
    auto args = base;
    args.insert(args.end(), more.begin(), more.end());
    return cli.run(args);
  };
  auto head = with({"upgrade", "head"});
  CHECK(head.exit_code == 2);
  CHECK(contains(head.err, "br0000000002"));
  CHECK(contains(head.err, "heads"));
  CHECK(cli.versions("turnstone_e2e_version").empty());

  REQUIRE(with({"upgrade", "left@head"}).exit_code == 0);
  CHECK(cli.versions("turnstone_e2e_version") == std::vector<std::string>{"br0000000002"});
  REQUIRE(with({"upgrade", "heads"}).exit_code == 0);
  CHECK(cli.versions("turnstone_e2e_version") == std::vector<std::string>{"br0000000002", "br0000000003"});
  CHECK(cli.has_table("br_right"));

  auto br = with({"branches"});
  CHECK(contains(br.out, "br0000000001 (branchpoint)"));

  // merge writes a unit that loads and runs unchanged.
  auto m = with({"merge", "-m", "join left and right", "heads", "--sql-unit", dir, "--rev-id", "br0000000004"});
  INFO(m.err);
  REQUIRE(m.exit_code == 0);
  REQUIRE(with({"upgrade", "head"}).exit_code == 0);
  CHECK(cli.versions("turnstone_e2e_version") == std::vector<std::string>{"br0000000004"});

  // Alembic: a downgrade reverts only the target's descendants, so the right branch stays.
  REQUIRE(with({"downgrade", "br0000000002"}).exit_code == 0);
  CHECK(cli.versions("turnstone_e2e_version") == std::vector<std::string>{"br0000000002", "br0000000003"});
  CHECK(cli.has_table("br_right"));
  REQUIRE(with({"downgrade", "br0000000001"}).exit_code == 0);
  CHECK(cli.versions("turnstone_e2e_version") == std::vector<std::string>{"br0000000001"});
  CHECK_FALSE(cli.has_table("br_right"));
  CHECK_FALSE(cli.has_table("br_left"));
}

// Issue 11: A <- (B, C) <- D; E <- D; F <- D depends_on E; G <- (E, F); H <- F depends_on G;
// I <- (G, H); J <- I. Downgrading J to G reverts J and I and leaves the row H (H implies G).
// Alembic 1.8.1 writes {G, H} there (its bug #1373, fixed in 1.13.1): a table left like that is
// repaired by the next upgrade or downgrade.
TEMPLATE_TEST_CASE("a merge whose parents are linked by depends_on: downgrade and repair of older Alembic rows",
                   "[e2e]", TSM_BACKENDS) {
  TSM_REQUIRE_BACKEND(TestType::kind);
  Cli cli(TestType::kind);
  struct Unit {
    const char* id;
    const char* down;
    const char* depends;
  };
  std::string dir;
  for (const Unit& u : {Unit{"A", "none", ""}, Unit{"B", "A", ""}, Unit{"C", "A", ""}, Unit{"D", "B, C", ""},
                        Unit{"E", "D", ""}, Unit{"F", "D", "E"}, Unit{"G", "E, F", ""}, Unit{"H", "F", "G"},
                        Unit{"I", "G, H", ""}, Unit{"J", "I", ""}}) {
    // Lower-case ids: PostgreSQL folds the unquoted marker table names.
    auto ids = [](std::string list) {
      std::string out;
      for (char c : list)
        out += (c >= 'A' && c <= 'J') ? std::string("i11") + char(c - 'A' + 'a') : std::string(1, c);
      return out;
    };
    std::string id = ids(u.id);
    std::string text = "-- revision: " + id + "\n-- down_revision: " + ids(u.down) + "\n-- tree: e2e\n";
    if (*u.depends) text += "-- depends_on: " + ids(u.depends) + "\n";
    text += "-- +upgrade\nCREATE TABLE t_" + id + " (id INTEGER);\n-- +downgrade\nDROP TABLE t_" + id + ";\n";
    dir = cli.unit(id + ".sql", text);
  }
  auto with = [&](std::vector<std::string> more) {
    std::vector<std::string> args{"--revisions-dir", dir, "--tree", "e2e"};
    args.insert(args.end(), more.begin(), more.end());
    auto r = cli.run(args);
    INFO(r.err);
    CHECK(r.exit_code == 0);
    return r;
  };
  using Rows = std::vector<std::string>;
  with({"upgrade", "i11j"});
  with({"downgrade", "i11g"});
  CHECK(cli.versions("turnstone_e2e_version") == Rows{"i11h"});
  CHECK(cli.has_table("t_i11g"));
  CHECK_FALSE(cli.has_table("t_i11i"));

  // What Alembic 1.8.1 leaves: {G, H}. The next upgrade removes G with its first step.
  cli.db().connect()->execute("INSERT INTO turnstone_e2e_version (version_num) VALUES ('i11g')");
  with({"upgrade", "heads"});
  CHECK(cli.versions("turnstone_e2e_version") == Rows{"i11j"});
  // And the next downgrade, too.
  with({"downgrade", "i11g"});
  cli.db().connect()->execute("INSERT INTO turnstone_e2e_version (version_num) VALUES ('i11g')");
  with({"downgrade", "i11f"});
  CHECK(cli.versions("turnstone_e2e_version") == Rows{"i11f"});
  CHECK_FALSE(cli.has_table("t_i11g"));
  CHECK(cli.has_table("t_i11f"));
}
