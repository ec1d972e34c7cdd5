// PostgreSQL connection handling: classified failures without the password, session settings,
// per-tenant schemas, and the advisory migration lock.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <regex>

#include "core/base/errors.h"
#include "core/model/schema.h"
#include "tests/support/test_db.h"

using namespace tsm;
using tsm::test::TestDatabase;

namespace {

bool pg_available() { return test::backend_available(DialectKind::postgresql); }

// The admin URL with another part swapped in (regex on the parts the tests vary).
std::string admin_url() { return std::getenv("TSM_TEST_PG_URL"); }

std::string connect_error(const std::string& url, std::chrono::seconds timeout = std::chrono::seconds(10)) {
  ConnectOptions o;
  o.connect_timeout = timeout;
  try {
    backend_for(DialectKind::postgresql).connect(parse_url(url), o);
  } catch (const ConnectError& e) {
    return e.what() + std::string("\n") + e.details();
  }
  return "connected";
}

}  // namespace

TEST_CASE("postgresql connect failures are classified and never show the password", "[integration][postgresql]") {
  if (!pg_available()) return;
  const std::string secret = "s3cr%3At";  // percent-encoded "s3cr:t"

  SECTION("unreachable port") {
    auto start = std::chrono::steady_clock::now();
    auto msg = connect_error("postgresql://tsm:" + secret + "@127.0.0.1:1/postgres", std::chrono::seconds(3));
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(8));
    CHECK_THAT(msg, Catch::StartsWith("cannot connect to postgresql://tsm:***@127.0.0.1:1/postgres: host unreachable"));
    CHECK_THAT(msg, !Catch::Contains("s3cr"));
  }
  SECTION("unknown host name") {
    auto msg = connect_error("postgresql://tsm:" + secret + "@no-such-host.invalid/postgres", std::chrono::seconds(3));
    CHECK_THAT(msg, Catch::Contains("host unreachable"));
    CHECK_THAT(msg, !Catch::Contains("s3cr"));
  }
  SECTION("unknown role") {
    std::string url = std::regex_replace(admin_url(), std::regex("://[^@]*@"), "://no_such_role:" + secret + "@");
    auto msg = connect_error(url);
    CHECK_THAT(msg, Catch::Contains("authentication failed for user no_such_role"));
    CHECK_THAT(msg, !Catch::Contains("s3cr"));
  }
  SECTION("missing database") {
    std::string url = std::regex_replace(admin_url(), std::regex("/[^/?]*(\\?|$)"), "/no_such_db_tsm$1");
    auto msg = connect_error(url);
    CHECK_THAT(msg, Catch::Contains("database no_such_db_tsm does not exist"));
  }
  SECTION("unknown URL parameter is a usage error") {
    CHECK_THROWS_AS(backend_for(DialectKind::postgresql).connect(parse_url(admin_url() + "?sslmod=require"), {}),
                    UsageError);
  }
}

TEST_CASE("postgresql session runs in UTC with the requested timeouts", "[integration][postgresql]") {
  if (!pg_available()) return;
  TestDatabase db(DialectKind::postgresql);
  ConnectOptions o;
  o.statement_timeout = std::chrono::seconds(1);
  o.lock_timeout = std::chrono::seconds(2);
  auto conn = backend_for(DialectKind::postgresql).connect(parse_url(db.url()), o);
  auto r = conn->query("SELECT current_setting('TimeZone'), current_setting('statement_timeout'), "
                       "current_setting('lock_timeout'), current_setting('application_name')");
  CHECK(*r.at(0).at(0) == "UTC");
  CHECK(*r.at(0).at(1) == "1s");
  CHECK(*r.at(0).at(2) == "2s");
  CHECK(*r.at(0).at(3) == "turnstone-migrate");
  try {
    conn->execute("SELECT pg_sleep(3)");
    FAIL("statement_timeout did not fire");
  } catch (const StatementError& e) {
    CHECK_THAT(e.what(), Catch::Contains("statement timeout"));
  }
}

TEST_CASE("postgresql reads a tenant schema not created yet as an empty database", "[integration][postgresql]") {
  if (!pg_available()) return;
  TestDatabase db(DialectKind::postgresql);
  auto conn = backend_for(DialectKind::postgresql).connect(parse_url(db.url() + "?schema=not_yet"), {});
  CHECK_FALSE(conn->query("SELECT current_schema()").at(0).at(0).has_value());
  CHECK_FALSE(conn->table_exists("alembic_version"));
  CHECK(conn->introspect({}).tables.empty());
  CHECK_THROWS_AS(conn->execute("CREATE TABLE t (id INTEGER)"), StatementError);  // no schema to create in
  CHECK(db.column("SELECT count(*) FROM pg_namespace WHERE nspname = 'not_yet'") == std::vector<std::string>{"0"});
}

TEST_CASE("postgresql runs a whole chain inside a tenant schema", "[integration][postgresql]") {
  if (!pg_available()) return;
  TestDatabase db(DialectKind::postgresql);
  ConnectOptions create;
  create.create_if_missing = true;
  auto url_for = [&](const std::string& tenant) {
    return parse_url(db.url() + "?schema=" + std::regex_replace(tenant, std::regex(" "), "%20"));
  };
  Ops ops;
  ops.create_table("sources", {col::string("id", 64).pk(), col::text("kind").not_null()});
  FulltextOptions o;
  o.trigram = true;
  ops.create_table("log_entries", {col::id("id"), col::text("message").not_null()});
  ops.create_fulltext("log_entries", {"message"}, o);

  for (std::string tenant : {"tenant_a", "Tenant B"}) {
    auto conn = backend_for(DialectKind::postgresql).connect(url_for(tenant), create);
    CHECK(*conn->query("SELECT current_schema()").at(0).at(0) == tenant);
    conn->execute(conn->dialect().create_version_table("alembic_version"));
    Schema schema;
    conn->begin();
    for (const auto& op : ops.operations()) {
      // Inside one transaction: the plain form of CONCURRENTLY statements (as --single-transaction).
      for (const auto& st : conn->dialect().render(op, schema)) conn->execute(st.plain_form.value_or(st.sql));
      schema.apply(op);
    }
    conn->execute(conn->dialect().insert_version("alembic_version", tenant == "tenant_a" ? "a1" : "b1"));
    conn->commit();
    CHECK(diff(conn->dialect().describe(schema), conn->introspect({"alembic_version"})).empty());
  }
  // Each tenant has its own tables and version row; the default schema has none of them.
  auto plain = db.connect();
  CHECK_FALSE(plain->table_exists("log_entries"));
  CHECK(plain->introspect({}).tables.empty());
  // pg_trgm went to the shared schema, not into the first tenant, so both tenants see it.
  CHECK(db.column("SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
                  "WHERE e.extname = 'pg_trgm'") == db.column("SELECT current_schema()"));
  CHECK(db.column("SELECT version_num FROM \"Tenant B\".alembic_version") == std::vector<std::string>{"b1"});
  CHECK(db.column("SELECT version_num FROM tenant_a.alembic_version") == std::vector<std::string>{"a1"});
  auto b = backend_for(DialectKind::postgresql).connect(url_for("Tenant B"), {});
  CHECK(b->table_exists("alembic_version"));
  CHECK(b->introspect({"alembic_version"}).tables.size() == 2);
}

TEST_CASE("postgresql migration lock is exclusive per tree and released on destruction", "[integration][postgresql]") {
  if (!pg_available()) return;
  TestDatabase db(DialectKind::postgresql);
  auto first = db.connect();
  auto second = db.connect();
  auto held = first->acquire_lock("main", std::chrono::seconds(1), nullptr);
  CHECK(db.column("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                  "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())") ==
        std::vector<std::string>{"1"});

  std::string holder;
  auto start = std::chrono::steady_clock::now();
  CHECK_THROWS_AS(second->acquire_lock("main", std::chrono::seconds(1), [&](const std::string& h) { holder = h; }),
                  LockTimeoutError);
  auto waited = std::chrono::steady_clock::now() - start;
  CHECK(waited >= std::chrono::milliseconds(900));
  CHECK(waited < std::chrono::seconds(5));
  CHECK_THAT(holder, Catch::Matches("pid [0-9]+ \\(turnstone-migrate\\) from .* since .*"));

  // Another tree is independent; the executor's transactions on the main connection don't release it.
  auto context = second->acquire_lock("context", std::chrono::seconds(1), nullptr);
  first->begin();
  first->rollback();
  CHECK_THROWS_AS(second->acquire_lock("main", std::chrono::seconds(0), nullptr), LockTimeoutError);

  held.reset();
  auto again = second->acquire_lock("main", std::chrono::seconds(1), nullptr);
  CHECK(again != nullptr);
}
