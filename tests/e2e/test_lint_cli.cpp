// `lint` through the binary: Turnstone's chain exits 0 on every dialect, an error finding exits 7,
// --json is one document naming the rule ids, a waiver keeps the exit at 0.
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "tests/support/e2e_fixture.h"

using namespace tsm::test;
namespace fs = std::filesystem;

namespace {
std::string unit_dir(const std::string& name, const std::string& unit) {
  auto d = fs::temp_directory_path() / ("tsm_e2e_lint_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  std::ofstream(d / "0009_drop_detections.sql") << unit;
  return d.string();
}
const char* const kDropDetections =
    "-- revision: lint_e2e_drop\n-- down_revision: d000f3f4c39a\n-- +upgrade\nDROP TABLE detections;\n";
}  // namespace

TEST_CASE("lint: Turnstone's chain exits 0 offline on every dialect", "[e2e][lint]") {
  for (const char* dialect : {"sqlite", "postgresql", "mariadb"}) {
    INFO(dialect);
    auto r = run_tool({"--dialect", dialect, "lint", "--offline"});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("lint: 10 revision(s) on " + std::string(dialect)) != std::string::npos);
    CHECK(r.out.find("\nerror ") == std::string::npos);
  }
}

TEST_CASE("lint: an error finding exits 7, --json names the rule, a waiver exits 0", "[e2e][lint]") {
  auto dir = unit_dir("error", kDropDetections);
  auto text = run_tool({"--dialect", "postgresql", "--revisions-dir", dir, "--tree", "main", "lint", "--offline",
                        "d000f3f4c39a:heads"});
  INFO(text.out << text.err);
  CHECK(text.exit_code == 7);
  CHECK(text.out.find("error TM201 lint_e2e_drop detections: DROP TABLE detections deletes every row") !=
        std::string::npos);
  CHECK(text.out.find("lint: 1 revision(s) on postgresql") != std::string::npos);

  auto json = run_tool({"--dialect", "postgresql", "--revisions-dir", dir, "lint", "--offline", "--json"});
  CHECK(json.exit_code == 7);
  auto doc = nlohmann::json::parse(json.out);
  CHECK(doc.at("command") == "lint");
  CHECK(doc.at("counts").at("error") == 1);
  bool named = false;
  for (const auto& f : doc.at("findings"))
    if (f.at("rule") == "TM201" && f.at("revision") == "lint_e2e_drop" && f.at("severity") == "error") named = true;
  CHECK(named);

  auto waived_dir = unit_dir("waived", std::string("-- lint: waive TM201 detections are recomputed by the scorer\n") +
                                           kDropDetections);
  auto waived = run_tool({"--dialect", "postgresql", "--revisions-dir", waived_dir, "lint", "--offline"});
  INFO(waived.out << waived.err);
  CHECK(waived.exit_code == 0);
  CHECK(waived.out.find("info TM201 lint_e2e_drop detections") != std::string::npos);
  CHECK(waived.out.find("(waived: detections are recomputed by the scorer)") != std::string::npos);
  fs::remove_all(dir);
  fs::remove_all(waived_dir);
}

TEST_CASE("lint: a bad range is a usage error (exit 2)", "[e2e][lint]") {
  auto r = run_tool({"--dialect", "sqlite", "lint", "--offline", "nosuchrev:heads"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.rfind("error: ", 0) == 0);
}
