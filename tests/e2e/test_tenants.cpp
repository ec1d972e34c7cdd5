// --tenants: one command over many tenants (PostgreSQL schemas of one database, MariaDB databases
// of one server, SQLite files listed in a file). Every assertion reads the tenants' own version
// tables and run history, not only what the tool printed.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <map>

#include <fmt/format.h>

#include "tests/support/e2e_fixture.h"
#include "tests/support/parallel_run.h"

using namespace tsm::test;
namespace fs = std::filesystem;

namespace {

std::string percent_encode(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~')
      out += static_cast<char>(c);
    else
      out += fmt::format("%{:02X}", c);
  }
  return out;
}

// Replaces the database of a server URL (as tests/support/test_db.cpp does).
std::string with_database(const std::string& url, const std::string& db) {
  auto scheme_end = url.find("://");
  auto path_start = url.find('/', scheme_end + 3);
  auto query = url.find('?', scheme_end + 3);
  std::string head = url.substr(0, path_start == std::string::npos ? query : path_start);
  std::string tail = query == std::string::npos ? "" : url.substr(query);
  return head + "/" + percent_encode(db) + tail;
}

// A set of tenants on one backend, and the control database the tool's --url points at.
// PostgreSQL: schemas of the control database. MariaDB: databases of the server, named with a
// prefix unique to this test (dropped at the end). SQLite: files in the test's directory, listed
// in a file.
class Tenants {
 public:
  explicit Tenants(tsm::DialectKind kind) : cli_(kind) {
    static std::atomic<int> counter{0};
    prefix_ = fmt::format("tsmfan_{}_{}_", ::getpid(), counter++);
  }
  ~Tenants() {
    if (kind() != tsm::DialectKind::mariadb) return;
    try {
      auto admin = admin_connection();
      for (const auto& name : created_) admin->execute("DROP DATABASE IF EXISTS " + admin->dialect().quote(name));
    } catch (const std::exception& e) {
      WARN("could not drop tenant databases: " << e.what());
    }
  }

  tsm::DialectKind kind() const { return cli_.kind(); }
  Cli& cli() { return cli_; }

  // The tenant's name as the tool sees it (MariaDB: prefixed; SQLite: the file's path).
  std::string name(const std::string& short_name) const {
    switch (kind()) {
      case tsm::DialectKind::postgresql: return short_name;
      case tsm::DialectKind::mariadb: return prefix_ + short_name;
      case tsm::DialectKind::sqlite: return cli_.dir() + "/" + short_name + ".db";
    }
    return short_name;
  }

  // Creates the tenants (empty schemas / databases; SQLite files appear on the first upgrade).
  void create(const std::vector<std::string>& short_names) {
    for (const auto& s : short_names) {
      const std::string n = name(s);
      if (kind() == tsm::DialectKind::postgresql) {
        auto c = cli_.db().connect();
        c->execute("CREATE SCHEMA " + c->dialect().quote(n));
      } else if (kind() == tsm::DialectKind::mariadb) {
        auto c = admin_connection();
        c->execute("CREATE DATABASE " + c->dialect().quote(n));
        created_.push_back(n);
      }
    }
  }

  // A spec naming exactly these tenants: a glob where names allow, else a file.
  std::string glob_spec() const {
    switch (kind()) {
      case tsm::DialectKind::postgresql: return "tenant_*";
      case tsm::DialectKind::mariadb: return prefix_ + "tenant_*";
      case tsm::DialectKind::sqlite: break;
    }
    FAIL("no glob on SQLite");
    return {};
  }
  std::string file_spec(const std::vector<std::string>& short_names) const {
    std::string path = cli_.dir() + "/tenants.txt";
    std::ofstream out(path);
    out << "# tenants of this test\n";
    for (const auto& s : short_names) out << name(s) << "\n";
    return "@" + path;
  }

  std::string url(const std::string& short_name) const {
    const std::string n = name(short_name);
    switch (kind()) {
      case tsm::DialectKind::postgresql: return cli_.db().url() + "?schema=" + percent_encode(n);
      case tsm::DialectKind::mariadb: return with_database(cli_.db().url(), n);
      case tsm::DialectKind::sqlite: return "sqlite:///" + n;
    }
    return {};
  }
  std::unique_ptr<tsm::Connection> connect(const std::string& short_name) const {
    tsm::ConnectOptions o;
    o.create_if_missing = true;
    return tsm::backend_for(kind()).connect(tsm::parse_url(url(short_name)), o);
  }
  std::unique_ptr<tsm::Connection> connect_context(const std::string& short_name) const {
    if (kind() != tsm::DialectKind::sqlite) return connect(short_name);
    tsm::ConnectOptions o;
    o.create_if_missing = true;
    return tsm::backend_for(kind()).connect(tsm::parse_url(tsm::default_context_url(tsm::parse_url(url(short_name)))), o);
  }

  std::vector<std::string> versions(const std::string& short_name, const std::string& tree = "main") const {
    const std::string table = tree == "main" ? "turnstone_version" : "turnstone_context_version";
    auto c = tree == "main" ? connect(short_name) : connect_context(short_name);
    if (!c->table_exists(table)) return {};
    std::vector<std::string> rows;
    for (auto& r : c->query("SELECT version_num FROM " + table + " ORDER BY version_num")) rows.push_back(*r[0]);
    return rows;
  }

  // Successful upgrade steps per tree and revision in the tenant's run history.
  std::map<std::string, int> ok_upgrades(const std::string& short_name) const {
    std::map<std::string, int> counts;
    for (bool context : {false, true}) {
      if (context && kind() != tsm::DialectKind::sqlite) break;  // one database holds both trees
      auto c = context ? connect_context(short_name) : connect(short_name);
      if (!c->table_exists("turnstone_migrate_runs")) continue;
      for (auto& row : c->query("SELECT tree, revision, COUNT(*) FROM turnstone_migrate_runs "
                                "WHERE direction = 'upgrade' AND outcome = 'ok' GROUP BY tree, revision"))
        counts[*row[0] + ":" + *row[1]] += std::stoi(*row[2]);
    }
    return counts;
  }

  RunResult run(std::vector<std::string> args) const { return cli_.run(std::move(args)); }

 private:
  std::unique_ptr<tsm::Connection> admin_connection() const {
    const char* admin = std::getenv("TSM_TEST_MARIADB_URL");
    REQUIRE(admin);
    return tsm::backend_for(tsm::DialectKind::mariadb).connect(tsm::parse_url(admin), tsm::ConnectOptions{});
  }

  mutable Cli cli_;  // Cli::db() is not const
  std::string prefix_;
  std::vector<std::string> created_;
};

std::vector<std::string> numbered(int count) {
  std::vector<std::string> out;
  for (int i = 1; i <= count; ++i) out.push_back(fmt::format("tenant_{:02}", i));
  return out;
}

// The spec a test uses for a set of numbered tenants: the glob on servers, a file on SQLite.
std::string spec_for(const Tenants& t, const std::vector<std::string>& names) {
  return t.kind() == tsm::DialectKind::sqlite ? t.file_spec(names) : t.glob_spec();
}

// Breaks a tenant by hand: a table the baseline revision creates already exists, with another shape.
void break_tenant(Tenants& t, const std::string& short_name) {
  t.connect(short_name)->execute("CREATE TABLE sources (broken_by_hand INTEGER)");
}
void fix_tenant(Tenants& t, const std::string& short_name) { t.connect(short_name)->execute("DROP TABLE sources"); }

nlohmann::json tenant_entry(const nlohmann::json& doc, const std::string& name) {
  for (const auto& e : doc.at("tenants"))
    if (e.at("tenant").get<std::string>() == name) return e;
  FAIL("tenant " << name << " missing from the JSON document");
  return {};
}

}  // namespace

TEMPLATE_TEST_CASE("tenants: twenty tenants with one broken - the others reach head and --retry-failed reruns only it",
                   "[e2e][tenants]", TSM_BACKENDS) {
  TSM_REQUIRE_BACKEND(TestType::kind);
  Tenants t(TestType::kind);
  const auto names = numbered(20);
  t.create(names);
  break_tenant(t, "tenant_07");
  const std::string spec = spec_for(t, names);
  const auto main_heads = tool_heads(t.cli(), "main");
  const auto context_heads = tool_heads(t.cli(), "context");

  auto first = t.run({"upgrade", "head", "--tenants", spec, "--jobs", "4"});
  INFO(first.out << first.err);
  REQUIRE(first.exit_code == 1);
  for (const auto& n : names) {
    if (n == "tenant_07") continue;
    INFO(n);
    CHECK(t.versions(n, "main") == main_heads);
    CHECK(t.versions(n, "context") == context_heads);
  }
  CHECK(t.versions("tenant_07", "main") != main_heads);
  CHECK(first.out.find("failed: " + t.name("tenant_07") + "\n") != std::string::npos);
  CHECK(first.out.find("20 tenant(s): 19 ok, 0 at target, 1 failed, 0 not started") != std::string::npos);
  CHECK(first.err.find("tenants: 20/20 done, 1 failed") != std::string::npos);

  // Again, as JSON: the broken tenant fails again, the others cost nothing (at target).
  auto again = t.run({"upgrade", "head", "--tenants", spec, "--json"});
  INFO(again.out << again.err);
  REQUIRE(again.exit_code == 1);
  auto doc = nlohmann::json::parse(again.out);
  CHECK(doc.at("failed") == nlohmann::json::array({t.name("tenant_07")}));
  CHECK(doc.at("summary").at("at_target") == 19);
  auto broken = tenant_entry(doc, t.name("tenant_07"));
  CHECK(broken.at("outcome") == "failed");
  CHECK(broken.at("exit_code") == 1);
  CHECK(!broken.at("error").get<std::string>().empty());

  // Fixed by hand: --retry-failed runs that tenant and no other.
  std::map<std::string, std::map<std::string, int>> runs_before;
  for (const auto& n : names) runs_before[n] = t.ok_upgrades(n);
  fix_tenant(t, "tenant_07");
  auto retry = t.run({"upgrade", "head", "--tenants", spec, "--retry-failed", "--json"});
  INFO(retry.out << retry.err);
  REQUIRE(retry.exit_code == 0);
  auto rdoc = nlohmann::json::parse(retry.out);
  REQUIRE(rdoc.at("tenants").size() == 1);
  CHECK(rdoc.at("tenants")[0].at("tenant") == t.name("tenant_07"));
  CHECK(rdoc.at("tenants")[0].at("outcome") == "ok");
  CHECK(t.versions("tenant_07", "main") == main_heads);
  CHECK(t.versions("tenant_07", "context") == context_heads);
  for (const auto& n : names)
    if (n != "tenant_07") CHECK(t.ok_upgrades(n) == runs_before[n]);

  // The last fan-out had no failure: nothing to retry.
  auto nothing = t.run({"upgrade", "head", "--tenants", spec, "--retry-failed"});
  CHECK(nothing.exit_code == 0);
  CHECK(nothing.out.find("nothing to retry") != std::string::npos);
}

TEMPLATE_TEST_CASE("tenants: two fan-outs started together apply every revision once per tenant", "[e2e][tenants]",
                   ::tsm::test::OnPostgres, ::tsm::test::OnMariadb) {
  TSM_REQUIRE_BACKEND(TestType::kind);
  Tenants t(TestType::kind);
  const auto names = numbered(8);
  t.create(names);
  RunOptions o;
  o.cwd = t.cli().dir();
  o.env["TURNSTONE_DATABASE_URL"] = t.cli().db().url();
  const std::vector<std::string> args = {"upgrade", "head", "--tenants", t.glob_spec(), "--jobs", "4"};
  auto results = run_parallel({args, args}, o);
  for (const auto& r : results) {
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
  }
  const auto main_heads = tool_heads(t.cli(), "main");
  for (const auto& n : names) {
    INFO(n);
    CHECK(t.versions(n, "main") == main_heads);
    auto counts = t.ok_upgrades(n);
    CHECK(counts.size() == 10);  // 8 main + 2 context revisions
    for (const auto& [rev, count] : counts) {
      INFO(rev);
      CHECK(count == 1);
    }
  }
}

TEMPLATE_TEST_CASE("tenants: a failing canary stops the fan-out", "[e2e][tenants]", ::tsm::test::OnPostgres,
                   ::tsm::test::OnMariadb) {
  TSM_REQUIRE_BACKEND(TestType::kind);
  Tenants t(TestType::kind);
  const auto names = numbered(6);
  t.create(names);
  break_tenant(t, "tenant_01");
  auto r = t.run({"upgrade", "head", "--tenants", t.glob_spec(), "--canary", "2", "--jobs", "2", "--json"});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 1);
  auto doc = nlohmann::json::parse(r.out);
  CHECK(doc.at("failed") == nlohmann::json::array({t.name("tenant_01")}));
  CHECK(doc.at("summary").at("not_started") == 4);
  CHECK(t.versions("tenant_02", "main") == tool_heads(t.cli(), "main"));
  for (const auto& n : {"tenant_03", "tenant_04", "tenant_05", "tenant_06"}) {
    INFO(n);
    CHECK(t.versions(n, "main").empty());
    CHECK(tenant_entry(doc, t.name(n)).at("outcome") == "not started");
  }
}

TEMPLATE_TEST_CASE("tenants: --fail-fast starts no tenant after the first failure", "[e2e][tenants]",
                   ::tsm::test::OnPostgres, ::tsm::test::OnMariadb) {
  TSM_REQUIRE_BACKEND(TestType::kind);
  Tenants t(TestType::kind);
  const auto names = numbered(5);
  t.create(names);
  break_tenant(t, "tenant_01");
  auto r = t.run({"upgrade", "head", "--tenants", t.glob_spec(), "--fail-fast", "--jobs", "1", "--json"});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 1);
  auto doc = nlohmann::json::parse(r.out);
  CHECK(doc.at("summary").at("failed") == 1);
  CHECK(doc.at("summary").at("not_started") == 4);
  for (const auto& n : {"tenant_02", "tenant_03", "tenant_04", "tenant_05"}) CHECK(t.versions(n, "main").empty());
}

TEMPLATE_TEST_CASE("tenants: names that need quoting work and current lists each tenant", "[e2e][tenants]",
                   ::tsm::test::OnPostgres, ::tsm::test::OnMariadb) {
  TSM_REQUIRE_BACKEND(TestType::kind);
  Tenants t(TestType::kind);
  const std::vector<std::string> names = {"Tenant-A", "tenant.b", "tenant_\xc3\xbc\xc3\xa9"};  // tenant_üé
  if (TestType::kind == tsm::DialectKind::mariadb) t.create(names);  // PostgreSQL: the upgrade creates the schemas
  const std::string spec = t.file_spec(names);
  auto up = t.run({"upgrade", "head", "--tenants", spec});
  INFO(up.out << up.err);
  REQUIRE(up.exit_code == 0);
  const auto main_heads = tool_heads(t.cli(), "main");
  for (const auto& n : names) {
    INFO(n);
    CHECK(t.versions(n, "main") == main_heads);
    CHECK(up.out.find(t.name(n)) != std::string::npos);
  }
  // One tenant one step back: current shows each tenant's own rows.
  RunOptions o;
  o.cwd = t.cli().dir();
  o.env["TURNSTONE_DATABASE_URL"] = t.url("tenant.b");
  auto down = run_tool({"downgrade", "-1", "--tree", "main"}, o);
  REQUIRE(down.exit_code == 0);
  const auto b_rows = t.versions("tenant.b", "main");
  REQUIRE(b_rows != main_heads);

  // PostgreSQL: `all` (the schemas of the database that hold the version table). MariaDB: the file,
  // since `all` would also list the databases of other tests running on the same server.
  const std::string current_spec = TestType::kind == tsm::DialectKind::postgresql ? "all" : spec;
  auto cur = t.run({"current", "--tenants", current_spec, "--json"});
  INFO(cur.out << cur.err);
  REQUIRE(cur.exit_code == 0);
  auto doc = nlohmann::json::parse(cur.out);
  REQUIRE(doc.at("tenants").size() == names.size());
  for (const auto& n : names) {
    INFO(n);
    auto e = tenant_entry(doc, t.name(n));
    CHECK(e.at("current").at("main").get<std::vector<std::string>>() == t.versions(n, "main"));
    CHECK(e.at("at_head") == (n != "tenant.b"));
  }
  auto text = t.run({"current", "--tenants", current_spec});
  REQUIRE(text.exit_code == 0);
  CHECK(text.out.find(t.name("Tenant-A")) != std::string::npos);
  CHECK(text.out.find(b_rows.front()) != std::string::npos);
}

TEST_CASE("tenants: options that do not fit are usage errors", "[e2e][tenants]") {
  Cli cli(tsm::DialectKind::sqlite);
  CHECK(cli.run({"heads", "--tenants", "all"}).exit_code == 2);
  CHECK(cli.run({"upgrade", "head", "--canary", "2"}).exit_code == 2);
  CHECK(cli.run({"upgrade", "head", "--retry-failed"}).exit_code == 2);
  CHECK(cli.run({"upgrade", "head", "--jobs", "2"}).exit_code == 2);
  CHECK(cli.run({"upgrade", "head", "--tenants", "all"}).exit_code == 2);  // SQLite tenants come from a file
  CHECK(cli.run({"upgrade", "head", "--tenants", "@"}).exit_code == 2);
  CHECK(cli.run({"upgrade", "head", "--tenants", "@/nonexistent/tenants.txt"}).exit_code == 2);
  CHECK(cli.run({"upgrade", "head", "--tenants", "all", "--jobs", "0"}).exit_code == 2);
  CHECK(cli.run({"upgrade", "head", "--sql", "--tenants", "all"}).exit_code == 2);
  if (backend_available(tsm::DialectKind::postgresql)) {
    Cli pg(tsm::DialectKind::postgresql);
    auto r = pg.run({"upgrade", "head", "--tenants", "nomatch_*"});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("names no tenant") != std::string::npos);
    auto schema = pg.run({"upgrade", "head", "--tenants", "all"},
                         {{"TURNSTONE_DATABASE_URL", pg.db().url() + "?schema=x"}});
    CHECK(schema.exit_code == 2);
    // The password never appears, also not in a tenant's error line.
    auto url = tsm::parse_url(pg.db().url());
    if (url.password && !url.password->empty()) CHECK(r.err.find(*url.password) == std::string::npos);
  }
}

TEMPLATE_TEST_CASE("tenants: check --tenants names the tenant with drift", "[e2e][tenants]", ::tsm::test::OnPostgres,
                   ::tsm::test::OnMariadb) {
  TSM_REQUIRE_BACKEND(TestType::kind);
  Tenants t(TestType::kind);
  const auto names = numbered(3);
  t.create(names);
  REQUIRE(t.run({"upgrade", "head", "--tenants", t.glob_spec()}).exit_code == 0);
  auto clean = t.run({"check", "--tenants", t.glob_spec()});
  INFO(clean.out << clean.err);
  CHECK(clean.exit_code == 0);
  t.connect("tenant_02")->execute("ALTER TABLE sources ADD COLUMN added_by_hand INTEGER");
  auto r = t.run({"check", "--tenants", t.glob_spec(), "--json"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 6);
  auto doc = nlohmann::json::parse(r.out);
  CHECK(doc.at("failed") == nlohmann::json::array({t.name("tenant_02")}));
  CHECK(tenant_entry(doc, t.name("tenant_02")).at("error").get<std::string>().find("added_by_hand") != std::string::npos);
}

TEMPLATE_TEST_CASE("tenants: downgrade and stamp fan out too", "[e2e][tenants]", TSM_BACKENDS) {
  TSM_REQUIRE_BACKEND(TestType::kind);
  Tenants t(TestType::kind);
  const auto names = numbered(3);
  t.create(names);
  const std::string spec = spec_for(t, names);
  const auto main_heads = tool_heads(t.cli(), "main");
  const auto context_heads = tool_heads(t.cli(), "context");
  REQUIRE(t.run({"upgrade", "head", "--tenants", spec}).exit_code == 0);

  auto down = t.run({"downgrade", "base", "--tree", "main", "--tenants", spec, "--json"});
  INFO(down.out << down.err);
  REQUIRE(down.exit_code == 0);
  CHECK(nlohmann::json::parse(down.out).at("summary").at("ok") == 3);
  for (const auto& n : names) {
    INFO(n);
    CHECK(t.versions(n, "main").empty());
    CHECK(t.versions(n, "context") == context_heads);
  }

  auto st = t.run({"stamp", "head", "--tree", "main", "--tenants", spec});
  INFO(st.out << st.err);
  REQUIRE(st.exit_code == 0);
  for (const auto& n : names) CHECK(t.versions(n, "main") == main_heads);
  // Stamping again changes nothing: every tenant is at target.
  auto again = t.run({"stamp", "head", "--tree", "main", "--tenants", spec, "--json"});
  REQUIRE(again.exit_code == 0);
  CHECK(nlohmann::json::parse(again.out).at("summary").at("at_target") == 3);
}
