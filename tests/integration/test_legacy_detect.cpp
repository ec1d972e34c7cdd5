// Legacy SQLite installs (tests/fixtures/legacy) against the revisions: for each vintage the
// schema replayed from the revisions must describe the legacy file exactly at the vintage's
// revision and at no other. This is what `stamp --detect` stands on.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <stdexcept>
#include <sstream>
#include <string>
#include <vector>

#include "core/dialect.h"
#include "core/graph/revision_graph.h"
#include "core/graph/registry.h"
#include "core/model/schema.h"
#include "core/base/url.h"

namespace fs = std::filesystem;
using tsm::DialectKind;
using tsm::Schema;
using tsm::SchemaDescription;

namespace {

// The source tree, not __FILE__: a compiler launcher (ccache with base_dir) may make __FILE__ relative.
const fs::path kFixtures = fs::path(TSM_SOURCE_DIR) / "tests" / "fixtures" / "legacy";

const tsm::RevisionGraph& graph() {
  static const tsm::RevisionGraph g(tsm::compiled_revisions());
  return g;
}

// replayed(tree)[i] = the schema after the first i revisions of the tree (0 = base, empty).
const std::vector<Schema>& replayed(const std::string& tree) {
  static std::map<std::string, std::vector<Schema>> cache;
  auto& snapshots = cache[tree];
  if (snapshots.empty()) {
    snapshots.emplace_back();
    for (const auto* rev : graph().topological(tree)) {
      Schema next = snapshots.back();
      for (const auto& op : rev->upgrade_ops()) next.apply(op);
      snapshots.push_back(next);
    }
  }
  return snapshots;
}

// Both trees in one file, as v0.2 keeps them.
Schema merged(const Schema& main, const Schema& context) {
  Schema out = main;
  for (const auto& [name, table] : context.tables) out.tables[name] = table;
  return out;
}

std::vector<std::string> differences(const Schema& expected, const SchemaDescription& live) {
  return tsm::diff(tsm::dialect_for(DialectKind::sqlite).describe(expected), live);
}

std::string lines(const std::vector<std::string>& items) {
  std::ostringstream out;
  for (const auto& item : items) out << "  " << item << "\n";
  return out.str();
}

// A fresh directory holding the vintage's files, made by the fixture script itself.
class LegacyInstall {
 public:
  explicit LegacyInstall(const std::string& vintage) {
    dir_ = fs::temp_directory_path() / ("tsm-legacy-" + vintage + "-" + std::to_string(std::rand()));
    fs::remove_all(dir_);
    const std::string command = "'" + (kFixtures / "make-legacy").string() + "' '" + vintage + "' '" + dir_.string() + "'";
    if (std::system(command.c_str()) != 0) throw std::runtime_error("make-legacy failed: " + command);
  }
  ~LegacyInstall() {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
  fs::path file(const std::string& name) const { return dir_ / name; }
  std::unique_ptr<tsm::Connection> connect(const std::string& name) const {
    REQUIRE(fs::exists(file(name)));
    return tsm::backend_for(DialectKind::sqlite).connect(tsm::parse_url("sqlite:///" + file(name).string()), {});
  }
  SchemaDescription introspect(const std::string& name) const { return connect(name)->introspect({}); }
  long count(const std::string& name, const std::string& sql) const {
    auto rows = connect(name)->query(sql);
    REQUIRE(rows.size() == 1);
    REQUIRE(rows[0].at(0).has_value());
    return std::stol(*rows[0][0]);
  }

 private:
  fs::path dir_;
};

// Every main revision count k whose replayed schema describes `live` exactly.
std::vector<std::size_t> matching_main(const SchemaDescription& live) {
  std::vector<std::size_t> out;
  const auto& main = replayed("main");
  for (std::size_t k = 0; k < main.size(); ++k)
    if (differences(main[k], live).empty()) out.push_back(k);
  return out;
}

std::vector<std::size_t> matching_context(const SchemaDescription& live) {
  std::vector<std::size_t> out;
  const auto& context = replayed("context");
  for (std::size_t k = 0; k < context.size(); ++k)
    if (differences(context[k], live).empty()) out.push_back(k);
  return out;
}

// Checks the exact match at `k` (printing the differences if not) and mismatches at k±1.
void check_main_vintage(const SchemaDescription& live, std::size_t k) {
  const auto& main = replayed("main");
  INFO("differences against main revision " << k << ":\n" << lines(differences(main[k], live)));
  CHECK(differences(main[k], live).empty());
  CHECK_FALSE(differences(main[k - 1], live).empty());
  CHECK_FALSE(differences(main[k + 1], live).empty());
  CHECK(matching_main(live) == std::vector<std::size_t>{k});
}

void check_context_file(const LegacyInstall& install) {
  const auto live = install.introspect("turnstone-context.db");
  const auto& context = replayed("context");
  INFO("differences against context revision 1:\n" << lines(differences(context[1], live)));
  CHECK(differences(context[1], live).empty());
  CHECK_FALSE(differences(context[2], live).empty());
  CHECK(matching_context(live) == std::vector<std::size_t>{1});
  CHECK(install.count("turnstone-context.db", "SELECT count(*) FROM context_facts") == 12);
  CHECK(install.count("turnstone-context.db",
                      "SELECT count(*) FROM context_facts_fts WHERE context_facts_fts MATCH 'ssh'") == 3);
}

void check_log_rows(const LegacyInstall& install) {
  CHECK(install.count("turnstone.db", "SELECT count(*) FROM log_entries") == 60);
  CHECK(install.count("turnstone.db", "SELECT count(DISTINCT source_id) FROM log_entries") == 5);
  // The FTS index was filled by the sync triggers: a keyword and a prefix find the old rows.
  CHECK(install.count("turnstone.db", "SELECT count(*) FROM log_entries_fts WHERE log_entries_fts MATCH 'password'") ==
        6);
  CHECK(install.count("turnstone.db", "SELECT count(*) FROM log_entries_fts WHERE log_entries_fts MATCH 'upstr*'") ==
        6);
  CHECK(install.count("turnstone.db",
                      "SELECT count(*) FROM log_entries, json_each(log_entries.matched_patterns) "
                      "WHERE json_extract(json_each.value, '$.label') = 'auth_failure'") == 12);
}

}  // namespace

TEST_CASE("legacy: v0.1 matches main revision 2 and no other", "[legacy]") {
  LegacyInstall install("v0.1");
  check_main_vintage(install.introspect("turnstone.db"), 2);
  CHECK_FALSE(fs::exists(install.file("turnstone-context.db")));
  check_log_rows(install);
}

TEST_CASE("legacy: v0.2 matches main revision 4 plus context revision 1 in one file", "[legacy]") {
  LegacyInstall install("v0.2");
  const auto live = install.introspect("turnstone.db");
  const auto& main = replayed("main");
  const auto& context = replayed("context");
  INFO("differences against main 4 + context 1:\n" << lines(differences(merged(main[4], context[1]), live)));
  CHECK(differences(merged(main[4], context[1]), live).empty());
  // Neither tree alone, nor the neighbours, describe it.
  CHECK_FALSE(differences(main[4], live).empty());
  CHECK_FALSE(differences(merged(main[3], context[1]), live).empty());
  CHECK_FALSE(differences(merged(main[5], context[1]), live).empty());
  CHECK_FALSE(differences(merged(main[4], context[2]), live).empty());
  CHECK(matching_main(live).empty());
  CHECK_FALSE(fs::exists(install.file("turnstone-context.db")));
  check_log_rows(install);
  CHECK(install.count("turnstone.db", "SELECT count(*) FROM context_facts") == 12);
  CHECK(install.count("turnstone.db", "SELECT count(*) FROM detections") == 8);
  CHECK(install.count("turnstone.db", "SELECT count(*) FROM incident_entries") == 11);
}

TEST_CASE("legacy: v0.3 matches main revision 6 and context revision 1", "[legacy]") {
  LegacyInstall install("v0.3");
  check_main_vintage(install.introspect("turnstone.db"), 6);
  check_context_file(install);
  check_log_rows(install);
  CHECK(install.count("turnstone.db", "SELECT count(*) FROM detections WHERE scorer = 'cybersec'") == 5);
  CHECK(install.count("turnstone.db", "SELECT count(*) FROM sent_bundles") == 3);
}

TEST_CASE("legacy: v0.4 matches main revision 7 and context revision 1", "[legacy]") {
  LegacyInstall install("v0.4");
  check_main_vintage(install.introspect("turnstone.db"), 7);
  check_context_file(install);
  check_log_rows(install);
  CHECK(install.count("turnstone.db", "SELECT count(*) FROM glean_runs") == 6);
}

TEST_CASE("legacy: a damaged v0.2 (scorer ALTER missing) matches no revision", "[legacy]") {
  LegacyInstall install("damaged");
  const auto live = install.introspect("turnstone.db");
  CHECK(matching_main(live).empty());
  const auto& main = replayed("main");
  const auto& context = replayed("context");
  for (std::size_t k = 0; k < main.size(); ++k)
    for (std::size_t j = 0; j < context.size(); ++j) {
      INFO("main " << k << " + context " << j);
      CHECK_FALSE(differences(merged(main[k], context[j]), live).empty());
    }
  // Against v0.2's shape the only differences are the three extra log_entries columns.
  const auto near = differences(merged(main[4], context[1]), live);
  INFO(lines(near));
  CHECK(near.size() == 3);
  for (const auto& line : near) CHECK(line.find("log_entries") != std::string::npos);
}
