// A refused statement on PostgreSQL says which GRANT (or which owner) would let it run.
#include <catch2/catch.hpp>

#include "dialects/postgresql/postgresql_privilege_hint.h"

using tsm::postgresql::privilege_hint;

TEST_CASE("privilege hint: each refusal names the grant that fixes it", "[unit]") {
  CHECK(privilege_hint("permission denied for schema public", "app") ==
        "; grant it as the object's owner or a superuser: GRANT USAGE, CREATE ON SCHEMA \"public\" TO \"app\"");
  CHECK(privilege_hint("permission denied for table log_entries", "app") ==
        "; grant it as the object's owner or a superuser: GRANT SELECT, INSERT, UPDATE, DELETE, REFERENCES, TRIGGER ON "
        "TABLE \"log_entries\" TO \"app\"");
  CHECK(privilege_hint("permission denied for sequence log_entries_id_seq", "app") ==
        "; grant it as the object's owner or a superuser: GRANT USAGE, SELECT, UPDATE ON SEQUENCE "
        "\"log_entries_id_seq\" TO \"app\"");
  CHECK(privilege_hint("permission denied for database turnstone", "app") ==
        "; grant it as the object's owner or a superuser: GRANT CREATE ON DATABASE \"turnstone\" TO \"app\"");
  CHECK(privilege_hint("must be owner of table log_entries", "app") ==
        "; this needs the owner of TABLE \"log_entries\": run as its owner, or as a superuser make this login the "
        "owner: ALTER TABLE \"log_entries\" OWNER TO \"app\"");
}

TEST_CASE("privilege hint: names are quoted and unknown messages add nothing", "[unit]") {
  // A name with a double quote cannot break out of the suggested statement.
  CHECK(privilege_hint("permission denied for schema we\"ird", "o\"k") ==
        "; grant it as the object's owner or a superuser: GRANT USAGE, CREATE ON SCHEMA \"we\"\"ird\" TO \"o\"\"k\"");
  CHECK(privilege_hint("permission denied to create role", "app").empty());
  CHECK(privilege_hint("syntax error at or near \"x\"", "app").empty());
  CHECK(privilege_hint("permission denied for schema public", "") ==
        "; grant it as the object's owner or a superuser: GRANT USAGE, CREATE ON SCHEMA \"public\" TO <user>");
}
