// Replays every stored fuzz input as an ordinary test, with whatever compiler builds the tests (no
// clang, no libFuzzer): each file of tests/fuzz/corpus/<name>/ and tests/fuzz/crashes/<name>/
// goes through the same harness function the libFuzzer target fuzz_<name> runs (harness.h). A
// crash input stays in the repository after its bug is fixed, so the fix cannot regress.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "tests/fuzz/harness.h"

namespace fs = std::filesystem;

namespace {

using Harness = int (*)(const std::uint8_t*, std::size_t);

std::vector<fs::path> inputs_in(const fs::path& dir) {
  std::vector<fs::path> files;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return files;
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.is_regular_file() && entry.path().filename().string().rfind('.', 0) != 0) files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  return files;
}

// Runs every input of the harness.
void replay(const std::string& name, Harness harness) {
  spdlog::set_level(spdlog::level::off);
  const fs::path root = fs::path(TSM_SOURCE_DIR) / "tests" / "fuzz";
  std::size_t corpus = 0;
  for (const char* kind : {"corpus", "crashes"}) {
    for (const auto& file : inputs_in(root / kind / name)) {
      std::ifstream in(file, std::ios::binary);
      const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      INFO(file.string());
      try {
        harness(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
      } catch (const std::exception& e) {
        FAIL_CHECK(file.string() << ": " << e.what());
      }
      if (std::string(kind) == "corpus") ++corpus;
    }
  }
  CHECK(corpus > 0);  // a harness without its corpus tests nothing
}

}  // namespace

TEST_CASE("fuzz replay: url corpus and crash inputs", "[fuzz]") { replay("url", tsm::fuzz::fuzz_url); }
TEST_CASE("fuzz replay: target corpus and crash inputs", "[fuzz]") { replay("target", tsm::fuzz::fuzz_target); }
TEST_CASE("fuzz replay: sql_unit corpus and crash inputs", "[fuzz]") { replay("sql_unit", tsm::fuzz::fuzz_sql_unit); }
TEST_CASE("fuzz replay: split_sql corpus and crash inputs", "[fuzz]") {
  replay("split_sql", tsm::fuzz::fuzz_split_sql);
}
TEST_CASE("fuzz replay: version_rows corpus and crash inputs", "[fuzz]") {
  replay("version_rows", tsm::fuzz::fuzz_version_rows);
}
