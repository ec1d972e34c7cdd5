// Existing SQLite installs (every legacy vintage): stamp --detect, then upgrade head, through the
// real binary. Every row kept, old rows found by full-text search, the schema exactly a fresh
// install's (`check` clean), the v0.2 context KB moved out of turnstone.db exactly once.
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "tests/support/e2e_fixture.h"

using namespace tsm::test;
namespace fs = std::filesystem;

namespace {

struct Install {
  std::string dir;
  explicit Install(const std::string& vintage) {
    dir = (fs::temp_directory_path() / ("tsm_legacy_" + vintage + "_" + std::to_string(::getpid()))).string();
    fs::remove_all(dir);
    fs::create_directories(dir);
    std::string cmd = "bash '" + source_dir() + "/tests/fixtures/legacy/make-legacy' " + vintage + " '" + dir + "' >/dev/null";
    REQUIRE(std::system(cmd.c_str()) == 0);
  }
  ~Install() { fs::remove_all(dir); }
  RunResult run(std::vector<std::string> args) const {
    RunOptions o;
    o.cwd = dir;
    return run_tool(args, o);
  }
  std::vector<std::string> sql(const std::string& file, const std::string& query) const {
    tsm::ConnectOptions o;
    auto conn = tsm::backend_for(tsm::DialectKind::sqlite).connect(tsm::parse_url("sqlite:///" + dir + "/" + file), o);
    std::vector<std::string> out;
    for (auto& r : conn->query(query)) out.push_back(r[0].value_or("NULL"));
    return out;
  }
  std::string count(const std::string& file, const std::string& table) const {
    return sql(file, "SELECT COUNT(*) FROM " + table).at(0);
  }
  bool exists(const std::string& file) const { return fs::exists(dir + "/" + file); }
};

// The n-th revision of a tree counted from its base (1-based), from the tool's own history.
std::string nth_revision(const Install& inst, const std::string& tree, size_t n) {
  auto r = inst.run({"history", "--tree", tree, "--json"});
  REQUIRE(r.exit_code == 0);
  auto doc = nlohmann::json::parse(r.out);
  const auto& items = doc.at("history");  // newest first
  REQUIRE(items.size() >= n);
  return items.at(items.size() - n).at("revision").get<std::string>();
}

}  // namespace

TEST_CASE("every legacy vintage stamps the right revision and upgrades without loss", "[e2e][legacy]") {
  struct Vintage { std::string name; size_t main_rev; size_t context_rev; bool context_file; };
  for (const Vintage& v : {Vintage{"v0.1", 2, 0, false}, Vintage{"v0.2", 4, 1, false}, Vintage{"v0.3", 6, 1, true},
                           Vintage{"v0.4", 7, 1, true}}) {
    SECTION(v.name) {
      Install inst(v.name);
      std::string entries = inst.count("turnstone.db", "log_entries");
      std::string facts = v.context_rev == 0 ? "0"
                          : v.context_file   ? inst.count("turnstone-context.db", "context_facts")
                                             : inst.count("turnstone.db", "context_facts");
      auto auth_hits = inst.sql("turnstone.db", "SELECT rowid FROM log_entries_fts WHERE log_entries_fts MATCH 'auth*' ORDER BY rowid");
      REQUIRE_FALSE(auth_hits.empty());

      auto st = inst.run({"stamp", "--detect"});
      INFO(st.out + st.err);
      REQUIRE(st.exit_code == 0);
      CHECK(inst.sql("turnstone.db", "SELECT version_num FROM turnstone_version") ==
            std::vector<std::string>{nth_revision(inst, "main", v.main_rev)});
      if (v.context_rev && !v.context_file)  // v0.2: the marker sits beside the embedded tables
        CHECK(inst.sql("turnstone.db", "SELECT version_num FROM turnstone_context_version") ==
              std::vector<std::string>{nth_revision(inst, "context", v.context_rev)});
      if (v.context_file)
        CHECK(inst.sql("turnstone-context.db", "SELECT version_num FROM turnstone_context_version") ==
              std::vector<std::string>{nth_revision(inst, "context", v.context_rev)});

      auto up = inst.run({"upgrade", "head"});
      INFO(up.out + up.err);
      REQUIRE(up.exit_code == 0);
      auto check = inst.run({"check"});
      INFO(check.out + check.err);
      CHECK(check.exit_code == 0);  // exactly the schema of a fresh install
      CHECK(inst.count("turnstone.db", "log_entries") == entries);
      CHECK(inst.sql("turnstone.db", "SELECT rowid FROM log_entries_fts WHERE log_entries_fts MATCH 'auth*' ORDER BY rowid") ==
            auth_hits);
      CHECK(inst.sql("turnstone.db", "SELECT COUNT(*) FROM log_entries WHERE tenant_id = 'default'").at(0) == entries);
      if (v.context_rev) {
        CHECK(inst.count("turnstone-context.db", "context_facts") == facts);
        CHECK(inst.sql("turnstone.db", "SELECT COUNT(*) FROM sqlite_master WHERE name LIKE 'context_facts%' "
                                       "OR name = 'turnstone_context_version'")
                  .at(0) == "0");
        CHECK_FALSE(inst.sql("turnstone-context.db",
                             "SELECT rowid FROM context_facts_fts WHERE context_facts_fts MATCH 'ssh*'")
                        .empty());
      }
      // A rerun changes nothing.
      auto again = inst.run({"upgrade", "head"});
      CHECK(again.exit_code == 0);
      CHECK(again.out.find("already at target") != std::string::npos);
      if (v.context_rev) CHECK(inst.count("turnstone-context.db", "context_facts") == facts);
    }
  }
}

TEST_CASE("the v0.2 context move is exactly once after a crash between copy and cleanup", "[e2e][legacy]") {
  Install inst("v0.2");
  std::string facts = inst.count("turnstone.db", "context_facts");
  REQUIRE(inst.run({"stamp", "--detect"}).exit_code == 0);
  // Simulate a run killed after the copy committed but before the main file was cleaned: the
  // context file exists at the embedded revision and already holds every fact.
  auto ctx_rev = nth_revision(inst, "context", 1);
  auto sql = inst.run({"--tree", "context", "upgrade", "base:" + ctx_rev, "--sql"});
  REQUIRE(sql.exit_code == 0);
  std::ofstream(inst.dir + "/ctx.sql") << sql.out;
  std::string create = "sqlite3 '" + inst.dir + "/turnstone-context.db' < '" + inst.dir + "/ctx.sql'";
  REQUIRE(std::system(create.c_str()) == 0);
  std::string copy = "sqlite3 '" + inst.dir + "/turnstone-context.db' \"ATTACH '" + inst.dir +
                     "/turnstone.db' AS old; INSERT INTO context_facts SELECT * FROM old.context_facts;\"";
  REQUIRE(std::system(copy.c_str()) == 0);
  REQUIRE(inst.count("turnstone-context.db", "context_facts") == facts);

  auto up = inst.run({"upgrade", "head"});
  INFO(up.out + up.err);
  REQUIRE(up.exit_code == 0);
  CHECK(inst.count("turnstone-context.db", "context_facts") == facts);  // not doubled
  CHECK(inst.sql("turnstone.db", "SELECT COUNT(*) FROM sqlite_master WHERE name LIKE 'context_facts%'").at(0) == "0");
  CHECK(inst.run({"check"}).exit_code == 0);
}

TEST_CASE("a damaged legacy database is refused with exit 5 and left untouched", "[e2e][legacy]") {
  Install inst("damaged");
  auto schema_before = inst.sql("turnstone.db", "SELECT sql FROM sqlite_master ORDER BY name");
  auto rows_before = inst.count("turnstone.db", "log_entries");
  auto r = inst.run({"stamp", "--detect"});
  CHECK(r.exit_code == 5);
  CHECK(r.err.find("error: the live schema matches no revision") == 0);
  CHECK(r.err.find("detections: column scorer missing") != std::string::npos);
  CHECK(inst.sql("turnstone.db", "SELECT sql FROM sqlite_master ORDER BY name") == schema_before);
  CHECK(inst.count("turnstone.db", "log_entries") == rows_before);
  CHECK_FALSE(inst.exists("turnstone-context.db"));
}
