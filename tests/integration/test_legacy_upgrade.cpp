// A legacy install stamped at its vintage's revisions and upgraded to head keeps every row,
// finds its old rows by full-text search, and ends with the schema a fresh install has.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "core/run/detect.h"
#include "core/run/drift.h"
#include "core/run/executor.h"
#include "core/run/workspace.h"

namespace fs = std::filesystem;
using tsm::Direction;

namespace {

// The source tree, not __FILE__: a compiler launcher (ccache with base_dir) may make __FILE__ relative.
const fs::path kMakeLegacy = fs::path(TSM_SOURCE_DIR) / "tests" / "fixtures" / "legacy" / "make-legacy";

fs::path make_install(const std::string& vintage) {
  auto dir = fs::temp_directory_path() / ("tsm-legacy-up-" + vintage + "-" + std::to_string(std::rand()));
  fs::remove_all(dir);
  const std::string command = "'" + kMakeLegacy.string() + "' '" + vintage + "' '" + dir.string() + "'";
  REQUIRE(std::system(command.c_str()) == 0);
  return dir;
}

tsm::Settings settings_in(const fs::path& dir) {
  tsm::Settings s;
  s.main_url = "sqlite:///" + (dir / "turnstone.db").string();
  s.context_url = "sqlite:///" + (dir / "turnstone-context.db").string();
  return s;
}

std::string scalar(const tsm::Workspace& ws, const std::string& tree, const std::string& sql) {
  auto rows = ws.connect(tree, false)->query(sql);
  REQUIRE(rows.size() == 1);
  return rows[0].at(0).value_or("NULL");
}

void check_upgrade(const std::string& vintage, const std::string& main_rev) {
  const auto dir = make_install(vintage);
  const tsm::Workspace ws(settings_in(dir));
  tsm::stamp(ws, {main_rev, "2c54eb6de9fd"}, false);
  tsm::migrate(ws, Direction::up, "head");

  CHECK(scalar(ws, "main", "SELECT count(*) FROM log_entries") == "60");
  CHECK(scalar(ws, "main", "SELECT count(*) FROM log_entries WHERE tenant_id = 'default'") == "60");
  CHECK(scalar(ws, "main", "SELECT count(*) FROM detections") == "13");
  CHECK(scalar(ws, "main", "SELECT count(*) FROM incident_entries") == "11");
  CHECK(scalar(ws, "main", "SELECT count(*) FROM log_entries_fts WHERE log_entries_fts MATCH 'password'") == "6");
  CHECK(scalar(ws, "main", "SELECT group_concat(id) FROM (SELECT rowid AS id FROM log_entries_fts "
                           "WHERE log_entries_fts MATCH '\"no space left\"' ORDER BY rowid)") == "13,47");
  CHECK(scalar(ws, "context", "SELECT count(*) FROM context_facts") == "12");
  CHECK(scalar(ws, "context", "SELECT count(*) FROM context_facts_fts WHERE context_facts_fts MATCH 'ssh'") == "3");
  for (const auto& tree : {"main", "context"}) {
    INFO(tree);
    CHECK(tsm::check_drift(ws, tree).empty());
  }
  fs::remove_all(dir);
}

}  // namespace

TEST_CASE("legacy: v0.3 stamped and upgraded to head keeps every row", "[legacy]") {
  check_upgrade("v0.3", "a5bde210432d");
}

TEST_CASE("legacy: v0.4 stamped and upgraded to head keeps every row", "[legacy]") {
  check_upgrade("v0.4", "41d406908898");
}
