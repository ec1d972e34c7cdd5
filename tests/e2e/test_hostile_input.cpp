// Hostile and careless input (issue 11): refused with one clear line and a documented exit code,
// nothing changed, nothing leaked.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include <sys/wait.h>
#include <unistd.h>

#include "tests/support/e2e_fixture.h"

using namespace tsm::test;
namespace fs = std::filesystem;

namespace {

bool contains(const std::string& haystack, const std::string& needle) { return haystack.find(needle) != std::string::npos; }

// A scratch working directory: the default URL would create ./turnstone.db in it.
struct Scratch {
  fs::path dir = fs::temp_directory_path() / ("tsm_hostile_" + std::to_string(::getpid()));
  Scratch() { fs::create_directories(dir); }
  ~Scratch() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  RunResult run(const std::vector<std::string>& args, std::map<std::string, std::string> env = {}) const {
    RunOptions o;
    o.cwd = dir.string();
    o.env = std::move(env);
    return run_tool(args, o);
  }
  bool empty() const { return fs::is_empty(dir); }
};

}  // namespace

TEST_CASE("hostile input: an empty URL is a usage error and creates nothing", "[e2e]") {
  Scratch s;
  auto flag = s.run({"upgrade", "head", "--url", ""});
  CHECK(flag.exit_code == 2);
  CHECK(contains(flag.err, "error: --url is empty"));
  auto env = s.run({"upgrade", "head"}, {{"TURNSTONE_DATABASE_URL", kEmptyValue}});
  CHECK(env.exit_code == 2);
  CHECK(contains(env.err, "error: $TURNSTONE_DATABASE_URL is set but empty"));
  auto ctx = s.run({"current"}, {{"TURNSTONE_CONTEXT_DATABASE_URL", kEmptyValue}});
  CHECK(ctx.exit_code == 2);
  CHECK(s.empty());  // no ./turnstone.db, no context file
}

TEST_CASE("hostile input: a URL without its '@' never echoes the password", "[e2e]") {
  Scratch s;
  for (const std::string url : {"postgresql://tm:secret127.0.0.1/db", "mysql://tm:secret", "mariadb://tm:secret:3306/x"}) {
    for (const std::vector<std::string>& extra : {std::vector<std::string>{}, {"-v"}, {"--json"}}) {
      std::vector<std::string> args{"current"};
      args.insert(args.end(), extra.begin(), extra.end());
      auto r = s.run(args, {{"TURNSTONE_DATABASE_URL", url}});
      INFO(url << " " << r.err);
      CHECK(r.exit_code == 2);
      CHECK_FALSE(contains(r.out + r.err, "secret"));
    }
  }
  CHECK(s.empty());
}

TEST_CASE("run history on MariaDB keeps microseconds: no step finishes before it started", "[e2e]") {
  TSM_REQUIRE_BACKEND(tsm::DialectKind::mariadb);
  Cli cli(tsm::DialectKind::mariadb);
  REQUIRE(cli.run({"upgrade", "head"}).exit_code == 0);
  auto rows = cli.db().column("SELECT COUNT(*) FROM turnstone_migrate_runs");
  REQUIRE(std::stoi(rows.at(0)) >= 5);
  CHECK(cli.db().column("SELECT COUNT(*) FROM turnstone_migrate_runs WHERE finished_at < started_at") ==
        std::vector<std::string>{"0"});
  // Whole seconds would leave every fraction at zero.
  CHECK(cli.db().column("SELECT COUNT(*) FROM turnstone_migrate_runs WHERE MICROSECOND(finished_at) <> 0") !=
        std::vector<std::string>{"0"});
}

TEST_CASE("hostile input: a failed write to stdout is an error and a non-zero exit", "[e2e]") {
  Scratch s;
  const std::string err = (s.dir / "err.txt").string();
  const std::string cmd = tool_path() + " upgrade head --sql --dialect sqlite --url sqlite:///" + (s.dir / "x.db").string() +
                          " > /dev/full 2> '" + err + "'";
  const int status = std::system(cmd.c_str());
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 1);
  std::ifstream in(err);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(contains(text, "error: cannot write the output to stdout"));
}

TEST_CASE("hostile input: revision refuses a branch label the loader would refuse and writes nothing", "[e2e]") {
  Scratch s;
  fs::create_directories(s.dir / "units");
  const std::string units = (s.dir / "units").string();
  const std::string url = "sqlite:///" + (s.dir / "t.db").string();
  for (const std::string& label : std::vector<std::string>{"x'); DROP TABLE t;--", "head", "a b", "rel-1", std::string(100, 'x')}) {
    auto r = s.run({"revision", "-m", "x", "--tree", "plug", "--sql-unit", units, "--branch-label", label, "--url", url});
    INFO(label << ": " << r.err);
    CHECK(r.exit_code == 2);
    CHECK(contains(r.err, "invalid branch label"));
    CHECK(r.err.size() < 400);
  }
  CHECK(fs::is_empty(s.dir / "units"));
  // A good label is written and the folder still loads.
  REQUIRE(s.run({"revision", "-m", "ok", "--tree", "plug", "--sql-unit", units, "--branch-label", "reports", "--url", url})
              .exit_code == 0);
  auto heads = s.run({"--revisions-dir", units, "heads", "--url", url});
  INFO(heads.err);
  CHECK(heads.exit_code == 0);
}

TEST_CASE("hostile input: error lines stay short whatever was typed", "[e2e]") {
  Scratch s;
  const std::string url = "sqlite:///" + (s.dir / "t.db").string();
  auto huge_url = s.run({"show", std::string(100000, 'd'), "--url", url});
  auto huge_target = s.run({"upgrade", std::string(100000, 'z'), "--url", url});
  auto negative = s.run({"upgrade", "head", "--lock-timeout", "-1", "--url", url});
  for (const auto* r : {&huge_url, &huge_target, &negative}) {
    INFO(r->err.substr(0, 300));
    CHECK(r->exit_code == 2);
    CHECK(r->err.rfind("error: ", 0) == 0);
    CHECK(r->err.size() < 2200);
  }
  CHECK(contains(negative.err, "604800"));
}

TEMPLATE_TEST_CASE("hostile input: a version table with NULL or duplicate rows or the wrong layout is refused, not rewritten",
                   "[e2e]", TSM_BACKENDS) {
  TSM_REQUIRE_BACKEND(TestType::kind);
  Cli cli(TestType::kind);
  REQUIRE(cli.run({"upgrade", "head", "--tree", "main"}).exit_code == 0);
  const std::string head = cli.versions().at(0);
  auto runs = [&] { return cli.db().column("SELECT COUNT(*) FROM turnstone_migrate_runs"); };
  const auto runs_before = runs();
  auto conn = cli.db().connect();
  conn->execute("DROP TABLE turnstone_version");
  conn->execute("CREATE TABLE turnstone_version (version_num VARCHAR(32))");  // no primary key

  SECTION("duplicate rows") {
    conn->execute("INSERT INTO turnstone_version (version_num) VALUES ('" + head + "'), ('" + head + "')");
    for (const std::vector<std::string>& args : {std::vector<std::string>{"current", "--tree", "main"},
                                                  {"downgrade", "-1", "--tree", "main"}, {"upgrade", "head", "--tree", "main"}}) {
      auto r = cli.run(args);
      INFO(args[0] << ": " << r.err);
      CHECK(r.exit_code == 5);
      CHECK(contains(r.err, "twice"));
      CHECK(contains(r.err, "stamp --purge"));
    }
    CHECK(cli.db().column("SELECT COUNT(*) FROM turnstone_version") == std::vector<std::string>{"2"});
    CHECK(runs() == runs_before);  // nothing written, run history included
    auto repair = cli.run({"stamp", "--purge", head, "--tree", "main"});
    INFO(repair.err);
    CHECK(repair.exit_code == 0);
    CHECK(cli.versions() == std::vector<std::string>{head});
    CHECK(cli.run({"current", "--tree", "main"}).exit_code == 0);
  }
  SECTION("a NULL row") {
    conn->execute("INSERT INTO turnstone_version (version_num) VALUES ('" + head + "'), (NULL)");
    auto r = cli.run({"downgrade", "-1", "--tree", "main"});
    CHECK(r.exit_code == 5);
    CHECK(contains(r.err, "NULL row"));
    CHECK(cli.db().column("SELECT COUNT(*) FROM turnstone_version") == std::vector<std::string>{"2"});
    CHECK(runs() == runs_before);
  }
  SECTION("the wrong columns") {
    conn->execute("DROP TABLE turnstone_version");
    conn->execute("CREATE TABLE turnstone_version (rev VARCHAR(32))");
    auto r = cli.run({"current", "--tree", "main"});
    CHECK(r.exit_code == 5);
    CHECK(contains(r.err, "cannot be read as Alembic's layout"));
  }
}

TEST_CASE("hostile input: the URL can come from a _FILE, never from two places, and new SQLite files are owner-only",
          "[e2e]") {
  Scratch s;
  const std::string db = (s.dir / "t.db").string();
  const std::string secret = (s.dir / "url").string();
  std::ofstream(secret) << "sqlite:///" << db << "\n";
  auto r = s.run({"upgrade", "head", "--tree", "main"}, {{"TURNSTONE_DATABASE_URL_FILE", secret}});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  REQUIRE(fs::exists(db));
  CHECK((fs::status(db).permissions() & (fs::perms::group_all | fs::perms::others_all)) == fs::perms::none);
  auto both = s.run({"current"}, {{"TURNSTONE_DATABASE_URL_FILE", secret}, {"TURNSTONE_DATABASE_URL", "sqlite:///x.db"}});
  CHECK(both.exit_code == 2);
  CHECK(contains(both.err, "keep one"));
  auto missing = s.run({"current"}, {{"TURNSTONE_DATABASE_URL_FILE", (s.dir / "nope").string()}});
  CHECK(missing.exit_code == 2);
  CHECK(contains(missing.err, "cannot read the file"));
}

TEST_CASE("hostile input: unknown URL parameters are refused on every backend and documented ones work", "[e2e]") {
  Scratch s;
  const std::string db = (s.dir / "t.db").string();
  auto unknown = s.run({"upgrade", "head", "--url", "sqlite:///" + db + "?journal=off"});
  CHECK(unknown.exit_code == 2);
  CHECK(contains(unknown.err, "unknown SQLite URL parameter 'journal'"));
  CHECK_FALSE(fs::exists(db));
  // mode=ro: nothing is created, and an existing file is not written.
  auto ro_missing = s.run({"upgrade", "head", "--url", "sqlite:///" + db + "?mode=ro"});
  CHECK(ro_missing.exit_code == 3);
  CHECK_FALSE(fs::exists(db));
  REQUIRE(s.run({"upgrade", "head", "--tree", "main", "--url", "sqlite:///" + db}).exit_code == 0);
  auto before = fs::last_write_time(db);
  auto size = fs::file_size(db);
  auto ro = s.run({"downgrade", "-1", "--tree", "main", "--url", "sqlite:///" + db + "?mode=ro"});
  CHECK(ro.exit_code != 0);
  CHECK(fs::last_write_time(db) == before);
  CHECK(fs::file_size(db) == size);
  CHECK(s.run({"current", "--tree", "main", "--url", "sqlite:///" + db + "?mode=ro"}).exit_code == 0);
}

TEST_CASE("hostile input: MariaDB refuses unknown parameters and plaintext when TLS is asked for", "[e2e]") {
  TSM_REQUIRE_BACKEND(tsm::DialectKind::mariadb);
  Cli cli(tsm::DialectKind::mariadb);
  auto with = [&](const std::string& query) { return cli.db().url() + query; };
  auto unknown = cli.run({"current"}, {{"TURNSTONE_DATABASE_URL", with("?connect_timout=2")}});
  CHECK(unknown.exit_code == 2);
  CHECK(contains(unknown.err, "unknown MariaDB URL parameter 'connect_timout'"));
  CHECK(cli.run({"current"}, {{"TURNSTONE_DATABASE_URL", with("?connect_timeout=2")}}).exit_code == 0);
  auto ca = cli.run({"current"}, {{"TURNSTONE_DATABASE_URL", with("?ssl_ca=/nonexistent/ca.pem")}});
  CHECK(ca.exit_code == 2);
  CHECK(contains(ca.err, "no such file"));
  // The test server has no TLS: asking for it must fail, not fall back to plaintext.
  auto tls = cli.run({"upgrade", "head"}, {{"TURNSTONE_DATABASE_URL", with("?ssl=true")}});
  CHECK(tls.exit_code == 3);
  CHECK(cli.versions().empty());
}

TEMPLATE_TEST_CASE("hostile input: a failing statement gives one error line and indented details", "[e2e]", TSM_BACKENDS) {
  TSM_REQUIRE_BACKEND(TestType::kind);
  Cli cli(TestType::kind);
  auto units = cli.unit("0001.sql", "-- revision: dup01\n-- down_revision: none\n-- tree: dup\n-- +upgrade\n"
                                    "CREATE TABLE dup (id INTEGER PRIMARY KEY);\nINSERT INTO dup (id) VALUES (1);\n"
                                    "INSERT INTO dup (id) VALUES (1);\n");
  auto r = cli.run({"--revisions-dir", units, "--tree", "dup", "upgrade", "head"});
  INFO(r.err);
  CHECK(r.exit_code == 1);
  std::istringstream in(r.err);
  int errors = 0;
  bool after_error = false;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("error: ", 0) == 0) {
      ++errors;
      after_error = true;
      CHECK(contains(line, "dup01"));
    } else if (after_error) {
      CHECK(line.rfind("  ", 0) == 0);  // details are indented, the server's DETAIL lines too
    }
  }
  CHECK(errors == 1);
}

// A full disk at any point of an upgrade: a real tmpfs is filled up to a little less free space
// each time, so the failure lands on opening, the run history, a revision's statement or its
// COMMIT. Wherever it lands, the error names the revision (or the statement when it is outside
// any revision), the tree keeps its version rows, and the file stays intact.
TEST_CASE("hostile input: SQLite on a full disk names the revision and the statement and keeps the tree", "[e2e]") {
  Scratch s;
  const fs::path mnt = s.dir / "small";
  fs::create_directories(mnt);
  if (std::system(("mount -t tmpfs -o size=700k tmpfs '" + mnt.string() + "' 2>/dev/null").c_str()) != 0) {
    WARN("cannot mount a tmpfs here (not root?): the full-disk test is skipped");
    return;
  }
  struct Unmount {
    std::string path;
    ~Unmount() { (void)std::system(("umount '" + path + "'").c_str()); }
  } unmount{mnt.string()};
  const std::string db = (mnt / "t.db").string(), url = "sqlite:///" + db;
  REQUIRE(s.run({"upgrade", "head", "--tree", "main", "--url", url}).exit_code == 0);
  REQUIRE(s.run({"downgrade", "-1", "--tree", "main", "--url", url}).exit_code == 0);
  auto versions = [&] { return s.run({"current", "--tree", "main", "--url", url}).out; };
  const std::string before = versions();
  const fs::path backup = s.dir / "t.db.bak";
  fs::copy_file(db, backup);
  int failed = 0, named = 0;
  for (int free_kb = 0; free_kb <= 160; free_kb += 8) {
    fs::remove(mnt / "fill");
    fs::copy_file(backup, db, fs::copy_options::overwrite_existing);
    const auto space = fs::space(mnt);
    const long long fill = static_cast<long long>(space.available) - free_kb * 1024LL;
    if (fill > 0) std::ofstream(mnt / "fill", std::ios::binary) << std::string(static_cast<size_t>(fill), '\0');
    auto r = s.run({"upgrade", "head", "--tree", "main", "--url", url});
    INFO("free " << free_kb << " KB: exit " << r.exit_code << "\n" << r.err);
    CHECK(r.exit_code < 128);
    CHECK((r.exit_code == 0 || r.exit_code == 1 || r.exit_code == 3));
    fs::remove(mnt / "fill");
    if (r.exit_code == 0) continue;
    ++failed;
    const size_t at = r.err.find("error: ");
    REQUIRE(at != std::string::npos);
    const std::string first = r.err.substr(at, r.err.find('\n', at) - at);
    if (r.exit_code == 1) {
      // The revision is named, and the statement that met the full disk.
      CHECK(contains(first, "of tree 'main' failed"));
      CHECK(contains(r.err, "  statement: "));
      CHECK(contains(r.err, "disk is full"));
      ++named;
    } else {
      CHECK(contains(r.err, "cannot open database file"));
      CHECK(contains(r.err, "No space left on device"));  // the system's reason, not only "disk I/O error"
    }
    CHECK(versions() == before);  // the tree is where it was
    auto check = s.run({"check", "--tree", "main", "--url", url});
    INFO(check.out << check.err);
    CHECK(check.exit_code == 0);  // the schema is intact and matches its rows
  }
  CHECK(named > 0);  // the disk did fill up inside a revision at least once
  CHECK(failed > 0);
}

TEST_CASE("hostile input: a PostgreSQL login without CREATE on the schema is told what to grant", "[e2e]") {
  TSM_REQUIRE_BACKEND(tsm::DialectKind::postgresql);
  Cli cli(tsm::DialectKind::postgresql);
  const std::string role = "tsm_nocreate_" + std::to_string(::getpid());
  auto admin = cli.db().connect();
  admin->execute("DROP ROLE IF EXISTS " + role);
  admin->execute("CREATE ROLE " + role + " LOGIN PASSWORD 'nocreate-pw'");
  admin->execute("GRANT CONNECT ON DATABASE \"" + cli.db().name() + "\" TO " + role);
  admin->execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC");
  admin->execute("CREATE EXTENSION IF NOT EXISTS pg_trgm");  // extensions are the DBA's part (README)
  auto url = tsm::parse_url(cli.db().url());
  const std::string login = "postgresql://" + role + ":nocreate-pw@" + url.host + ":" + std::to_string(*url.port) + "/" +
                            url.database;
  auto r = cli.run({"upgrade", "head", "--tree", "main", "--url", login});
  INFO(r.err);
  CHECK(r.exit_code == 1);
  CHECK(contains(r.err, "permission denied for schema public"));
  CHECK(contains(r.err, "GRANT USAGE, CREATE ON SCHEMA \"public\" TO \"" + role + "\""));
  CHECK_FALSE(contains(r.out + r.err, "nocreate-pw"));
  CHECK(cli.versions().empty());
  // The grant it names is enough.
  admin->execute("GRANT USAGE, CREATE ON SCHEMA public TO " + role);
  auto ok = cli.run({"upgrade", "head", "--tree", "main", "--url", login});
  INFO(ok.err);
  CHECK(ok.exit_code == 0);
  CHECK(cli.versions() == tool_heads(cli, "main"));
  admin->execute("DROP OWNED BY " + role);
  admin->execute("DROP ROLE " + role);
}
