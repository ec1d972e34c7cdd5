// The catalog of bad inputs (issue 11): every entry runs on each backend three times (plain, -v,
// --json) against a database part-way through its chain and must
//   - exit with the documented code, never by a signal;
//   - print exactly one `error:` line of bounded length on stderr (details are indented);
//   - keep stdout free of anything but a JSON document (with --json) or nothing;
//   - never print the catalog user's password, plain or percent-encoded, in any variant;
//   - leave the database exactly as it was: SQLite its files and directory listing; PostgreSQL and
//     MariaDB their schema (introspected), table list, row counts and version rows, and the list of
//     schemas/databases on the server.
// The catalog connects as its own user whose password is full of URL metacharacters, so a leak of
// either spelling is caught.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <sstream>

#include <unistd.h>

#include <fmt/format.h>

#include "tests/support/e2e_fixture.h"
#include "tests/support/schema_fingerprint.h"

using namespace tsm::test;
namespace fs = std::filesystem;

namespace {

// Distinctive secrets: the catalog user's real password and a wrong one. Their percent-encoded
// spellings are what URLs carry.
const std::string kPassword = "Ct7@lg:pw/9%x#Q";
const std::string kPasswordEncoded = "Ct7%40lg%3Apw%2F9%25x%23Q";
const std::string kWrongPassword = "Wr0ng@Zq:8%v";
const std::string kWrongPasswordEncoded = "Wr0ng%40Zq%3A8%25v";

bool contains(const std::string& haystack, const std::string& needle) { return haystack.find(needle) != std::string::npos; }

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// The catalog's own login on a server: created for the test, dropped after it.
class CatalogUser {
 public:
  explicit CatalogUser(const TestDatabase& db) : db_(db) {
    name_ = fmt::format("tsm_catalog_{}", ::getpid());
    if (db.kind() == tsm::DialectKind::sqlite) return;
    auto conn = db.connect();
    const std::string quoted_password = replace_all(kPassword, "'", "''");
    if (db.kind() == tsm::DialectKind::postgresql) {
      conn->execute(fmt::format("DROP ROLE IF EXISTS {}", name_));
      conn->execute(fmt::format("CREATE ROLE {} LOGIN SUPERUSER PASSWORD '{}'", name_, quoted_password));
    } else {
      conn->execute(fmt::format("DROP USER IF EXISTS '{}'@'%'", name_));
      conn->execute(fmt::format("CREATE USER '{}'@'%' IDENTIFIED BY '{}'", name_, quoted_password));
      conn->execute(fmt::format("GRANT ALL PRIVILEGES ON *.* TO '{}'@'%' WITH GRANT OPTION", name_));
    }
  }
  ~CatalogUser() {
    if (db_.kind() == tsm::DialectKind::sqlite) return;
    try {
      auto conn = db_.connect();
      if (db_.kind() == tsm::DialectKind::postgresql) {
        conn->execute(fmt::format("DROP ROLE IF EXISTS {}", name_));
      } else {
        conn->execute(fmt::format("DROP USER IF EXISTS '{}'@'%'", name_));
      }
    } catch (...) {
    }
  }
  const std::string& name() const { return name_; }

 private:
  const TestDatabase& db_;
  std::string name_;
};

// Pieces of the test database's URL, so entries can bend one part at a time.
struct UrlParts {
  std::string scheme, host, port, database;
  static UrlParts of(const TestDatabase& db) {
    UrlParts p;
    const std::string url = db.url();
    p.scheme = url.substr(0, url.find("://"));
    if (db.kind() == tsm::DialectKind::sqlite) {
      p.database = db.name();
      return p;
    }
    const size_t at = url.find('@');
    const size_t slash = url.find('/', at);
    const std::string host_port = url.substr(at + 1, slash - at - 1);
    p.host = host_port.substr(0, host_port.find(':'));
    p.port = host_port.substr(host_port.find(':') + 1);
    const size_t query = url.find('?', slash);
    p.database = url.substr(slash + 1, query == std::string::npos ? std::string::npos : query - slash - 1);
    return p;
  }
};

// What must not change: everything a bad input could have written.
std::string fingerprint(const TestDatabase& db) {
  std::ostringstream out;
  if (db.kind() == tsm::DialectKind::sqlite) {
    std::vector<std::string> lines;
    for (const auto& entry : fs::recursive_directory_iterator(db.dir())) {
      std::string line = fs::relative(entry.path(), db.dir()).string();
      if (entry.is_regular_file()) line += fmt::format(" {} {:x}", entry.file_size(), std::hash<std::string>{}(read_file(entry.path())));
      lines.push_back(line);
    }
    std::sort(lines.begin(), lines.end());
    for (const auto& l : lines) out << l << "\n";
    return out.str();
  }
  auto conn = db.connect();
  out << schema_fingerprint(*conn);
  const bool pg = db.kind() == tsm::DialectKind::postgresql;
  const std::string tables_sql =
      pg ? "SELECT table_schema, table_name FROM information_schema.tables "
           "WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2"
         : "SELECT table_schema, table_name FROM information_schema.tables WHERE table_schema = DATABASE() ORDER BY 1, 2";
  for (const auto& row : conn->query(tables_sql)) {
    const std::string schema = row[0].value_or(""), table = row[1].value_or("");
    const std::string quoted = pg ? fmt::format("\"{}\".\"{}\"", schema, table) : fmt::format("`{}`.`{}`", schema, table);
    out << schema << "." << table << " rows=" << conn->query("SELECT COUNT(*) FROM " + quoted).at(0)[0].value_or("?") << "\n";
  }
  for (const std::string table : {"turnstone_version", "turnstone_context_version"})
    if (conn->table_exists(table))
      for (const auto& row : conn->query("SELECT version_num FROM " + table + " ORDER BY version_num"))
        out << table << ": " << row[0].value_or("NULL") << "\n";
  const std::string spaces_sql = pg ? "SELECT nspname FROM pg_namespace ORDER BY 1" : "SHOW DATABASES";
  for (const auto& row : conn->query(spaces_sql)) {
    const std::string name = row[0].value_or("");
    if (name.rfind("tsm_test_", 0) == 0 || name.rfind("pg_temp", 0) == 0 || name.rfind("pg_toast_temp", 0) == 0) continue;
    out << "namespace " << name << "\n";  // other tests' throwaway databases come and go
  }
  return out.str();
}

// One bad input. Placeholders in args, url and env values:
//   {URL} the test database as the catalog user    {BADPW} the same with a wrong password
//   {SCHEME} {HOST} {PORT} {DB} {USER} {PW}: the parts ({PW} percent-encoded)    {DIR} a scratch dir
struct BadInput {
  std::string name;
  std::vector<std::string> args;
  int exit_code;
  std::string url = "{URL}";  // TURNSTONE_DATABASE_URL ("" leaves it unset, kEmptyValue sets it empty)
  std::map<std::string, std::string> env = {};
  std::vector<tsm::DialectKind> only = {};  // empty: every backend
};

const std::vector<BadInput>& catalog() {
  using K = tsm::DialectKind;
  static const std::vector<BadInput> entries = {
      // --- command line (exit 2) ---
      {"unknown command", {"frobnicate"}, 2},
      {"no command", {}, 2},
      {"upgrade without a target", {"upgrade"}, 2},
      {"unknown option", {"upgrade", "head", "--frobnicate"}, 2},
      {"option without its value", {"upgrade", "head", "--lock-timeout"}, 2},
      {"negative lock timeout", {"upgrade", "head", "--lock-timeout", "-1"}, 2},
      {"non-numeric lock timeout", {"upgrade", "head", "--lock-timeout", "abc"}, 2},
      {"huge lock timeout", {"upgrade", "head", "--lock-timeout", "99999999999999999999999"}, 2},
      {"negative statement timeout", {"upgrade", "head", "--statement-timeout", "-5"}, 2},
      {"nan ddl lock timeout", {"upgrade", "head", "--ddl-lock-timeout", "nan"}, 2},
      {"negative lock budget", {"upgrade", "head", "--lock-budget", "-1"}, 2},
      {"unknown lock mode", {"upgrade", "head", "--lock-mode", "bogus"}, 2},
      {"unknown dialect", {"upgrade", "head", "--sql", "--dialect", "oracle"}, 2},
      {"unknown tree", {"current", "--tree", "nosuch"}, 2},
      {"missing revisions dir", {"current", "--revisions-dir", "/nonexistent/units"}, 2},
      {"dialect without --sql", {"upgrade", "head", "--dialect", "sqlite"}, 2},
      {"quiet and verbose together", {"current", "-q", "-v"}, 2},
      {"dialect for a live stamp", {"stamp", "head", "--dialect", "mariadb"}, 2},
      {"dialect for current", {"current", "--dialect", "postgresql"}, 2},
      {"empty tree", {"current", "--tree", ""}, 2},
      {"revisions dir that is a file", {"current", "--revisions-dir", "{DIR}/empty-file"}, 2},
      {"statement timeout beyond a week", {"upgrade", "head", "--statement-timeout", "1000000000"}, 2},
      {"infinite lock budget", {"upgrade", "head", "--lock-budget", "1e999"}, 2},
      {"unknown check option", {"check", "--frobnicate"}, 2},
      {"lint for an unknown dialect", {"lint", "--dialect", "bogus"}, 2},
      {"lint of an unknown range", {"lint", "nosuchrev:head"}, 2},
      {"check of an unknown tree", {"check", "--tree", "nosuch"}, 2},
      // --- targets (exit 2) ---
      {"unknown revision", {"upgrade", "nosuchrev"}, 2},
      {"empty target", {"upgrade", ""}, 2},
      {"plus without a number", {"upgrade", "+x"}, 2},
      {"dangling plus", {"upgrade", "head+"}, 2},
      {"double at", {"upgrade", "@@"}, 2},
      {"relative downgrade for upgrade", {"upgrade", "-1"}, 2},
      {"relative upgrade for downgrade", {"downgrade", "+1"}, 2},
      {"downgrade beyond head", {"downgrade", "head+5"}, 2},
      {"quote injection in a target", {"upgrade", "head'; DROP TABLE turnstone_version;--"}, 2},
      {"newline in a target", {"upgrade", "head\nbase"}, 2},
      {"100 KB target", {"upgrade", std::string(100000, 'z')}, 2},
      {"unicode target", {"upgrade", "h\xc3\xa9\xe2\x9c\x93"}, 2},
      {"range as an upgrade target", {"upgrade", "heads:base"}, 2},
      {"unknown label", {"upgrade", "nosuchlabel@head"}, 2},
      {"label with an unknown revision", {"upgrade", "main@nosuch"}, 2},
      {"prefix too short", {"upgrade", "a"}, 2},
      {"stamp without a target", {"stamp"}, 2},
      {"stamp of an unknown revision", {"stamp", "nosuchrev"}, 2},
      {"show of an unknown revision", {"show", "nosuchrev"}, 2},
      {"history with a bad range", {"history", "-r", "::x::"}, 2},
      {"offline downgrade without a range", {"downgrade", "base", "--sql"}, 2},
      {"100 KB revision in show", {"show", std::string(100000, 'd')}, 2},
      {"downgrade to an unknown revision", {"downgrade", "nosuchrev"}, 2},
      {"history to an unknown revision", {"history", "-r", "base:nosuch"}, 2},
      {"stamp --purge without a target", {"stamp", "--purge"}, 2},
      {"semicolon after a target", {"upgrade", "head;"}, 2},
      {"printf directives as a target", {"upgrade", "%s%n%x"}, 2},
      {"format braces as a target", {"show", "{}"}, 2},
      {"downgrade with a range but no --sql", {"downgrade", "head:base"}, 2},
      // --- URLs (exit 2) ---
      {"empty --url", {"current", "--url", ""}, 2},
      {"empty URL variable", {"current"}, 2, kEmptyValue},
      {"empty context URL", {"current", "--context-url", ""}, 2},
      {"unknown scheme", {"current"}, 2, "oracle://{USER}:{PW}@{HOST}/db"},
      {"empty driver suffix", {"current"}, 2, "{SCHEME}+://{USER}:{PW}@{HOST}/db"},
      {"driver suffix with bad characters", {"current"}, 2, "{SCHEME}+no$uch!://{USER}:{PW}@{HOST}/db"},
      {"no scheme", {"current"}, 2, "{USER}:{PW}@{HOST}/db"},
      {"password but no @", {"current"}, 2, "postgresql://{USER}:{PW}127.0.0.1/db"},
      {"mysql password and nothing else", {"current"}, 2, "mysql://{USER}:{PW}"},
      {"port out of range", {"current"}, 2, "{SCHEME}://{USER}:{PW}@127.0.0.1:99999/db"},
      {"port not a number", {"current"}, 2, "{SCHEME}://{USER}:{PW}@127.0.0.1:abc/db"},
      {"negative port", {"current"}, 2, "{SCHEME}://{USER}:{PW}@127.0.0.1:-5/db"},
      {"unclosed IPv6 bracket", {"current"}, 2, "{SCHEME}://{USER}:{PW}@[::1/db"},
      {"bad percent escape", {"current"}, 2, "{SCHEME}://{USER}:%ZZ{PW}@{HOST}:{PORT}/{DB}"},
      {"unknown URL parameter", {"current"}, 2, "{URL}?frobnicate=1", {}, {K::postgresql, K::mariadb}},
      {"unknown SQLite URL parameter", {"current"}, 2, "{URL}?journal=off", {}, {K::sqlite}},
      {"bad SQLite mode", {"current"}, 2, "{URL}?mode=rwx", {}, {K::sqlite}},
      {"MariaDB CA file missing", {"current"}, 2, "{URL}?ssl_ca=/nonexistent/ca.pem", {}, {K::mariadb}},
      {"non-numeric connect timeout", {"current"}, 2, "{URL}?connect_timeout=soon", {}, {K::postgresql, K::mariadb}},
      {"database name with a slash", {"current"}, 2, "{SCHEME}://{USER}:{PW}@{HOST}:{PORT}/a/b", {}, {K::postgresql, K::mariadb}},
      {"URL file missing", {"current"}, 2, "", {{"TURNSTONE_DATABASE_URL_FILE", "/nonexistent/url"}}},
      {"URL file and variable both set", {"current"}, 2, "{URL}", {{"TURNSTONE_DATABASE_URL_FILE", "{DIR}/url-file"}}},
      {"empty URL file", {"current"}, 2, "", {{"TURNSTONE_DATABASE_URL_FILE", "{DIR}/empty-file"}}},
      // --- bad revision units (exit 2) ---
      {"unit without a revision header", {"current", "--revisions-dir", "{DIR}/no-header"}, 2},
      {"unit with a quote in its id", {"current", "--revisions-dir", "{DIR}/quote-id"}, 2},
      {"unit whose parent does not exist", {"current", "--revisions-dir", "{DIR}/orphan"}, 2},
      {"units that form a cycle", {"current", "--revisions-dir", "{DIR}/cycle"}, 2},
      {"unit for an unknown dialect", {"current", "--revisions-dir", "{DIR}/bad-dialect"}, 2},
      {"unit with an unknown transaction mode", {"current", "--revisions-dir", "{DIR}/bad-transaction"}, 2},
      {"unit id shared with another", {"current", "--revisions-dir", "{DIR}/duplicate"}, 2},
      {"scaffold label with injection", {"revision", "-m", "x", "--tree", "plug", "--sql-unit", "{DIR}/scaffold",
                                          "--branch-label", "x'); DROP TABLE t;--"}, 2},
      {"scaffold without a message", {"revision", "--tree", "plug", "--sql-unit", "{DIR}/scaffold"}, 2},
      // --- copy (exit 2 or 3) ---
      {"copy without a target", {"copy"}, 2},
      {"copy onto itself", {"copy", "--to", "{URL}"}, 2},
      {"copy with zero batch rows", {"copy", "--to", "sqlite:///{DIR}/copy.db", "--batch-rows", "0"}, 2},
      {"copy to an unknown scheme", {"copy", "--to", "oracle://{USER}:{PW}@{HOST}/db"}, 2},
      {"copy to a closed port", {"copy", "--to", "postgresql://{USER}:{PW}@127.0.0.1:1/db?connect_timeout=2"}, 3},
      // --- connections (exit 3) ---
      {"wrong password", {"current"}, 3, "{BADPW}", {}, {K::postgresql, K::mariadb}},
      {"wrong password for upgrade", {"upgrade", "head"}, 3, "{BADPW}", {}, {K::postgresql, K::mariadb}},
      {"unknown user", {"current"}, 3, "{SCHEME}://nosuchuser:{PW}@{HOST}:{PORT}/{DB}", {}, {K::postgresql, K::mariadb}},
      {"unknown database", {"upgrade", "head"}, 3, "{SCHEME}://{USER}:{PW}@{HOST}:{PORT}/tsm_nosuch_db", {}, {K::postgresql, K::mariadb}},
      {"closed port", {"upgrade", "head"}, 3, "{SCHEME}://{USER}:{PW}@127.0.0.1:1/{DB}", {}, {K::postgresql, K::mariadb}},
      {"context on a closed port", {"current", "--context-url", "postgresql://{USER}:{PW}@127.0.0.1:1/db"}, 3},
      {"missing SQLite directory", {"upgrade", "head"}, 3, "sqlite:////nonexistent/dir/x.db", {}, {K::sqlite}},
      {"missing SQLite file for a read", {"current"}, 3, "sqlite:///{DIR}/absent.db", {}, {K::sqlite}},
      {"read-only SQLite file that does not exist", {"upgrade", "head"}, 3, "sqlite:///{DIR}/absent.db?mode=ro", {}, {K::sqlite}},
      {"SQLite path that is a directory", {"current"}, 3, "sqlite:///{DIR}", {}, {K::sqlite}},
      {"SQLite file that is not a database", {"upgrade", "head"}, 3, "sqlite:///{DIR}/not-a-db", {}, {K::sqlite}},
  };
  return entries;
}

// A folder of revision units for the "bad unit" entries, and the other files entries point at.
void write_scratch(const fs::path& dir) {
  auto unit = [&](const std::string& folder, const std::string& file, const std::string& text) {
    fs::create_directories(dir / folder);
    std::ofstream(dir / folder / file) << text;
  };
  unit("no-header", "0001.sql", "-- +upgrade\nCREATE TABLE x (id INTEGER);\n");
  unit("quote-id", "0001.sql", "-- revision: x'y\n-- down_revision: none\n-- tree: plug\n-- +upgrade\nSELECT 1;\n");
  unit("orphan", "0001.sql", "-- revision: orph01\n-- down_revision: nosuch99\n-- tree: plug\n-- +upgrade\nSELECT 1;\n");
  unit("cycle", "0001.sql", "-- revision: cyc01\n-- down_revision: cyc02\n-- tree: plug\n-- +upgrade\nSELECT 1;\n");
  unit("cycle", "0002.sql", "-- revision: cyc02\n-- down_revision: cyc01\n-- tree: plug\n-- +upgrade\nSELECT 1;\n");
  unit("bad-dialect", "0001.sql", "-- revision: dia01\n-- down_revision: none\n-- tree: plug\n-- +upgrade oracle\nSELECT 1;\n");
  unit("bad-transaction", "0001.sql",
       "-- revision: trn01\n-- down_revision: none\n-- tree: plug\n-- transaction: maybe\n-- +upgrade\nSELECT 1;\n");
  unit("duplicate", "0001.sql", "-- revision: dup01\n-- down_revision: none\n-- tree: plug\n-- +upgrade\nSELECT 1;\n");
  unit("duplicate", "0002.sql", "-- revision: dup01\n-- down_revision: none\n-- tree: plug\n-- +upgrade\nSELECT 2;\n");
  fs::create_directories(dir / "scaffold");
  fs::create_directories(dir / "dir-as-db");
  std::ofstream(dir / "empty-file");
  std::ofstream(dir / "url-file") << "sqlite:///" << (dir / "other.db").string() << "\n";
  std::ofstream(dir / "not-a-db") << std::string(4096, 'n');
}

std::string expand(std::string text, const std::map<std::string, std::string>& values) {
  for (const auto& [key, value] : values) text = replace_all(text, key, value);
  return text;
}

// The checks every run of every entry must pass.
void check_refusal(const BadInput& entry, const std::string& variant, const RunResult& r) {
  INFO(entry.name << " [" << variant << "] exit " << r.exit_code << "\nstderr: " << r.err.substr(0, 600)
                  << "\nstdout: " << r.out.substr(0, 300));
  CHECK(r.exit_code < 128);  // no signal death
  CHECK(r.exit_code == entry.exit_code);
  std::istringstream lines(r.err);
  int error_lines = 0;
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("error: ", 0) == 0) {
      ++error_lines;
      CHECK(line.size() <= 1100);
    }
  }
  CHECK(error_lines == 1);
  for (const auto* stream : {&r.out, &r.err}) {
    const std::string text = lower(*stream);
    for (const auto& secret : {kPassword, kPasswordEncoded, kWrongPassword, kWrongPasswordEncoded})
      CHECK_FALSE(contains(text, lower(secret)));
  }
  if (variant == "--json") {
    if (!r.out.empty()) CHECK(nlohmann::json::accept(r.out));
  } else {
    CHECK(r.out.empty());
  }
}

}  // namespace

TEMPLATE_TEST_CASE("hostile catalog: every bad input is refused with its exit code and one line and changes nothing",
                   "[e2e]", TSM_BACKENDS) {
  TSM_REQUIRE_BACKEND(TestType::kind);
  const tsm::DialectKind kind = TestType::kind;
  TestDatabase db(kind);
  CatalogUser user(db);
  const UrlParts parts = UrlParts::of(db);
  const fs::path scratch = fs::path(db.dir()).parent_path() / (fs::path(db.dir()).filename().string() + "-scratch");
  fs::create_directories(scratch);
  write_scratch(scratch);

  std::map<std::string, std::string> values{{"{SCHEME}", parts.scheme}, {"{HOST}", parts.host}, {"{PORT}", parts.port},
                                            {"{DB}", parts.database}, {"{USER}", user.name()},
                                            {"{PW}", kPasswordEncoded}, {"{DIR}", scratch.string()}};
  std::string url = db.url(), bad_url = db.url();
  if (kind != tsm::DialectKind::sqlite) {
    url = fmt::format("{}://{}:{}@{}:{}/{}", parts.scheme, user.name(), kPasswordEncoded, parts.host, parts.port, parts.database);
    bad_url = fmt::format("{}://{}:{}@{}:{}/{}", parts.scheme, user.name(), kWrongPasswordEncoded, parts.host, parts.port,
                          parts.database);
  } else {
    values["{HOST}"] = "127.0.0.1";
    values["{PORT}"] = "5432";
  }
  values["{URL}"] = url;
  values["{BADPW}"] = bad_url;

  auto run = [&](const std::vector<std::string>& args, const std::string& url_value,
                 const std::map<std::string, std::string>& env) {
    RunOptions o;
    o.cwd = db.dir();
    o.env["TURNSTONE_DATABASE_URL"] = url_value;  // "" removes it
    o.env["TURNSTONE_CONTEXT_DATABASE_URL"] = "";
    o.env["TURNSTONE_DATABASE_URL_FILE"] = "";
    for (const auto& [k, v] : env) o.env[k] = v;
    return run_tool(args, o);
  };

  // A database part-way through its chain: a wrongly accepted upgrade or downgrade would show.
  REQUIRE(run({"upgrade", "head"}, url, {}).exit_code == 0);
  auto down = run({"downgrade", "-1", "--tree", "main"}, url, {});
  INFO(down.err);
  REQUIRE(down.exit_code == 0);
  const std::string before = fingerprint(db);
  REQUIRE_FALSE(before.empty());

  int entries = 0;
  for (const auto& entry : catalog()) {
    if (!entry.only.empty() && std::find(entry.only.begin(), entry.only.end(), kind) == entry.only.end()) continue;
    ++entries;
    std::map<std::string, std::string> env;
    for (const auto& [k, v] : entry.env) env[k] = expand(v, values);
    const std::string url_value = entry.url == kEmptyValue ? kEmptyValue : expand(entry.url, values);
    std::vector<std::string> args;
    for (const auto& a : entry.args) args.push_back(expand(a, values));
    for (const std::string variant : {"plain", "-v", "--json"}) {
      std::vector<std::string> full;
      if (variant != "plain") full.push_back(variant);
      full.insert(full.end(), args.begin(), args.end());
      check_refusal(entry, variant, run(full, url_value, env));
    }
    INFO("after " << entry.name);
    REQUIRE(fingerprint(db) == before);
  }
  CHECK(entries >= 80);
}
