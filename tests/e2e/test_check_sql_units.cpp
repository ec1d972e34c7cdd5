// `check` on trees made of SQL units (issue 12, item 5): raw SQL tells the schema model nothing,
// so `check` compares with the schema snapshot recorded when the revisions ran. Clean right after
// an upgrade and after a downgrade, each hand-made change named (exit 6), drift made before an
// upgrade still drift after it, and after a `stamp` over raw SQL a clear exit 5 instead of
// reporting what the SQL created as drift.
#include "tests/support/e2e_fixture.h"

using namespace tsm::test;
using tsm::DialectKind;

namespace {

constexpr const char* kSnapshotTable = "turnstone_migrate_schema_snapshot";

// Tree `shop`: 1 tables, a foreign key and an index; 2 a view; 3 a trigger (a function too on
// PostgreSQL); 4 a column added by ALTER TABLE; 5 data only.
void write_shop_units(const Cli& cli) {
  cli.unit("1.sql",
           "-- revision: shop00000001\n-- down_revision: none\n-- tree: shop\n-- message: customers and orders\n"
           "-- +upgrade\n"
           "CREATE TABLE shop_customers (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL);\n"
           "CREATE TABLE shop_orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL,\n"
           "  total INTEGER NOT NULL DEFAULT 0,\n"
           "  CONSTRAINT fk_shop_orders_customer FOREIGN KEY (customer_id) REFERENCES shop_customers (id));\n"
           "CREATE INDEX ix_shop_orders_total ON shop_orders (total);\n"
           "-- +downgrade\nDROP TABLE shop_orders;\nDROP TABLE shop_customers;\n");
  cli.unit("2.sql",
           "-- revision: shop00000002\n-- down_revision: shop00000001\n-- tree: shop\n-- message: totals view\n"
           "-- +upgrade\n"
           "CREATE VIEW shop_order_totals AS SELECT customer_id, SUM(total) AS total FROM shop_orders\n"
           "  GROUP BY customer_id;\n"
           "-- +downgrade\nDROP VIEW shop_order_totals;\n");
  cli.unit("3.sql",
           "-- revision: shop00000003\n-- down_revision: shop00000002\n-- tree: shop\n-- message: order trigger\n"
           "-- +upgrade sqlite\n"
           "-- +statement-begin\n"
           "CREATE TRIGGER shop_orders_touch AFTER INSERT ON shop_orders BEGIN\n"
           "  UPDATE shop_customers SET name = name WHERE id = new.customer_id;\n"
           "END;\n"
           "-- +statement-end\n"
           "-- +upgrade postgresql\n"
           "-- +statement-begin\n"
           "CREATE FUNCTION shop_touch() RETURNS trigger AS $$\n"
           "BEGIN\n  NEW.total := COALESCE(NEW.total, 0);\n  RETURN NEW;\nEND;\n"
           "$$ LANGUAGE plpgsql;\n"
           "-- +statement-end\n"
           "CREATE TRIGGER shop_orders_touch BEFORE INSERT ON shop_orders FOR EACH ROW EXECUTE FUNCTION shop_touch();\n"
           "-- +upgrade mariadb\n"
           "CREATE TRIGGER shop_orders_touch BEFORE INSERT ON shop_orders FOR EACH ROW\n"
           "  SET NEW.total = COALESCE(NEW.total, 0);\n"
           "-- +downgrade\nDROP TRIGGER shop_orders_touch;\n"
           "-- +downgrade postgresql\nDROP TRIGGER shop_orders_touch ON shop_orders;\nDROP FUNCTION shop_touch();\n");
  cli.unit("4.sql",
           "-- revision: shop00000004\n-- down_revision: shop00000003\n-- tree: shop\n-- message: customer email\n"
           "-- +upgrade\nALTER TABLE shop_customers ADD COLUMN email VARCHAR(200);\n"
           "-- +downgrade\nALTER TABLE shop_customers DROP COLUMN email;\n");
  cli.unit("5.sql",
           "-- revision: shop00000005\n-- down_revision: shop00000004\n-- tree: shop\n-- message: first customer\n"
           "-- +upgrade\nINSERT INTO shop_customers (id, name, email) VALUES (1, 'first', 'first@example.org');\n"
           "-- +downgrade\nDELETE FROM shop_customers WHERE id = 1;\n");
}

// The tool with the shop units loaded.
RunResult shop(const Cli& cli, std::vector<std::string> args) {
  args.insert(args.begin(), {"--revisions-dir", cli.dir() + "/units"});
  return cli.run(args);
}

void run_sql(Cli& cli, const std::vector<std::string>& statements) {
  auto conn = cli.db().connect();
  for (const auto& sql : statements) conn->execute(sql);
}

std::string drop_index(DialectKind kind, const std::string& index, const std::string& table) {
  return kind == DialectKind::mariadb ? "DROP INDEX " + index + " ON " + table : "DROP INDEX " + index;
}

std::vector<std::string> lines(const std::string& text) {
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

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

void expect_clean(const Cli& cli, const std::vector<std::string>& args = {"check", "--tree", "shop"}) {
  auto r = shop(cli, args);
  INFO("check stdout: " << r.out << "\nstderr: " << r.err);
  CHECK(r.exit_code == 0);
  CHECK(contains(r.out, "no drift"));
}

// `check --tree shop` finds exactly one difference, naming `mentions`, in text and JSON.
void expect_one_difference(const Cli& cli, const std::string& mentions) {
  auto r = shop(cli, {"check", "--tree", "shop"});
  INFO("expected a difference naming " << mentions << "\nstdout: " << r.out << "\nstderr: " << r.err);
  CHECK(r.exit_code == 6);
  auto found = lines(r.out);
  REQUIRE(found.size() == 1);
  CHECK(contains(found[0], mentions));
  auto j = shop(cli, {"check", "--tree", "shop", "--json"});
  CHECK(j.exit_code == 6);
  auto doc = nlohmann::json::parse(j.out);
  CHECK(doc.at("drift").get<bool>());
  REQUIRE(doc.at("differences").at("shop").size() == 1);
  CHECK(contains(doc.at("differences").at("shop").at(0).get<std::string>(), mentions));
}

}  // namespace

TEMPLATE_TEST_CASE("check is clean after upgrading a tree of SQL units and names each hand-made change",
                   "[e2e][check][sqlunits]", TSM_BACKENDS) {
  TSM_REQUIRE_BACKEND(TestType::kind);
  Cli cli(TestType::kind);
  const DialectKind kind = cli.kind();
  write_shop_units(cli);
  // Every tree, so Turnstone's tables and the shop's share the database (one file on SQLite).
  auto up = shop(cli, {"upgrade", "heads"});
  INFO(up.err);
  REQUIRE(up.exit_code == 0);
  REQUIRE(cli.versions("turnstone_shop_version") == std::vector<std::string>{"shop00000005"});
  CHECK(cli.has_table(kSnapshotTable));
  expect_clean(cli, {"check"});  // every tree: neither claims the other's tables
  {
    auto j = shop(cli, {"check", "--json"});
    REQUIRE(j.exit_code == 0);
    auto doc = nlohmann::json::parse(j.out);
    CHECK(doc.at("differences").at("shop").empty());
    CHECK(doc.at("differences").at("main").empty());
    CHECK(doc.at("differences").at("context").empty());
    CHECK_FALSE(doc.contains("unchecked"));
  }

  struct Edit {
    std::string mentions;
    std::vector<std::string> apply, restore;
  };
  const std::vector<Edit> edits{
      {"shop_orders: column hand_added not expected",
       {"ALTER TABLE shop_orders ADD COLUMN hand_added INTEGER"},
       {"ALTER TABLE shop_orders DROP COLUMN hand_added"}},
      {"shop_orders: index ix_shop_orders_total missing",
       {drop_index(kind, "ix_shop_orders_total", "shop_orders")},
       {"CREATE INDEX ix_shop_orders_total ON shop_orders (total)"}},
      {"shop_customers: column email missing",  // the column raw SQL added in revision 4
       {"ALTER TABLE shop_customers DROP COLUMN email"},
       {"ALTER TABLE shop_customers ADD COLUMN email VARCHAR(200)"}},
      {"table shop_hand not expected", {"CREATE TABLE shop_hand (id INTEGER)"}, {"DROP TABLE shop_hand"}},
  };
  for (const auto& edit : edits) {
    INFO("hand edit: " << edit.mentions);
    run_sql(cli, edit.apply);
    expect_one_difference(cli, edit.mentions);
    run_sql(cli, edit.restore);
    expect_clean(cli);
  }
  // A hand-made table is drift for every tree that shares the database, as before.
  run_sql(cli, {"CREATE TABLE shop_hand (id INTEGER)"});
  auto all = shop(cli, {"check"});
  CHECK(all.exit_code == 6);
  CHECK(contains(all.out, "shop: table shop_hand not expected"));
  run_sql(cli, {"DROP TABLE shop_hand"});
}

TEMPLATE_TEST_CASE("after a downgrade check compares with the schema the downgrade left", "[e2e][check][sqlunits]",
                   TSM_BACKENDS) {
  TSM_REQUIRE_BACKEND(TestType::kind);
  Cli cli(TestType::kind);
  write_shop_units(cli);
  REQUIRE(shop(cli, {"upgrade", "head", "--tree", "shop"}).exit_code == 0);
  expect_clean(cli);

  auto down = shop(cli, {"downgrade", "shop00000003", "--tree", "shop"});
  INFO(down.err);
  REQUIRE(down.exit_code == 0);
  expect_clean(cli);  // without email: the snapshot follows the downgrade
  run_sql(cli, {"ALTER TABLE shop_customers ADD COLUMN email VARCHAR(200)"});
  expect_one_difference(cli, "shop_customers: column email not expected");
  run_sql(cli, {"ALTER TABLE shop_customers DROP COLUMN email"});

  REQUIRE(shop(cli, {"downgrade", "shop00000001", "--tree", "shop"}).exit_code == 0);
  expect_clean(cli);
  run_sql(cli, {"ALTER TABLE shop_orders ADD COLUMN hand_added INTEGER"});
  expect_one_difference(cli, "shop_orders: column hand_added not expected");
  run_sql(cli, {"ALTER TABLE shop_orders DROP COLUMN hand_added"});

  // Down to base: nothing applied, nothing kept, nothing left.
  REQUIRE(shop(cli, {"downgrade", "base", "--tree", "shop"}).exit_code == 0);
  expect_clean(cli);
  CHECK_FALSE(cli.has_table("shop_orders"));
  auto rows = cli.db().connect()->query(std::string("SELECT count(*) FROM ") + kSnapshotTable);
  CHECK(rows.at(0).at(0).value_or("") == "0");

  REQUIRE(shop(cli, {"upgrade", "head", "--tree", "shop"}).exit_code == 0);
  expect_clean(cli);
}

TEMPLATE_TEST_CASE("a hand-made change stays drift after the next upgrade records its snapshot",
                   "[e2e][check][sqlunits]", TSM_BACKENDS) {
  TSM_REQUIRE_BACKEND(TestType::kind);
  Cli cli(TestType::kind);
  write_shop_units(cli);
  REQUIRE(shop(cli, {"upgrade", "shop00000003", "--tree", "shop"}).exit_code == 0);
  run_sql(cli, {drop_index(cli.kind(), "ix_shop_orders_total", "shop_orders"),
                "ALTER TABLE shop_orders ADD COLUMN hand_added INTEGER"});
  // Revision 4 alters shop_customers (another table); revision 5 only inserts a row.
  auto up = shop(cli, {"upgrade", "head", "--tree", "shop"});
  INFO(up.err);
  REQUIRE(up.exit_code == 0);
  auto r = shop(cli, {"check", "--tree", "shop"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 6);
  CHECK(contains(r.out, "shop_orders: index ix_shop_orders_total missing"));
  CHECK(contains(r.out, "shop_orders: column hand_added not expected"));
  CHECK(lines(r.out).size() == 2);
  run_sql(cli, {"CREATE INDEX ix_shop_orders_total ON shop_orders (total)",
                "ALTER TABLE shop_orders DROP COLUMN hand_added"});
  expect_clean(cli);
}

TEMPLATE_TEST_CASE("after stamp check says what it cannot know instead of reporting drift", "[e2e][check][sqlunits]",
                   TSM_BACKENDS) {
  TSM_REQUIRE_BACKEND(TestType::kind);
  Cli cli(TestType::kind);
  write_shop_units(cli);
  REQUIRE(shop(cli, {"upgrade", "head", "--tree", "shop"}).exit_code == 0);

  // Over a revision that only changes data: the operations of what lies between are known.
  REQUIRE(shop(cli, {"stamp", "shop00000004"}).exit_code == 0);
  expect_clean(cli);

  // Over revision 4's ALTER TABLE: unknown, and said so (exit 5), not drift.
  REQUIRE(shop(cli, {"stamp", "shop00000003"}).exit_code == 0);
  auto r = shop(cli, {"check", "--tree", "shop"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 5);
  CHECK_FALSE(contains(r.out, "not expected"));
  CHECK(contains(r.err, "error: "));
  CHECK(contains(r.err, "shop00000004"));
  CHECK(contains(r.err, "stamp"));
  auto j = shop(cli, {"check", "--tree", "shop", "--json"});
  CHECK(j.exit_code == 5);
  auto doc = nlohmann::json::parse(j.out);
  CHECK(doc.at("differences").at("shop").is_null());
  CHECK(contains(doc.at("unchecked").at("shop").get<std::string>(), "shop00000004"));

  // Back where the snapshot was taken: clean again.
  REQUIRE(shop(cli, {"stamp", "shop00000005"}).exit_code == 0);
  expect_clean(cli);

  // `stamp base` says nothing is applied: then the tables are drift, as for any tree.
  REQUIRE(shop(cli, {"stamp", "base", "--tree", "shop"}).exit_code == 0);
  auto at_base = shop(cli, {"check", "--tree", "shop"});
  CHECK(at_base.exit_code == 6);
  CHECK(contains(at_base.out, "table shop_customers not expected"));
  REQUIRE(shop(cli, {"stamp", "--purge", "shop00000005"}).exit_code == 0);
  expect_clean(cli);
}

TEMPLATE_TEST_CASE("without a snapshot check exits 5 until stamp adopts the live schema", "[e2e][check][sqlunits]",
                   TSM_BACKENDS) {
  TSM_REQUIRE_BACKEND(TestType::kind);
  Cli cli(TestType::kind);
  write_shop_units(cli);
  REQUIRE(shop(cli, {"upgrade", "head", "--tree", "shop"}).exit_code == 0);
  // As an older build would have left it: version rows, no snapshot.
  run_sql(cli, {std::string("DELETE FROM ") + kSnapshotTable});
  auto r = shop(cli, {"check", "--tree", "shop"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 5);
  CHECK(contains(r.err, "no schema snapshot"));
  CHECK(contains(r.err, "--adopt-schema"));

  auto adopt = shop(cli, {"stamp", "--adopt-schema", "--tree", "shop"});
  INFO(adopt.out << adopt.err);
  REQUIRE(adopt.exit_code == 0);
  CHECK(contains(adopt.out, "shop"));
  CHECK(cli.versions("turnstone_shop_version") == std::vector<std::string>{"shop00000005"});
  expect_clean(cli);
  run_sql(cli, {"ALTER TABLE shop_orders ADD COLUMN hand_added INTEGER"});
  expect_one_difference(cli, "shop_orders: column hand_added not expected");
}

TEMPLATE_TEST_CASE("a SQL unit on top of the Turnstone main tree is checked from both sources",
                   "[e2e][check][sqlunits]", TSM_BACKENDS) {
  TSM_REQUIRE_BACKEND(TestType::kind);
  Cli cli(TestType::kind);
  const auto head = tool_heads(cli, "main")[0];
  cli.unit("plugin.sql",
           "-- revision: plugin000001\n-- down_revision: " + head +
               "\n-- +upgrade\n"
               "CREATE TABLE plugin_notes (id INTEGER PRIMARY KEY, note VARCHAR(200));\n"
               "ALTER TABLE log_entries ADD COLUMN plugin_flag INTEGER;\n"
               "-- +downgrade\nALTER TABLE log_entries DROP COLUMN plugin_flag;\nDROP TABLE plugin_notes;\n");
  auto up = shop(cli, {"upgrade", "heads"});
  INFO(up.err);
  REQUIRE(up.exit_code == 0);
  auto r = shop(cli, {"check"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  // The raw column and a column of the operations' table are both watched.
  run_sql(cli,
          {"ALTER TABLE log_entries DROP COLUMN plugin_flag", "ALTER TABLE sources ADD COLUMN hand_added INTEGER"});
  auto drift = shop(cli, {"check"});
  INFO(drift.out << drift.err);
  CHECK(drift.exit_code == 6);
  CHECK(contains(drift.out, "main: log_entries: column plugin_flag missing"));
  CHECK(contains(drift.out, "main: sources: column hand_added not expected"));
  CHECK(lines(drift.out).size() == 2);
  run_sql(cli,
          {"ALTER TABLE log_entries ADD COLUMN plugin_flag INTEGER", "ALTER TABLE sources DROP COLUMN hand_added"});
  // Back below the plugin: the operations describe the tree again and nothing is kept for it.
  REQUIRE(shop(cli, {"downgrade", "-1", "--tree", "main"}).exit_code == 0);
  CHECK(shop(cli, {"check"}).exit_code == 0);
}

TEMPLATE_TEST_CASE("the Turnstone trees keep no schema snapshot", "[e2e][check][sqlunits]", TSM_BACKENDS) {
  TSM_REQUIRE_BACKEND(TestType::kind);
  Cli cli(TestType::kind);
  REQUIRE(cli.run({"upgrade", "heads"}).exit_code == 0);
  CHECK_FALSE(cli.has_table(kSnapshotTable));
  CHECK(cli.run({"check"}).exit_code == 0);
}
