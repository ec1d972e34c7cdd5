// `copy` through the real binary: the --json summary, the exit codes of the CLI contract
// (0, 2, 5, 6) and the verification table. The engine's own behaviour (round trips, SIGKILL and
// resume, refusals on every backend) is covered by tests/integration/test_copy.cpp.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <string>

#include "tests/support/e2e_fixture.h"

using namespace tsm;
using namespace tsm::test;

TEMPLATE_TEST_CASE("copy CLI: a SQLite install into each backend, --json, exit codes", "[copy][e2e]", OnSqlite,
                   OnPostgres, OnMariadb) {
  if (!backend_available(TestType::kind)) return;
  Cli source(DialectKind::sqlite);
  TestDatabase target(TestType::kind);
  REQUIRE(source.run({"upgrade", "heads", "-q"}).exit_code == 0);
  {
    auto c = source.db().connect();
    c->begin();
    for (int i = 1; i <= 300; ++i)
      c->query("INSERT INTO log_entries (source_id, timestamp, message, ingested_at) VALUES (?, ?, ?, ?)",
               {"journald:sshd", "2024-05-01 10:00:00", "message number " + std::to_string(i), "2024-05-01 10:00:01"});
    c->commit();
  }

  auto r = source.run({"copy", "--to", target.url(), "--json", "-q", "--batch-rows", "64"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto doc = nlohmann::json::parse(r.out);
  CHECK(doc.at("command") == "copy");
  CHECK(doc.at("verified") == true);
  CHECK(doc.at("totals").at("tables").get<int>() == 9);
  bool seen = false;
  for (const auto& t : doc.at("tables"))
    if (t.at("table") == "log_entries") {
      seen = true;
      CHECK(t.at("rows").get<int>() == 300);
      CHECK(t.at("source_checksum") == t.at("target_checksum"));
      CHECK(t.at("source_checksum").get<std::string>().size() == 64);
    }
  CHECK(seen);
  CHECK(r.err.find("password") == std::string::npos);

  // The text table and --verify-only.
  auto v = source.run({"copy", "--to", target.url(), "--verify-only"});
  CHECK(v.exit_code == 0);
  CHECK(v.out.find("log_entries") != std::string::npos);
  CHECK(v.out.find("verified") != std::string::npos);

  // A second copy into the now-versioned target: refused (5); the same database: usage (2).
  CHECK(source.run({"copy", "--to", target.url(), "-q"}).exit_code == 5);
  CHECK(source.run({"copy", "--to", source.db().url(), "-q"}).exit_code == 2);

  // A difference: exit 6 naming the table and the key.
  target.connect()->query("UPDATE log_entries SET message = ? WHERE id = ?", {"changed", "7"});
  auto d = source.run({"copy", "--to", target.url(), "--verify-only"});
  CHECK(d.exit_code == 6);
  CHECK(d.err.find("log_entries") != std::string::npos);
  CHECK(d.err.find("id=7") != std::string::npos);
}
