// PostgreSQL full-text and JSON queries on objects created by the operations (the parity set
// every dialect must answer the same way).
#include <catch2/catch.hpp>

#include "core/base/errors.h"
#include "core/model/schema.h"
#include "tests/support/test_db.h"

using namespace tsm;
using tsm::test::TestDatabase;

namespace {

void apply(Connection& conn, Schema& schema, const Ops& ops) {
  for (const auto& op : ops.operations()) {
    for (const auto& st : conn.dialect().render(op, schema)) conn.execute(st.sql);
    schema.apply(op);
  }
}

std::vector<std::string> ids(Connection& conn, const std::string& where) {
  std::vector<std::string> out;
  for (auto& r : conn.query("SELECT id FROM log_entries WHERE " + where + " ORDER BY id")) out.push_back(*r.at(0));
  return out;
}

using Ids = std::vector<std::string>;

}  // namespace

TEST_CASE("postgresql full-text search parity set and JSON containment", "[integration][postgresql][fts]") {
  if (!test::backend_available(DialectKind::postgresql)) return;
  TestDatabase db(DialectKind::postgresql);
  auto conn = db.connect();
  Schema schema;
  Ops ops;
  ops.create_table("log_entries", {col::id("id"), col::text("message").not_null(),
                                   col::json("matched_patterns").not_null().default_value(std::string("[]"))});
  FulltextOptions o;
  o.trigram = true;
  ops.create_fulltext("log_entries", {"message"}, o);
  ops.bulk_insert("log_entries", {"id", "message"},
                  {{std::int64_t{1}, std::string("sshd authentication failure for root from 10.0.0.5")},
                   {std::int64_t{2}, std::string("nginx upstream timed out while reading")},
                   {std::int64_t{3}, std::string("kernel: authorization denied for user bob")},
                   {std::int64_t{4}, std::string("sshd accepted publickey for alice")},
                   {std::int64_t{5}, std::string("disk full on /var/log partition")},
                   {std::int64_t{6}, std::string("authentication token expired for service api")}});
  apply(*conn, schema, ops);
  CHECK(diff(conn->dialect().describe(schema), conn->introspect({})).empty());

  CHECK(ids(*conn, "to_tsvector('simple', message) @@ to_tsquery('simple', 'authentication')") == Ids{"1", "6"});
  CHECK(ids(*conn, "to_tsvector('simple', message) @@ to_tsquery('simple', 'sshd & authentication')") == Ids{"1"});
  CHECK(ids(*conn, "to_tsvector('simple', message) @@ to_tsquery('simple', 'auth:*')") == Ids{"1", "3", "6"});
  CHECK(ids(*conn, "to_tsvector('simple', message) @@ phraseto_tsquery('simple', 'token expired')") == Ids{"6"});
  // The same queries with bound user input.
  CHECK(conn->query("SELECT count(*) FROM log_entries WHERE to_tsvector('simple', message) @@ plainto_tsquery('simple', ?)",
                    {"sshd authentication"})
            .at(0)
            .at(0) == std::optional<std::string>("1"));
  // The trigram index answers substring search.
  CHECK(ids(*conn, "message ILIKE '%ublick%'") == Ids{"4"});
  // Rows written later are indexed too (generated column).
  conn->execute("INSERT INTO log_entries (id, message) VALUES (7, 'Authentication retry')");
  CHECK(ids(*conn, "to_tsvector('simple', message) @@ to_tsquery('simple', 'authentication')") == Ids{"1", "6", "7"});

  conn->execute(R"(UPDATE log_entries SET matched_patterns = '[{"pattern":"ssh_bruteforce","label":"auth"}]' WHERE id IN (1, 4))");
  conn->execute(R"(UPDATE log_entries SET matched_patterns = '[{"pattern":"x","label":"other"}]' WHERE id = 2)");
  CHECK(ids(*conn, R"(matched_patterns @> '[{"pattern":"ssh_bruteforce"}]'::jsonb)") == Ids{"1", "4"});
  CHECK(ids(*conn, R"(matched_patterns @> '[{"pattern":"x"}]'::jsonb)") == Ids{"2"});
  CHECK(ids(*conn, "EXISTS (SELECT 1 FROM jsonb_array_elements(matched_patterns) e WHERE e->>'label' = 'auth')") ==
        Ids{"1", "4"});
  CHECK(conn->query("SELECT id FROM log_entries WHERE matched_patterns @> jsonb_build_array(jsonb_build_object('pattern', ?::text)) ORDER BY id",
                    {"ssh_bruteforce"})
            .size() == 2);
  CHECK_THROWS_AS(conn->execute("UPDATE log_entries SET matched_patterns = 'not json' WHERE id = 1"), StatementError);
}

TEST_CASE("postgresql reports a pg_trgm that cannot be created clearly", "[integration][postgresql][fts]") {
  if (!test::backend_available(DialectKind::postgresql)) return;
  TestDatabase db(DialectKind::postgresql);
  auto conn = db.connect();
  // A role that does not own the database and is no superuser cannot create the extension.
  std::string role = "tsm_limited_" + db.name().substr(db.name().size() - 6);
  conn->execute("CREATE ROLE " + conn->dialect().quote(role) + " LOGIN");
  conn->execute("GRANT CREATE, USAGE ON SCHEMA public TO " + conn->dialect().quote(role));
  conn->execute("SET ROLE " + conn->dialect().quote(role));
  try {
    conn->execute("CREATE EXTENSION IF NOT EXISTS pg_trgm");
    FAIL("expected the extension to be refused");
  } catch (const StatementError& e) {
    CHECK_THAT(e.what(), Catch::StartsWith("pg_trgm extension could not be created: permission denied"));
    CHECK_THAT(e.what(), Catch::Contains("ask a superuser to run CREATE EXTENSION pg_trgm in this database"));
  }
  conn->execute("RESET ROLE");
  conn->execute("REVOKE ALL ON SCHEMA public FROM " + conn->dialect().quote(role));
  conn->execute("DROP ROLE " + conn->dialect().quote(role));
}
