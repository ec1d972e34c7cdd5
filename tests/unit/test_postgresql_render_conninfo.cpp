// PostgreSQL URL → libpq conninfo, and classification of libpq's connect failures (no server).
#include <catch2/catch.hpp>

#include "core/base/errors.h"
#include "dialects/postgresql/postgresql_conninfo.h"

using namespace tsm;

TEST_CASE("postgresql conninfo quotes values and carries every URL part", "[postgresql][conninfo]") {
  CHECK(postgresql::conninfo_value("a b") == "'a b'");
  CHECK(postgresql::conninfo_value("it's\\x") == "'it\\'s\\\\x'");

  auto t = postgresql::connect_target(parse_url("postgresql+psycopg2://tsm:p%40ss%27w@db.example:5433/turnstone?sslmode=require"),
                              ConnectOptions{});
  CHECK(t.conninfo ==
        "sslmode='require' host='db.example' port='5433' user='tsm' password='p@ss\\'w' dbname='turnstone' "
        "connect_timeout='10' application_name='turnstone-migrate'");
  CHECK_FALSE(t.schema);

  ConnectOptions quick;
  quick.connect_timeout = std::chrono::seconds(3);
  auto sock = postgresql::connect_target(parse_url("postgresql://tsm@/turnstone?host=/run/postgresql&schema=tenant_7"), quick);
  CHECK(sock.conninfo ==
        "host='/run/postgresql' user='tsm' dbname='turnstone' connect_timeout='3' application_name='turnstone-migrate'");
  CHECK(sock.schema == std::optional<std::string>("tenant_7"));

  auto own = postgresql::connect_target(parse_url("postgres://u@h/d?connect_timeout=4&application_name=x"), quick);
  CHECK(own.conninfo == "application_name='x' connect_timeout='4' host='h' user='u' dbname='d'");

  CHECK_THROWS_AS(postgresql::connect_target(parse_url("postgresql://u@h/d?sslmod=require"), {}), UsageError);
  CHECK_THROWS_AS(postgresql::connect_target(parse_url("postgresql://u@h/d?connect_timeout=soon"), {}), UsageError);
  CHECK_THROWS_AS(postgresql::connect_target(parse_url("postgresql://u@h/d?schema=a,b"), {}), UsageError);
}

TEST_CASE("postgresql connect failures are classified from libpq's text", "[postgresql][conninfo]") {
  auto url = parse_url("postgresql://tsm:hunter2@db:5432/turnstone");
  const std::string head = "cannot connect to postgresql://tsm:***@db:5432/turnstone: ";
  CHECK(postgresql::classify_connect_failure(
            url, "connection to server at \"db\" (10.0.0.1), port 5432 failed: Connection refused\n\tIs the server "
                 "running on that host and accepting TCP/IP connections?\n") == head + "host unreachable");
  CHECK(postgresql::classify_connect_failure(url, "could not translate host name \"db\" to address: Name or service not known") ==
        head + "host unreachable");
  CHECK(postgresql::classify_connect_failure(url, "timeout expired\n") == head + "host unreachable");
  CHECK(postgresql::classify_connect_failure(
            url, "connection to server at \"db\", port 5432 failed: FATAL:  password authentication failed for user "
                 "\"tsm\"\n") == head + "authentication failed for user tsm");
  CHECK(postgresql::classify_connect_failure(url, "FATAL:  no pg_hba.conf entry for host \"10.0.0.2\", user \"tsm\"") ==
        head + "authentication failed for user tsm");
  CHECK(postgresql::classify_connect_failure(url, "FATAL:  database \"turnstone\" does not exist") ==
        head + "database turnstone does not exist");
  // Anything else: libpq's reason, without its prefixes and never with the password.
  CHECK(postgresql::classify_connect_failure(
            url, "connection to server at \"db\", port 5432 failed: FATAL:  sorry, too many clients (hunter2)\n") ==
        head + "sorry, too many clients (***)");
}
