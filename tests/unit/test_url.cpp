#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "core/base/errors.h"
#include "core/base/url.h"

using namespace tsm;

namespace {
// The message of the UsageError parse_url throws ("" when it does not throw).
std::string parse_error(const std::string& text) {
  try {
    parse_url(text);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST_CASE("url: sqlite relative, absolute and in-memory forms", "[url]") {
  auto rel = parse_url("sqlite:///turnstone.db");
  CHECK(rel.dialect == DialectKind::sqlite);
  CHECK(rel.scheme == "sqlite");
  CHECK(rel.database == "turnstone.db");
  CHECK_FALSE(rel.is_memory());

  auto sub = parse_url("sqlite:///data/sub dir/t.db");
  CHECK(sub.database == "data/sub dir/t.db");

  auto abs = parse_url("sqlite:////var/lib/turnstone/turnstone.db");
  CHECK(abs.database == "/var/lib/turnstone/turnstone.db");

  auto mem = parse_url("sqlite://");
  CHECK(mem.is_memory());
  CHECK(mem.database.empty());

  auto mem2 = parse_url("sqlite:///:memory:");
  CHECK(mem2.is_memory());
  CHECK(mem2.database == ":memory:");

  auto encoded = parse_url("sqlite:///my%20file%3F.db?mode=ro");
  CHECK(encoded.database == "my file?.db");
  CHECK(encoded.param("mode") == std::optional<std::string>("ro"));
  CHECK_FALSE(encoded.param("cache").has_value());
}

TEST_CASE("url: postgresql with user, password, port, database and sslmode", "[url]") {
  auto u = parse_url("postgresql://turnstone:s3cret@db.example.com:5433/turnstone?sslmode=require");
  CHECK(u.dialect == DialectKind::postgresql);
  CHECK(u.scheme == "postgresql");
  CHECK(u.driver.empty());
  CHECK(u.user == std::optional<std::string>("turnstone"));
  CHECK(u.password == std::optional<std::string>("s3cret"));
  CHECK(u.host == "db.example.com");
  CHECK(u.port == std::optional<int>(5433));
  CHECK(u.database == "turnstone");
  CHECK(u.param("sslmode") == std::optional<std::string>("require"));
  CHECK(u.redacted() == "postgresql://turnstone:***@db.example.com:5433/turnstone?sslmode=require");
}

TEST_CASE("url: scheme aliases and +driver suffixes", "[url]") {
  struct Case {
    std::string text;
    DialectKind dialect;
    std::string scheme;
    std::string driver;
  };
  std::vector<Case> cases = {
      {"postgres://h/db", DialectKind::postgresql, "postgres", ""},
      {"postgresql+psycopg2://h/db", DialectKind::postgresql, "postgresql", "psycopg2"},
      {"mysql://h/db", DialectKind::mariadb, "mysql", ""},
      {"mysql+pymysql://h/db", DialectKind::mariadb, "mysql", "pymysql"},
      {"mariadb://h/db", DialectKind::mariadb, "mariadb", ""},
      {"mariadb+mariadbconnector://h/db", DialectKind::mariadb, "mariadb", "mariadbconnector"},
      {"sqlite+pysqlite:///x.db", DialectKind::sqlite, "sqlite", "pysqlite"},
  };
  for (const auto& c : cases) {
    INFO(c.text);
    auto u = parse_url(c.text);
    CHECK(u.dialect == c.dialect);
    CHECK(u.scheme == c.scheme);
    CHECK(u.driver == c.driver);
    CHECK(u.host == (c.dialect == DialectKind::sqlite ? "" : "h"));
  }
  CHECK(parse_url("mysql+pymysql://u:pw@h/db").redacted() == "mysql+pymysql://u:***@h/db");
}

TEST_CASE("url: percent-decoding of user, password, database and query", "[url]") {
  auto u = parse_url("mariadb://app%40corp:p%40ss%3Aw%2Frd%25@127.0.0.1:3307/my%2Ddb?unix_socket=%2Frun%2Fmysqld.sock&charset=utf8mb4");
  CHECK(u.user == std::optional<std::string>("app@corp"));
  CHECK(u.password == std::optional<std::string>("p@ss:w/rd%"));
  CHECK(u.host == "127.0.0.1");
  CHECK(u.port == std::optional<int>(3307));
  CHECK(u.database == "my-db");
  CHECK(u.param("unix_socket") == std::optional<std::string>("/run/mysqld.sock"));
  CHECK(u.param("charset") == std::optional<std::string>("utf8mb4"));
  // Query values decode '+' as a space, like Python's parse_qsl.
  CHECK(parse_url("postgresql://h/db?application_name=turnstone+migrate").param("application_name") ==
        std::optional<std::string>("turnstone migrate"));
}

TEST_CASE("url: a raw @, / or ? in the password stays in the password", "[url]") {
  auto u = parse_url("postgresql://bob:a@b/c?d@db.local:5432/prod");
  CHECK(u.user == std::optional<std::string>("bob"));
  CHECK(u.password == std::optional<std::string>("a@b/c?d"));
  CHECK(u.host == "db.local");
  CHECK(u.port == std::optional<int>(5432));
  CHECK(u.database == "prod");
  CHECK(u.redacted() == "postgresql://bob:***@db.local:5432/prod");
}

TEST_CASE("url: IPv6 hosts in brackets", "[url]") {
  auto u = parse_url("postgresql://u:pw@[::1]:5432/db");
  CHECK(u.host == "::1");
  CHECK(u.port == std::optional<int>(5432));
  CHECK(u.redacted() == "postgresql://u:***@[::1]:5432/db");
  auto v = parse_url("mariadb://[2001:db8::7]/turnstone");
  CHECK(v.host == "2001:db8::7");
  CHECK_FALSE(v.port.has_value());
  CHECK_FALSE(v.user.has_value());
  CHECK_FALSE(v.password.has_value());
}

TEST_CASE("url: sockets, empty hosts and ports at the edges", "[url]") {
  auto sock = parse_url("postgresql://turnstone@/turnstone?host=/run/postgresql");
  CHECK(sock.host.empty());
  CHECK(sock.user == std::optional<std::string>("turnstone"));
  CHECK_FALSE(sock.password.has_value());
  CHECK(sock.param("host") == std::optional<std::string>("/run/postgresql"));

  auto bare = parse_url("postgresql:///turnstone");
  CHECK(bare.host.empty());
  CHECK(bare.database == "turnstone");

  auto nodb = parse_url("postgresql://h:1");
  CHECK(nodb.port == std::optional<int>(1));
  CHECK(nodb.database.empty());
  CHECK(parse_url("postgresql://h:65535/db").port == std::optional<int>(65535));

  auto ssl = parse_url("mariadb://u:pw@h/db?ssl=true&ssl_ca=/etc/ca.pem&&");
  CHECK(ssl.query.size() == 2);
  CHECK(ssl.param("ssl") == std::optional<std::string>("true"));

  auto empty_pw = parse_url("postgresql://u:@h/db");
  CHECK(empty_pw.password == std::optional<std::string>(""));
}

TEST_CASE("url: malformed URLs are usage errors with a clear reason", "[url]") {
  struct Case {
    std::string text;
    std::string reason;
  };
  std::vector<Case> cases = {
      {"", "empty database URL"},
      {"turnstone.db", "expected <scheme>://"},
      {"oracle://u:hunter2@h/db", "unknown database URL scheme 'oracle'"},
      {"postgresql+://u:hunter2@h/db", "invalid driver suffix"},
      {"postgresql://u:hunter2@h:0/db", "port '0' is not a number between 1 and 65535"},
      {"postgresql://u:hunter2@h:65536/db", "port '65536'"},
      {"postgresql://u:hunter2@h:54x2/db", "port '54x2'"},
      {"postgresql://u:hunter2@h:-5/db", "port '-5'"},
      {"postgresql://u:hunter2@h:/db", "empty port"},
      {"postgresql://u:hunter2@[::1/db", "unclosed '['"},
      {"postgresql://u:hunter2@[]:5432/db", "is not an IPv6 address"},
      {"postgresql://u:hunter2@[::1]x/db", "unexpected text after the IPv6 host"},
      {"postgresql://u:hunter2@::1:5432/db", "must be written in brackets"},
      {"postgresql://u:hunter2@bad host/db", "invalid character in host 'bad host'"},
      {"postgresql://u:hunt%zzer2@h/db", "invalid percent-encoding in the password"},
      {"postgresql://u:hunter2%4@h/db", "invalid percent-encoding in the password"},
      {"postgresql://u:hunter2@h/db?sslmode=require&sslmode=disable", "'sslmode' is given more than once"},
      {"postgresql://u:hunter2@h/db?=x", "has no name"},
      {"postgresql://u:hunter2@h/db/extra", "contains '/'"},
      {"sqlite://relative.db", "a sqlite URL has no host"},
      {"sqlite://u:hunter2@host/x.db", "a sqlite URL has no host"},
      {"sqlite:///", "needs a file path"},
      {"mysql://u:hunter2@h/db\n", "control characters"},
      {"hunter2@h://db", "invalid scheme"},
  };
  for (const auto& c : cases) {
    INFO(c.text);
    std::string message = parse_error(c.text);
    CHECK_THAT(message, Catch::Contains(c.reason));
    CHECK_THAT(message, !Catch::Contains("hunter2"));
    CHECK_THAT(message, !Catch::Contains("hunt"));
  }
}

TEST_CASE("url: malformed URL errors map to the usage exit code", "[url]") {
  try {
    parse_url("ftp://u:hunter2@h/db");
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.code() == ExitCode::usage);
    CHECK(std::string(e.what()) == "unknown database URL scheme 'ftp' (expected sqlite, postgresql, postgres, mariadb or mysql)");
  }
}

TEST_CASE("url: redacted() never shows the password", "[url]") {
  auto u = parse_url("postgresql://app:Tr0ub%40dor@h/db?password=also-secret&sslmode=verify-full");
  std::string shown = u.redacted();
  CHECK(shown == "postgresql://app:***@h/db?password=***&sslmode=verify-full");
  CHECK_THAT(shown, !Catch::Contains("Tr0ub"));
  CHECK_THAT(shown, !Catch::Contains("also-secret"));
  CHECK(parse_url("sqlite:////srv/t.db").redacted() == "sqlite:////srv/t.db");
  CHECK(parse_url("sqlite://").redacted() == "sqlite://");
  CHECK(parse_url("postgresql://app@h/db").redacted() == "postgresql://app@h/db");
}

TEST_CASE("url: redact_secret removes raw and percent-encoded passwords", "[url]") {
  std::string pw = "p@ss w/rd";
  std::string message =
      "connection to 'postgresql://u:p%40ss%20w%2Frd@h/db' failed: password p@ss w/rd rejected (p%40ss+w%2Frd, "
      "p%40ss%20w%2frd)";
  std::string clean = redact_secret(message, pw);
  CHECK(clean == "connection to 'postgresql://u:***@h/db' failed: password *** rejected (***, ***)");
  CHECK(redact_secret("nothing to hide", pw) == "nothing to hide");
  CHECK(redact_secret("keep me", std::nullopt) == "keep me");
  CHECK(redact_secret("keep me", std::string()) == "keep me");
  CHECK(redact_secret("x secret y secret", std::string("secret")) == "x *** y ***");
  // A short password inside a longer word is not masked (issue 11: "stmt" printed as "s***t").
  CHECK(redact_secret("bad stmt near 'tm' (user tm:tm@h)", std::string("tm")) == "bad stmt near '***' (user ***:***@h)");
}

TEST_CASE("url: a URL whose '@' is missing never echoes what may be the password", "[url]") {
  for (const std::string text : {"postgresql://tm:secret127.0.0.1/db", "mysql://tm:secret", "mariadb://tm:sec ret@",
                                 "postgresql://tm:[secret]/db", "postgresql://tm:secret:5432/db"}) {
    INFO(text);
    try {
      parse_url(text);
    } catch (const UsageError& e) {
      CHECK_THAT(std::string(e.what()), !Catch::Contains("secret") && !Catch::Contains("sec ret"));
    }
  }
  CHECK_THROWS_WITH(parse_url("postgresql://tm:secret127.0.0.1/db"),
                    Catch::Contains("the port is not a number") && Catch::Contains("user:password@host"));
}

TEST_CASE("url: default context URL", "[url]") {
  CHECK(default_context_url(parse_url("sqlite:///turnstone.db")) == "sqlite:///turnstone-context.db");
  CHECK(default_context_url(parse_url("sqlite:////x/y/app.sqlite")) == "sqlite:////x/y/app-context.sqlite");
  CHECK(default_context_url(parse_url("sqlite:///data/noext")) == "sqlite:///data/noext-context");
  CHECK(default_context_url(parse_url("sqlite:///dir.v2/.hidden")) == "sqlite:///dir.v2/.hidden-context");
  CHECK(default_context_url(parse_url("sqlite:///a.b.db")) == "sqlite:///a.b-context.db");
  CHECK(default_context_url(parse_url("sqlite://")) == "sqlite://");
  CHECK(parse_url(default_context_url(parse_url("sqlite:///:memory:"))).is_memory());

  // Servers: the main URL itself, password kept (it is used, not printed), and parseable again.
  auto pg = parse_url("postgresql+psycopg2://app:p%40ss@[::1]:5432/turnstone?sslmode=require");
  auto ctx = parse_url(default_context_url(pg));
  CHECK(ctx.dialect == DialectKind::postgresql);
  CHECK(ctx.driver == "psycopg2");
  CHECK(ctx.user == pg.user);
  CHECK(ctx.password == std::optional<std::string>("p@ss"));
  CHECK(ctx.host == "::1");
  CHECK(ctx.port == pg.port);
  CHECK(ctx.database == "turnstone");
  CHECK(ctx.query == pg.query);

  auto my = parse_url("mysql://u:pw@h/db?unix_socket=/run/my+sql.sock");
  CHECK(parse_url(default_context_url(my)).param("unix_socket") == my.param("unix_socket"));
}
