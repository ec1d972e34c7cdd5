// SQLite full-text (FTS5) and JSON (json_each) behaviour on what the operations create — the
// shared parity rows and queries every dialect must answer with the same ids.
#include <catch2/catch.hpp>

#include "core/base/errors.h"
#include "tests/support/sqlite_util.h"
#include "tests/support/test_db.h"

using namespace tsm;
using tsm::sqlite_test::run_ops;
using tsm::sqlite_test::strings;

namespace {

const char* const kMessages[] = {
    "sshd authentication failure for root from 10.0.0.5", "nginx upstream timed out while reading",
    "kernel: authorization denied for user bob",          "sshd accepted publickey for alice",
    "disk full on /var/log partition",                    "authentication token expired for service api"};

std::vector<std::string> search(Connection& c, const std::string& match) {
  return strings(c,
                 "SELECT e.id FROM log_entries_fts f JOIN log_entries e ON e.id = f.rowid "
                 "WHERE log_entries_fts MATCH ? ORDER BY e.id",
                 {match});
}

Ops log_schema() {
  Ops ops;
  ops.create_table("log_entries", {col::id("id"), col::text("message").not_null(),
                                   col::json("matched_patterns").not_null().default_value(std::string("[]"))});
  return ops;
}

}  // namespace

TEST_CASE("sqlite: FTS parity queries return the shared ids", "[sqlite][integration][fts]") {
  test::TestDatabase db(DialectKind::sqlite);
  auto c = db.connect();
  Schema schema;
  Ops ops = log_schema();
  run_ops(*c, schema, ops);
  // Half the rows exist before the index (the 'rebuild' must cover them), half after (triggers).
  for (int i = 0; i < 3; ++i)
    c->query("INSERT INTO log_entries (id, message) VALUES (?, ?)", {std::to_string(i + 1), kMessages[i]});
  Ops fts;
  fts.create_fulltext("log_entries", {"message"});
  run_ops(*c, schema, fts);
  for (int i = 3; i < 6; ++i)
    c->query("INSERT INTO log_entries (id, message) VALUES (?, ?)", {std::to_string(i + 1), kMessages[i]});

  CHECK(search(*c, "authentication") == std::vector<std::string>{"1", "6"});
  CHECK(search(*c, "sshd authentication") == std::vector<std::string>{"1"});
  CHECK(search(*c, "auth*") == std::vector<std::string>{"1", "3", "6"});
  CHECK(search(*c, "\"token expired\"") == std::vector<std::string>{"6"});

  // Renaming the table moves the index with it (external content names its table).
  Ops rename;
  rename.rename_table("log_entries", "entries");
  run_ops(*c, schema, rename);
  CHECK(strings(*c, "SELECT rowid FROM entries_fts WHERE entries_fts MATCH 'auth*' ORDER BY rowid") ==
        std::vector<std::string>{"1", "3", "6"});
  c->execute("INSERT INTO entries (message) VALUES ('authentication again')");
  CHECK(strings(*c, "SELECT rowid FROM entries_fts WHERE entries_fts MATCH 'authentication' ORDER BY rowid") ==
        std::vector<std::string>{"1", "6", "7"});
  CHECK_FALSE(c->table_exists("log_entries_fts"));
  Ops back;
  back.rename_table("entries", "log_entries");
  run_ops(*c, schema, back);
  c->execute("DELETE FROM log_entries WHERE id = 7");
  CHECK(search(*c, "authentication") == std::vector<std::string>{"1", "6"});

  // Dropping the index removes every FTS object; the data stays.
  Ops drop;
  drop.drop_fulltext("log_entries", {"message"});
  run_ops(*c, schema, drop);
  CHECK(strings(*c, "SELECT count(*) FROM sqlite_master WHERE name LIKE 'log_entries_%'") ==
        std::vector<std::string>{"0"});
  CHECK(strings(*c, "SELECT count(*) FROM log_entries") == std::vector<std::string>{"6"});
}

TEST_CASE("sqlite: JSON columns are checked and filterable by element", "[sqlite][integration][json]") {
  test::TestDatabase db(DialectKind::sqlite);
  auto c = db.connect();
  Schema schema;
  run_ops(*c, schema, log_schema());
  c->query("INSERT INTO log_entries (message, matched_patterns) VALUES (?, ?)",
           {"a", R"([{"pattern":"ssh_bruteforce","label":"auth"}])"});
  c->query("INSERT INTO log_entries (message, matched_patterns) VALUES (?, ?)",
           {"b", R"([{"pattern":"disk_full","label":"ops"}])"});
  c->execute("INSERT INTO log_entries (message) VALUES ('c')");  // the default '[]'
  CHECK(strings(*c,
                "SELECT id FROM log_entries WHERE EXISTS (SELECT 1 FROM json_each(log_entries.matched_patterns) j "
                "WHERE json_extract(j.value, '$.pattern') = ?) ORDER BY id",
                {"ssh_bruteforce"}) == std::vector<std::string>{"1"});
  CHECK_THROWS_WITH(c->query("INSERT INTO log_entries (message, matched_patterns) VALUES (?, ?)", {"d", "[oops"}),
                    Catch::Contains("CHECK constraint failed"));
}
