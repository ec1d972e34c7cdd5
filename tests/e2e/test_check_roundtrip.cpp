// Round trips compared by schema fingerprint: base → head → base → head gives the same schema,
// and every downgrade step restores exactly the schema of the revision below it.
#include "tests/support/e2e_fixture.h"
#include "tests/support/schema_fingerprint.h"

using namespace tsm::test;

TEMPLATE_TEST_CASE("base to head to base to head gives identical fingerprints", "[e2e][roundtrip]", TSM_BACKENDS) {
  TSM_REQUIRE_BACKEND(TestType::kind);
  Cli cli(TestType::kind);
  const std::string empty = database_fingerprint(cli.db());

  REQUIRE(cli.run({"upgrade", "head"}).exit_code == 0);
  const std::string head = database_fingerprint(cli.db());
  CHECK(head.find("table log_entries") != std::string::npos);
  CHECK(head.find("tenant_id") != std::string::npos);

  auto down = cli.run({"downgrade", "base"});
  INFO(down.err);
  REQUIRE(down.exit_code == 0);
  CHECK(database_fingerprint(cli.db()) == empty);  // nothing left but the version tables

  REQUIRE(cli.run({"upgrade", "head"}).exit_code == 0);
  CHECK(database_fingerprint(cli.db()) == head);
  CHECK(cli.run({"check"}).exit_code == 0);
}

TEMPLATE_TEST_CASE("each downgrade step restores the fingerprint of the revision below", "[e2e][roundtrip]",
                   TSM_BACKENDS) {
  TSM_REQUIRE_BACKEND(TestType::kind);
  Cli cli(TestType::kind);
  // Walk the main tree up one revision at a time, remembering each schema.
  std::vector<std::string> at_level{database_fingerprint(cli.db())};
  const std::string head = tool_heads(cli, "main")[0];
  while (cli.versions("turnstone_version") != std::vector<std::string>{head}) {
    auto up = cli.run({"upgrade", "+1", "--tree", "main"});
    INFO(up.err);
    REQUIRE(up.exit_code == 0);
    at_level.push_back(database_fingerprint(cli.db()));
    REQUIRE(at_level.size() < 100);
  }
  REQUIRE(at_level.size() > 2);
  for (size_t i = 1; i < at_level.size(); ++i) CHECK(at_level[i] != at_level[i - 1]);  // each revision changes something

  // Then down one at a time: each level's fingerprint comes back exactly.
  for (size_t level = at_level.size() - 1; level > 0; --level) {
    auto down = cli.run({"downgrade", "-1", "--tree", "main"});
    INFO("downgrade from level " << level << ": " << down.err);
    REQUIRE(down.exit_code == 0);
    CHECK(database_fingerprint(cli.db()) == at_level[level - 1]);
  }
  CHECK(cli.versions("turnstone_version").empty());
}
