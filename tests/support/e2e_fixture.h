#pragma once
// One throwaway database per test on one backend, and the binary run against it.
// Backend-parametrized tests use TEMPLATE_TEST_CASE over the three backend tags below, so each
// backend is its own CTest entry; a server that is not configured is skipped loudly (a failure
// under CI=true).
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/run.h"
#include "tests/support/test_db.h"

namespace tsm::test {

struct OnSqlite { static constexpr DialectKind kind = DialectKind::sqlite; };
struct OnPostgres { static constexpr DialectKind kind = DialectKind::postgresql; };
struct OnMariadb { static constexpr DialectKind kind = DialectKind::mariadb; };

class Cli {
 public:
  explicit Cli(DialectKind kind) : db_(std::make_unique<TestDatabase>(kind)) {}

  TestDatabase& db() { return *db_; }
  DialectKind kind() const { return db_->kind(); }
  const std::string& dir() const { return db_->dir(); }

  // Runs the tool against this test's database (URL passed through the environment, as deploy
  // scripts do), with the working directory set to the test's temp dir.
  RunResult run(std::vector<std::string> args, std::map<std::string, std::string> env = {}) const {
    if (!env.count("TURNSTONE_DATABASE_URL")) env["TURNSTONE_DATABASE_URL"] = db_->url();
    RunOptions o;
    o.cwd = db_->dir();
    o.env = env;
    return run_tool(args, o);
  }

  // Version rows of a tree's table, sorted ("" when the table does not exist).
  std::vector<std::string> versions(const std::string& table = "turnstone_version") const {
    auto conn = connect_for(table);
    if (!conn->table_exists(table)) return {};
    std::vector<std::string> rows;
    for (auto& r : conn->query("SELECT version_num FROM " + table + " ORDER BY version_num")) rows.push_back(*r[0]);
    return rows;
  }
  bool has_table(const std::string& table) const { return connect_for(table)->table_exists(table); }

  // The context tree lives in its own file on SQLite.
  std::string context_path() const { return db_->dir() + "/test-context.db"; }

  // Writes a SQL revision unit into <dir>/units/ and returns that directory.
  std::string unit(const std::string& file, const std::string& text) const {
    auto dir = std::filesystem::path(db_->dir()) / "units";
    std::filesystem::create_directories(dir);
    std::ofstream(dir / file) << text;
    return dir.string();
  }

 private:
  std::unique_ptr<Connection> connect_for(const std::string& table) const {
    if (kind() == DialectKind::sqlite && table == "turnstone_context_version") {
      ConnectOptions o;
      o.create_if_missing = true;
      return backend_for(kind()).connect(parse_url("sqlite:///" + context_path()), o);
    }
    return db_->connect();
  }
  std::unique_ptr<TestDatabase> db_;
};

// Heads of the compiled graph, read from the tool itself (so tests never hard-code ids).
inline std::vector<std::string> tool_heads(const Cli& cli, const std::string& tree) {
  auto r = cli.run({"heads", "--json"});
  REQUIRE(r.exit_code == 0);
  std::vector<std::string> out;
  auto doc = nlohmann::json::parse(r.out);  // keep the document alive while iterating into it
  for (const auto& h : doc.at("heads").at(tree)) out.push_back(h.at("revision").get<std::string>());
  return out;
}

}  // namespace tsm::test

// Skips (loudly) a backend whose server is not configured; fails under CI=true.
#define TSM_REQUIRE_BACKEND(kind)                 \
  do {                                            \
    if (!::tsm::test::backend_available(kind)) {  \
      WARN("backend not configured: skipped");    \
      return;                                     \
    }                                             \
  } while (0)

#define TSM_BACKENDS ::tsm::test::OnSqlite, ::tsm::test::OnPostgres, ::tsm::test::OnMariadb
