// Exit codes, error lines, --json, history/show output and password hygiene.
#include <unistd.h>

#include <filesystem>

#include "tests/support/e2e_fixture.h"

using namespace tsm::test;
namespace fs = std::filesystem;

namespace {
bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}
RunResult run_in(const std::string& dir, std::vector<std::string> args, std::map<std::string, std::string> env = {}) {
  RunOptions o;
  o.cwd = dir;
  o.env = std::move(env);
  return run_tool(args, o);
}
std::string temp_dir(const std::string& name) {
  auto d = fs::temp_directory_path() / ("tsm_e2e_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d.string();
}
}  // namespace

TEST_CASE("upgrade head in an empty folder creates both default SQLite files at head", "[e2e]") {
  auto dir = temp_dir("default");
  auto r = run_in(dir, {"upgrade", "head"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(fs::exists(dir + "/turnstone.db"));
  CHECK(fs::exists(dir + "/turnstone-context.db"));
  auto cur = run_in(dir, {"current", "--json"});
  REQUIRE(cur.exit_code == 0);
  auto doc = nlohmann::json::parse(cur.out);
  CHECK(doc.at("trees").at("main").at("current").at(0).at("is_head").get<bool>());
  CHECK(doc.at("trees").at("context").at("current").at(0).at("is_head").get<bool>());
  fs::remove_all(dir);
}

TEST_CASE("read commands on a missing SQLite file exit 3 and create nothing", "[e2e]") {
  auto dir = temp_dir("missing");
  for (auto cmd : {"current", "check"}) {
    auto r = run_in(dir, {cmd});
    CHECK(r.exit_code == 3);
    CHECK(r.err.rfind("error: ", 0) == 0);
  }
  auto hist = run_in(dir, {"history", "--indicate-current"});
  CHECK(hist.exit_code == 3);
  CHECK(fs::is_empty(dir));
  fs::remove_all(dir);
}

TEST_CASE("bad input is a usage error (exit 2) with one error line and no password", "[e2e]") {
  auto dir = temp_dir("usage");
  struct Case { std::vector<std::string> args; std::string expect; };
  std::vector<Case> cases = {
      {{"--url", "oracle://scott:tiger-pw@db/x", "current"}, "scheme"},
      {{"--url", "postgresql://u:tiger-pw@host:notaport/db", "current"}, "port"},
      {{"upgrade"}, ""},
      {{"frobnicate"}, ""},
      {{"upgrade", "no-such-rev"}, "no-such-rev"},
      {{"upgrade", "+1"}, "--tree"},
      {{"upgrade", "head:base"}, "--sql"},
      {{"downgrade", "head", "--sql"}, "range"},
      {{"--tree", "nosuchtree", "heads"}, "nosuchtree"},
  };
  for (const auto& c : cases) {
    auto r = run_in(dir, c.args);
    INFO(r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.err.rfind("error: ", 0) == 0);
    CHECK_FALSE(contains(r.err + r.out, "tiger-pw"));
    if (!c.expect.empty()) CHECK(contains(r.err, c.expect));
  }
  CHECK(fs::is_empty(dir));
  fs::remove_all(dir);
}

TEST_CASE("an unreachable server exits 3 quickly and never prints the password", "[e2e]") {
  auto dir = temp_dir("unreachable");
  for (std::string url : {"postgresql://app:s3cr%40t-pw@127.0.0.1:1/turnstone?connect_timeout=3",
                          "mariadb://app:s3cr%40t-pw@127.0.0.1:1/turnstone?connect_timeout=3"}) {
    auto started = std::chrono::steady_clock::now();
    auto r = run_in(dir, {"-v", "--url", url, "upgrade", "head"});
    auto took = std::chrono::steady_clock::now() - started;
    INFO(r.err);
    CHECK(r.exit_code == 3);
    CHECK(contains(r.err, "unreachable"));
    CHECK_FALSE(contains(r.err + r.out, "s3cr"));
    CHECK(took < std::chrono::seconds(30));
  }
  fs::remove_all(dir);
}

TEST_CASE("history, heads and show print Alembic-style text and valid JSON", "[e2e]") {
  auto dir = temp_dir("history");
  auto hist = run_in(dir, {"history", "--tree", "main"});
  REQUIRE(hist.exit_code == 0);
  auto lines = hist.out_lines();
  REQUIRE(lines.size() >= 2);
  CHECK(contains(lines.front(), "(head)"));
  CHECK(lines.back().rfind("<base> -> ", 0) == 0);
  auto js = run_in(dir, {"history", "--json"});
  REQUIRE(js.exit_code == 0);
  auto doc = nlohmann::json::parse(js.out);
  CHECK(doc.at("history").size() > lines.size());  // every tree, not only main
  bool saw_context = false;
  for (const auto& e : doc.at("history")) saw_context = saw_context || e.at("tree").get<std::string>() == "context";
  CHECK(saw_context);

  auto heads = nlohmann::json::parse(run_in(dir, {"heads", "--json"}).out);
  std::string head = heads.at("heads").at("main").at(0).at("revision").get<std::string>();
  auto show = run_in(dir, {"show", head.substr(0, 6), "--dialect", "postgresql"});
  INFO(show.err);
  REQUIRE(show.exit_code == 0);
  CHECK(contains(show.out, "Rev: " + head + " (head)"));
  CHECK(contains(show.out, "Upgrade SQL (postgresql):"));
  auto showj = nlohmann::json::parse(run_in(dir, {"show", head, "--json"}).out);
  CHECK(showj.at("revision").get<std::string>() == head);
  CHECK_FALSE(showj.at("upgrade_sql").empty());
  // Any target naming exactly one revision (issue 11): head means the main tree's head.
  auto show_head = run_in(dir, {"show", "head", "--json"});
  INFO(show_head.err);
  REQUIRE(show_head.exit_code == 0);
  CHECK(nlohmann::json::parse(show_head.out).at("revision").get<std::string>() == head);
  std::string context_head = heads.at("heads").at("context").at(0).at("revision").get<std::string>();
  auto show_ctx = run_in(dir, {"show", "head", "--tree", "context", "--json"});
  REQUIRE(show_ctx.exit_code == 0);
  CHECK(nlohmann::json::parse(show_ctx.out).at("revision").get<std::string>() == context_head);
  auto show_base = run_in(dir, {"show", "base"});
  CHECK(show_base.exit_code == 2);
  CHECK(contains(show_base.err, "names no revision"));

  // Range: from the base revision up to head lists everything of the tree.
  auto base_rev = lines.back().substr(std::string("<base> -> ").size(), 12);
  auto ranged = run_in(dir, {"history", "-r", base_rev + ":head", "--tree", "main"});
  REQUIRE(ranged.exit_code == 0);
  CHECK(ranged.out_lines().size() == lines.size());
  fs::remove_all(dir);
}

TEST_CASE("revision scaffolds a C++ unit that compiles, and a SQL unit that runs", "[e2e]") {
  auto dir = temp_dir("scaffold");
  fs::create_directories(dir + "/versions/main");
  auto r = run_in(dir, {"revision", "-m", "add \"notes\" to incidents", "--rev-id", "abcdef012345"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  fs::path unit;
  for (auto& e : fs::directory_iterator(dir + "/versions/main")) unit = e.path();
  REQUIRE(unit.extension() == ".cpp");
  std::string cmd = "g++ -std=c++17 -Wall -Wextra -Werror -fsyntax-only -I" + source_dir() + " " + unit.string();
  CHECK(std::system(cmd.c_str()) == 0);

  fs::create_directories(dir + "/units");
  auto s = run_in(dir, {"revision", "-m", "plugin table", "--sql-unit", dir + "/units", "--tree", "plug",
                        "--head", "base", "--rev-id", "plug00000001"});
  INFO(s.err);
  REQUIRE(s.exit_code == 0);
  auto up = run_in(dir, {"--revisions-dir", dir + "/units", "--tree", "plug", "upgrade", "head"});
  INFO(up.err);
  CHECK(up.exit_code == 0);
  auto cur = run_in(dir, {"--revisions-dir", dir + "/units", "--tree", "plug", "current"});
  CHECK(cur.out == "plug00000001 (head)\n");
  fs::remove_all(dir);
}
