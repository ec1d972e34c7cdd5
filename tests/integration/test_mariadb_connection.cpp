// MariaDB: connecting (classified failures, no password in messages), locks, FULLTEXT parity
// queries and JSON filtering on a real server.
#include <catch2/catch.hpp>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>

#include "core/dialect.h"
#include "core/base/errors.h"
#include "core/model/schema.h"
#include "core/run/backfill.h"
#include "tests/support/test_db.h"

using namespace tsm;

namespace {

DatabaseUrl admin_url() { return parse_url(std::getenv("TSM_TEST_MARIADB_URL")); }

std::string connect_error(const DatabaseUrl& url, ConnectOptions options = {}) {
  try {
    backend_for(DialectKind::mariadb).connect(url, options);
  } catch (const ConnectError& e) {
    return e.what();
  }
  return "connected";
}

std::vector<std::string> ids(Connection& c, const std::string& sql, const std::vector<std::string>& params = {}) {
  std::vector<std::string> out;
  for (const auto& row : c.query(sql, params)) out.push_back(row.at(0).value_or("NULL"));
  return out;
}

// Turnstone's MariaDB search: the side table's FULLTEXT index, joined back on the key.
const char* const kSearch =
    "SELECT e.id FROM log_entries e JOIN log_entries_fts f ON f.id = e.id "
    "WHERE MATCH(f.message) AGAINST (? IN BOOLEAN MODE) ORDER BY e.id";

// log_entries reduced to what full-text search needs.
TableSpec log_messages() {
  TableSpec t;
  t.name = "log_entries";
  t.columns = {col::id("id"), col::text("message").not_null()};
  return t;
}

void run(Connection& c, Schema& schema, const std::vector<Operation>& ops) {
  for (const auto& op : ops) {
    for (const auto& st : c.dialect().render(op, schema)) c.execute(st.sql);
    schema.apply(op);
  }
}

// A listening socket that never answers: the handshake must time out, not hang.
struct SilentServer {
  int fd = -1;
  int port = 0;
  SilentServer() {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(fd, 4);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
  }
  ~SilentServer() { ::close(fd); }
};

}  // namespace

TEST_CASE("mariadb connection failures are classified without the password", "[mariadb][integration]") {
  if (!test::backend_available(DialectKind::mariadb)) return;
  DatabaseUrl base = admin_url();
  REQUIRE(base.password);
  const std::string secret = *base.password;

  DatabaseUrl refused = base;
  refused.port = 1;
  std::string m = connect_error(refused);
  CHECK(m.find("host unreachable") != std::string::npos);
  CHECK(m.find("cannot connect to") == 0);
  CHECK(m.find(secret) == std::string::npos);

  DatabaseUrl wrong = base;
  wrong.password = "definitely-not-" + secret;
  m = connect_error(wrong);
  CHECK(m.find("authentication failed for user " + base.user.value_or("")) != std::string::npos);
  CHECK(m.find("definitely-not") == std::string::npos);

  DatabaseUrl missing = base;
  missing.database = "tsm_no_such_db";
  m = connect_error(missing);
  CHECK(m.find("database tsm_no_such_db does not exist") != std::string::npos);
  CHECK(m.find(secret) == std::string::npos);

  SilentServer silent;
  DatabaseUrl hung = base;
  hung.port = silent.port;
  ConnectOptions quick;
  quick.connect_timeout = std::chrono::seconds(2);
  auto start = std::chrono::steady_clock::now();
  m = connect_error(hung, quick);
  auto took = std::chrono::steady_clock::now() - start;
  CHECK(m.find("host unreachable") != std::string::npos);
  CHECK(took < std::chrono::seconds(8));
}

TEST_CASE("mariadb URL options are honoured", "[mariadb][integration]") {
  if (!test::backend_available(DialectKind::mariadb)) return;
  DatabaseUrl url = admin_url();
  url.query["charset"] = "utf8mb4";
  url.query["ssl"] = "false";
  auto c = backend_for(DialectKind::mariadb).connect(url, ConnectOptions{});
  auto rows = c->query("SELECT @@character_set_client, @@session.time_zone, @@session.sql_mode");
  REQUIRE(rows.size() == 1);
  CHECK(*rows[0][0] == "utf8mb4");
  CHECK(*rows[0][1] == "+00:00");
  CHECK(rows[0][2]->find("STRICT_TRANS_TABLES") != std::string::npos);
  CHECK(rows[0][2]->find("ANSI_QUOTES") == std::string::npos);

  // host localhost + ?unix_socket= goes through the server's Unix socket.
  std::string socket = *c->query("SELECT @@socket")[0][0];
  DatabaseUrl local = admin_url();
  local.host = "localhost";
  local.port.reset();
  local.query["unix_socket"] = socket;
  auto via_socket = backend_for(DialectKind::mariadb).connect(local, ConnectOptions{});
  auto proto = via_socket->query("SELECT HOST FROM information_schema.PROCESSLIST WHERE ID = CONNECTION_ID()");
  REQUIRE(proto.size() == 1);
  CHECK(*proto[0][0] == "localhost");  // a TCP session would show 127.0.0.1:port

  DatabaseUrl bad = admin_url();
  bad.query["charset"] = "utf8'; DROP";
  CHECK_THROWS_AS(backend_for(DialectKind::mariadb).connect(bad, ConnectOptions{}), UsageError);

  ConnectOptions timed;
  timed.statement_timeout = std::chrono::seconds(1);
  auto t = backend_for(DialectKind::mariadb).connect(admin_url(), timed);
  CHECK_THROWS_AS(t->query("SELECT SLEEP(3) FROM DUAL WHERE 1 = (SELECT 1 FROM DUAL)"), StatementError);
}

TEST_CASE("mariadb lock is exclusive per tree and released on destruction", "[mariadb][integration]") {
  if (!test::backend_available(DialectKind::mariadb)) return;
  test::TestDatabase db(DialectKind::mariadb);
  auto first = db.connect();
  auto second = db.connect();
  int waited = 0;
  std::string who;
  auto lock = first->acquire_lock("main", std::chrono::seconds(1), [&](const std::string&) { ++waited; });
  CHECK(waited == 0);
  auto start = std::chrono::steady_clock::now();
  CHECK_THROWS_AS(second->acquire_lock("main", std::chrono::seconds(1),
                                       [&](const std::string& h) {
                                         ++waited;
                                         who = h;
                                       }),
                  LockTimeoutError);
  CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(900));
  CHECK(waited == 1);
  CHECK(who.find("connection") != std::string::npos);
  auto other_tree = second->acquire_lock("context", std::chrono::seconds(1), nullptr);  // independent
  lock.reset();
  auto again = second->acquire_lock("main", std::chrono::seconds(1), nullptr);
  CHECK(again != nullptr);
}

TEST_CASE("mariadb FULLTEXT parity queries", "[mariadb][integration]") {
  if (!test::backend_available(DialectKind::mariadb)) return;
  test::TestDatabase db(DialectKind::mariadb);
  auto c = db.connect();
  const TableSpec t = log_messages();
  Schema schema;
  run(*c, schema,
      {CreateTable{t},
       BulkInsert{"log_entries", {"id", "message"},
                  {{Value{std::int64_t{1}}, Value{std::string("sshd authentication failure for root from 10.0.0.5")}},
                   {Value{std::int64_t{2}}, Value{std::string("nginx upstream timed out while reading")}},
                   {Value{std::int64_t{3}}, Value{std::string("kernel: authorization denied for user bob")}},
                   {Value{std::int64_t{4}}, Value{std::string("sshd accepted publickey for alice")}},
                   {Value{std::int64_t{5}}, Value{std::string("disk full on /var/log partition")}},
                   {Value{std::int64_t{6}}, Value{std::string("authentication token expired for service api")}}}},
       CreateFulltext{FulltextSpec{"log_entries", {"message"}, "id", {}}}});
  CHECK(c->introspect({}).tables.at("log_entries").fulltext_objects ==
        std::vector<std::string>{"ft_log_entries", "log_entries_ad", "log_entries_ai", "log_entries_au",
                                 "log_entries_fts"});
  CHECK(c->introspect({}).tables.count("log_entries_fts") == 0);  // an object of log_entries, not a table
  const std::string q = kSearch;
  CHECK(ids(*c, q, {"authentication"}) == std::vector<std::string>{"1", "6"});
  CHECK(ids(*c, q, {"+sshd +authentication"}) == std::vector<std::string>{"1"});
  CHECK(ids(*c, q, {"auth*"}) == std::vector<std::string>{"1", "3", "6"});
  CHECK(ids(*c, q, {"\"token expired\""}) == std::vector<std::string>{"6"});
  // Tokenizer limits: 3-letter tokens are indexed (innodb_ft_min_token_size=3), shorter ones
  // and InnoDB stopwords ("for") are not.
  CHECK(ids(*c, q, {"api"}) == std::vector<std::string>{"6"});
  CHECK(ids(*c, q, {"on"}).empty());
  CHECK(ids(*c, q, {"for"}).empty());
  // Rows inserted after the index exists are searchable once committed.
  c->execute("INSERT INTO log_entries (message) VALUES ('sshd authentication retry')");
  CHECK(ids(*c, q, {"+sshd +authentication"}) == std::vector<std::string>{"1", "7"});
}

// Regression: MariaDB 10.11 rebuilt a FULLTEXT index in place over the hidden FTS_DOC_ID left by
// an earlier one and then found none of the rows inserted in between (copy drops the index before
// its load, revisions may drop and recreate it).
TEST_CASE("mariadb FULLTEXT recreated after rows were inserted without it finds them", "[mariadb][integration]") {
  if (!test::backend_available(DialectKind::mariadb)) return;
  test::TestDatabase db(DialectKind::mariadb);
  auto c = db.connect();
  const TableSpec t = log_messages();
  const FulltextSpec ft{"log_entries", {"message"}, "id", {}};
  Schema schema;
  run(*c, schema, {CreateTable{t}, CreateFulltext{ft}, DropFulltext{ft},
                   BulkInsert{"log_entries", {"message"},
                              {{Value{std::string("hello token7 world")}}, {Value{std::string("other line")}}}},
                   CreateFulltext{ft}});
  const std::string q = kSearch;
  CHECK(ids(*c, q, {"token7"}) == std::vector<std::string>{"1"});
  c->execute("INSERT INTO log_entries (message) VALUES ('later token7')");
  CHECK(ids(*c, q, {"token7"}) == std::vector<std::string>{"1", "3"});
}

// The sync triggers follow every write: an update of the message or of the key, a delete.
TEST_CASE("mariadb full-text side table follows inserts updates and deletes", "[mariadb][integration]") {
  if (!test::backend_available(DialectKind::mariadb)) return;
  test::TestDatabase db(DialectKind::mariadb);
  auto c = db.connect();
  const FulltextSpec ft{"log_entries", {"message"}, "id", {}};
  Schema schema;
  run(*c, schema, {CreateTable{log_messages()}, CreateFulltext{ft}});
  c->execute("INSERT INTO log_entries (message) VALUES ('alpha one'), ('beta two'), ('gamma three')");
  CHECK(ids(*c, kSearch, {"beta"}) == std::vector<std::string>{"2"});
  c->execute("UPDATE log_entries SET message = 'delta two' WHERE id = 2");
  CHECK(ids(*c, kSearch, {"beta"}).empty());
  CHECK(ids(*c, kSearch, {"delta"}) == std::vector<std::string>{"2"});
  c->execute("UPDATE log_entries SET id = 20 WHERE id = 3");
  CHECK(ids(*c, kSearch, {"gamma"}) == std::vector<std::string>{"20"});
  c->execute("DELETE FROM log_entries WHERE id = 1");
  CHECK(ids(*c, kSearch, {"alpha"}).empty());
  CHECK(ids(*c, "SELECT id FROM log_entries_fts ORDER BY id") == std::vector<std::string>{"2", "20"});
  // The searched table keeps INSTANT column changes (the point of the side table).
  run(*c, schema, {AddColumn{"log_entries", col::double_("anomaly_score")}});
  CHECK(c->introspect({}).tables.at("log_entries").columns.size() == 3);
  // Renaming the table and the searched column keeps search working under the new names.
  AlterColumn rename;
  rename.table = "entries";
  rename.name = "message";
  rename.new_name = "line";
  run(*c, schema, {RenameTable{"log_entries", "entries"}, rename});
  c->execute("INSERT INTO entries (id, line) VALUES (30, 'epsilon five')");
  const std::string renamed = "SELECT e.id FROM entries e JOIN entries_fts f ON f.id = e.id "
                              "WHERE MATCH(f.line) AGAINST (? IN BOOLEAN MODE) ORDER BY e.id";
  CHECK(ids(*c, renamed, {"delta epsilon"}) == std::vector<std::string>{"2", "30"});
  CHECK(c->introspect({}).tables.at("entries").fulltext_objects ==
        std::vector<std::string>{"entries_ad", "entries_ai", "entries_au", "entries_fts", "ft_entries"});
  CHECK(c->dialect().describe(schema).tables.at("entries").fulltext_objects ==
        c->introspect({}).tables.at("entries").fulltext_objects);
  run(*c, schema, {DropTable{"entries", std::nullopt}});
  CHECK(c->introspect({}).tables.empty());
  CHECK(ids(*c, "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()") ==
        std::vector<std::string>{"0"});
}

// Rows written between the batched fill and the triggers (the online build's gap) are caught up:
// new rows added, changed ones refreshed, deleted ones removed, each batch by key range.
TEST_CASE("mariadb full-text catch-up covers writes between the fill and the triggers", "[mariadb][integration]") {
  if (!test::backend_available(DialectKind::mariadb)) return;
  test::TestDatabase db(DialectKind::mariadb);
  auto c = db.connect();
  Schema schema;
  run(*c, schema, {CreateTable{log_messages()}});
  for (int i = 1; i <= 300; ++i) c->query("INSERT INTO log_entries (message) VALUES (?)", {"row token" + std::to_string(i)});
  const auto statements = c->dialect().render(CreateFulltext{FulltextSpec{"log_entries", {"message"}, "id", {}}}, schema);
  REQUIRE(statements.size() == 8);
  auto run_one = [&](const Statement& st) {
    if (st.batched) {
      BatchedUpdate b = *st.batched;
      b.options.first_batch_rows = 7;  // many small ranges
      b.options.target_batch_ms = 1;
      b.options.pause_percent = 0;
      run_backfill(*c, b, std::chrono::seconds(5));
    } else {
      c->execute(st.sql);
    }
  };
  run_one(statements[0]);
  run_one(statements[1]);  // the fill
  CHECK(ids(*c, "SELECT COUNT(*) FROM log_entries_fts") == std::vector<std::string>{"300"});
  // The gap: writes the fill did not see and no trigger caught yet.
  c->execute("INSERT INTO log_entries (message) VALUES ('late arrival')");
  c->execute("UPDATE log_entries SET message = 'rewritten line' WHERE id = 150");
  c->execute("DELETE FROM log_entries WHERE id IN (1, 299)");
  for (std::size_t i = 2; i < statements.size(); ++i) run_one(statements[i]);
  CHECK(ids(*c, "SELECT COUNT(*) FROM log_entries_fts") == std::vector<std::string>{"299"});
  CHECK(ids(*c, "SELECT COUNT(*) FROM log_entries e JOIN log_entries_fts f ON f.id = e.id AND f.message = e.message") ==
        std::vector<std::string>{"299"});
  CHECK(ids(*c, kSearch, {"late"}) == std::vector<std::string>{"301"});
  CHECK(ids(*c, kSearch, {"rewritten"}) == std::vector<std::string>{"150"});
  CHECK(ids(*c, kSearch, {"token1"}).empty());
  CHECK(ids(*c, kSearch, {"token299"}).empty());
  // Every statement repeats safely (a kill leaves one in doubt and the rerun sends it again).
  for (const auto& st : statements) run_one(st);
  CHECK(ids(*c, "SELECT COUNT(*) FROM log_entries_fts") == std::vector<std::string>{"299"});
  CHECK(ids(*c, kSearch, {"token42"}) == std::vector<std::string>{"42"});
}

// context_facts' shape: UNIQUE (subject, fact) over text and FULLTEXT on fact. The key is byte
// exact through invisible companions, search stays case-insensitive, and introspection reports
// the key over the real columns (so `check` sees no drift).
TEST_CASE("mariadb unique keys over text are byte exact while FULLTEXT stays case-insensitive",
          "[mariadb][integration]") {
  if (!test::backend_available(DialectKind::mariadb)) return;
  test::TestDatabase db(DialectKind::mariadb);
  auto c = db.connect();
  TableSpec t;
  t.name = "facts";
  t.columns = {col::id("id"), col::text("subject").not_null(), col::text("fact").not_null()};
  t.uniques = {UniqueConstraint{{"subject", "fact"}, "uq_facts"}};
  const FulltextSpec ft{"facts", {"fact"}, "id", {}};
  Schema schema;
  run(*c, schema, {CreateTable{t}, CreateFulltext{ft}});
  for (const char* fact : {"SSH open", "ssh open", "x", "x ", "e\xCC\x81", "\xC3\xA9", "\xF0\x9F\x98\x80",
                           "\xF0\x9F\x98\x81", "a\xE2\x80\x8B" "b", "ab"})
    c->query("INSERT INTO facts (subject, fact) VALUES ('h', ?)", {std::string(fact)});
  CHECK(ids(*c, "SELECT COUNT(*) FROM facts") == std::vector<std::string>{"10"});
  CHECK_THROWS_AS(c->execute("INSERT INTO facts (subject, fact) VALUES ('h', 'x')"), StatementError);
  CHECK(ids(*c, "SELECT s.id FROM facts s JOIN facts_fts f ON f.id = s.id WHERE MATCH(f.fact) AGAINST ('ssh' IN "
                "BOOLEAN MODE) ORDER BY s.id") == std::vector<std::string>{"1", "2"});
  // SELECT * and INSERT without a column list do not see the companions.
  CHECK(c->query("SELECT * FROM facts WHERE id = 1").at(0).size() == 3);
  c->execute("INSERT INTO facts VALUES (NULL, 'h2', 'SSH open')");
  auto live = c->introspect({}).tables.at("facts");
  std::vector<std::string> columns;
  for (const auto& col : live.columns) columns.push_back(col.name);
  CHECK(columns == std::vector<std::string>{"id", "subject", "fact"});
  REQUIRE(live.indexes.size() == 1);
  CHECK(live.indexes[0].columns == std::vector<std::string>{"subject", "fact"});
  CHECK(live.indexes[0].unique);
  CHECK(c->dialect().describe(schema).tables.at("facts").indexes[0].columns == live.indexes[0].columns);
}

TEST_CASE("mariadb JSON_CONTAINS filters matched_patterns", "[mariadb][integration]") {
  if (!test::backend_available(DialectKind::mariadb)) return;
  test::TestDatabase db(DialectKind::mariadb);
  auto c = db.connect();
  TableSpec t;
  t.name = "log_entries";
  t.columns = {col::id("id"), col::json("matched_patterns").not_null().default_value(std::string("[]"))};
  Schema schema;
  run(*c, schema,
      {CreateTable{t},
       BulkInsert{"log_entries", {"id", "matched_patterns"},
                  {{Value{std::int64_t{1}}, Value{std::string(R"([{"pattern":"ssh_bruteforce","label":"auth"}])")}},
                   {Value{std::int64_t{2}}, Value{std::string(R"([{"pattern":"disk_full","label":"system"}])")}},
                   {Value{std::int64_t{3}}, Value{std::string(R"([{"pattern":"disk_full","label":"system"},)"
                                                              R"({"pattern":"ssh_bruteforce","label":"auth"}])")}}}}});
  c->execute("INSERT INTO log_entries (id) VALUES (4)");
  CHECK(ids(*c, "SELECT id FROM log_entries WHERE JSON_CONTAINS(matched_patterns, ?) ORDER BY id",
            {R"({"pattern":"ssh_bruteforce"})"}) == std::vector<std::string>{"1", "3"});
  CHECK(ids(*c, "SELECT matched_patterns FROM log_entries WHERE id = 4") == std::vector<std::string>{"[]"});
  CHECK_THROWS_AS(c->execute("INSERT INTO log_entries (id, matched_patterns) VALUES (5, 'not json')"), StatementError);
}

// The progress record of a DDL statement: 'started' is committed by the DDL itself, 'done' is
// autocommitted after it, so the runner's COMMIT has nothing to do and is not sent. Where a
// transaction is open (data, or autocommit off) it is.
TEST_CASE("mariadb commit is sent only when a transaction is open", "[mariadb][integration]") {
  if (!test::backend_available(DialectKind::mariadb)) return;
  test::TestDatabase db(DialectKind::mariadb);
  auto c = db.connect();
  auto other = db.connect();
  auto commits = [&] { return std::stoi(*c->query("SHOW SESSION STATUS LIKE 'Com_commit'")[0][1]); };
  c->execute("CREATE TABLE progress (n INT PRIMARY KEY, state VARCHAR(8) NOT NULL)");

  int before = commits();
  c->begin();
  c->query("INSERT INTO progress (n, state) VALUES (?, 'started')", {"1"});
  c->execute("CREATE TABLE made (id INT PRIMARY KEY)");
  c->query("UPDATE progress SET state = 'done' WHERE n = ?", {"1"});
  c->commit();
  CHECK(commits() == before);
  CHECK(ids(*other, "SELECT state FROM progress WHERE n = 1") == std::vector<std::string>{"done"});

  before = commits();
  c->begin();
  c->query("INSERT INTO progress (n, state) VALUES (?, 'done')", {"2"});
  c->commit();
  CHECK(commits() == before + 1);
  CHECK(ids(*other, "SELECT state FROM progress WHERE n = 2") == std::vector<std::string>{"done"});

  c->execute("SET SESSION autocommit = 0");
  before = commits();
  c->query("INSERT INTO progress (n, state) VALUES (?, 'done')", {"3"});
  c->commit();
  CHECK(commits() == before + 1);
  CHECK(ids(*other, "SELECT state FROM progress WHERE n = 3") == std::vector<std::string>{"done"});
}
