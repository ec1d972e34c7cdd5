// --tenants specs and the glob that picks tenants by name (core/run/tenants.h).
#include <catch2/catch.hpp>

#include "core/base/errors.h"
#include "core/run/tenants.h"

using tsm::glob_match;
using tsm::parse_tenant_spec;
using tsm::TenantSpec;

TEST_CASE("tenant specs: all and @FILE and globs", "[unit][tenants]") {
  CHECK(parse_tenant_spec("all").kind == TenantSpec::Kind::all);
  auto file = parse_tenant_spec("@/etc/tenants.txt");
  CHECK(file.kind == TenantSpec::Kind::file);
  CHECK(file.text == "/etc/tenants.txt");
  auto glob = parse_tenant_spec("tenant_*");
  CHECK(glob.kind == TenantSpec::Kind::glob);
  CHECK(glob.text == "tenant_*");
  CHECK_THROWS_AS(parse_tenant_spec(""), tsm::UsageError);
  CHECK_THROWS_AS(parse_tenant_spec("@"), tsm::UsageError);
}

TEST_CASE("tenant globs match whole names with star and question mark", "[unit][tenants]") {
  CHECK(glob_match("tenant_*", "tenant_01"));
  CHECK(glob_match("tenant_*", "tenant_"));
  CHECK_FALSE(glob_match("tenant_*", "xtenant_01"));
  CHECK_FALSE(glob_match("tenant_?", "tenant_01"));
  CHECK(glob_match("tenant_??", "tenant_01"));
  CHECK(glob_match("*", ""));
  CHECK(glob_match("*a*b*", "xxaxxbxx"));
  CHECK_FALSE(glob_match("*a*b", "xxaxxbxxc"));
  CHECK(glob_match("Tenant-A", "Tenant-A"));
  CHECK_FALSE(glob_match("tenant-a", "Tenant-A"));  // case matters, as it does for schema names
  CHECK(glob_match("tenant.*", "tenant.b"));       // '.' is a plain character
  CHECK(glob_match("t*\xc3\xbc", "tenant_\xc3\xbc"));
}
