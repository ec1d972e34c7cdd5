// lint (core/lint/): each rule fires on its fixture unit (tests/fixtures/lint/) or in-code
// revision with the exact id and severity, and stays silent on the safe form; sizes decide the
// severity of blocking findings; waivers turn a finding into info; Turnstone's own chain lints
// without an error on every dialect.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/graph/sql_unit.h"
#include "core/lint/lint.h"
#include "core/lint/sql_scan.h"

using namespace tsm;
using tsm::lint::Finding;
using tsm::lint::Severity;

namespace {

const std::string kFixtures = std::string(TSM_SOURCE_DIR) + "/tests/fixtures/lint";
const DialectKind kAll[] = {DialectKind::sqlite, DialectKind::postgresql, DialectKind::mariadb};

// log_entries and detections, as an earlier revision left them (size unknown offline).
Schema base_schema() {
  Ops op;
  op.create_table("log_entries", {col::id("id"), col::string("source_id", 255).not_null(), col::text("hostname"),
                                  col::string("severity", 16).not_null(), col::text("message").not_null(),
                                  col::text("raw")});
  op.create_table("detections", {col::id("id"), col::big_integer("entry_id").not_null(), col::real("score")});
  op.create_index("ix_detections_entry", "detections", {"entry_id"});
  Schema s;
  for (const auto& o : op.operations()) s.apply(o);
  return s;
}

lint::SizeLookup rows_of(std::map<std::string, std::int64_t> rows) {
  return [rows](const std::string&, const std::vector<std::string>&) {
    lint::Sizes s;
    s.known = true;
    for (const auto& [t, n] : rows) s.tables[t] = TableSize{n, std::nullopt, true};
    return s;
  };
}

std::vector<Finding> lint_revision(const Revision& rev, DialectKind d, const lint::SizeLookup& sizes = nullptr) {
  Step step;
  step.revision = &rev;
  return lint::lint_steps({step}, d, base_schema(), "main", sizes);
}

std::vector<Finding> lint_ops(const MigrationFn& up, DialectKind d, const lint::SizeLookup& sizes = nullptr) {
  static std::vector<std::unique_ptr<Revision>> keep;  // steps point at their revision
  auto rev = std::make_unique<Revision>();
  rev->id = "inline";
  rev->upgrade = up;
  keep.push_back(std::move(rev));
  return lint_revision(*keep.back(), d, sizes);
}

std::vector<Finding> lint_fixture(const std::string& file, DialectKind d, const lint::SizeLookup& sizes = nullptr) {
  static std::map<std::string, Revision> loaded;
  if (!loaded.count(file)) {
    for (auto& rev : load_sql_units({kFixtures}))
      if (rev.origin.find("/" + file + ".sql:") != std::string::npos) loaded[file] = rev;
    REQUIRE(loaded.count(file) == 1);
  }
  return lint_revision(loaded.at(file), d, sizes);
}

// "TM101:warning TM109:warning": rule ids with severities, sorted (the assertion's currency).
std::string summary(const std::vector<Finding>& fs) {
  std::vector<std::string> parts;
  for (const auto& f : fs) parts.push_back(f.rule + ":" + lint::severity_name(f.severity));
  std::sort(parts.begin(), parts.end());
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : " ") + p;
  return out;
}

}  // namespace

TEST_CASE("lint: every rule fires on its fixture unit with its id and severity (offline: size unknown)", "[lint]") {
  using D = DialectKind;
  struct Expect {
    const char* file;
    D dialect;
    const char* findings;
  };
  const Expect cases[] = {
      {"tm101_index", D::postgresql, "TM101:warning TM109:warning"},
      {"tm101_index", D::sqlite, "TM101:warning"},
      {"tm101_index", D::mariadb, "TM108:warning TM109:warning"},
      {"tm102_rewrite", D::postgresql, "TM102:warning TM109:warning"},
      {"tm102_rewrite", D::mariadb, "TM102:warning TM109:warning"},
      {"tm103_fulltext", D::postgresql, "TM103:warning TM109:warning"},
      {"tm103_fulltext", D::mariadb, "TM103:warning TM109:warning"},
      {"tm104_constraint", D::postgresql, "TM104:warning TM104:warning TM109:warning"},
      {"tm104_constraint", D::mariadb, "TM104:warning TM109:warning"},
      {"tm105_not_null", D::sqlite, "TM105:error"},
      {"tm105_not_null", D::postgresql, "TM105:error TM109:warning"},
      {"tm105_not_null", D::mariadb, "TM105:error TM108:warning TM109:warning"},
      {"tm106_volatile", D::sqlite, "TM106:error"},
      {"tm106_volatile", D::postgresql, "TM106:error TM109:warning"},
      {"tm106_volatile", D::mariadb, "TM106:error TM109:warning"},
      {"tm107_type", D::postgresql, "TM107:error TM109:warning"},
      {"tm107_type", D::mariadb, "TM107:error TM109:warning"},
      {"tm108_algorithm", D::mariadb, "TM108:warning TM109:warning"},
      {"tm109_lock", D::postgresql, "TM109:warning"},
      {"tm109_lock", D::mariadb, "TM109:warning"},
      {"tm110_unbatched", D::sqlite, "TM110:warning"},
      {"tm110_unbatched", D::postgresql, "TM110:warning"},
      {"tm201_drop_table", D::sqlite, "TM201:error"},
      {"tm201_drop_table", D::postgresql, "TM109:warning TM201:error"},
      {"tm202_drop_column", D::sqlite, "TM202:error"},
      {"tm202_drop_column", D::mariadb, "TM108:warning TM109:warning TM202:error"},
      {"tm203_rename_table", D::sqlite, "TM203:error"},
      {"tm203_rename_table", D::postgresql, "TM109:warning TM203:error"},
      {"tm204_rename_column", D::sqlite, "TM204:error"},
      {"tm204_rename_column", D::postgresql, "TM109:warning TM204:error"},
  };
  for (const auto& c : cases) {
    INFO(c.file << " on " << dialect_name(c.dialect));
    CHECK(summary(lint_fixture(c.file, c.dialect)) == c.findings);
  }
}

TEST_CASE("lint: the safe forms and rule words inside comments, literals and identifiers find nothing", "[lint]") {
  for (auto d : kAll) {
    INFO(dialect_name(d));
    CHECK(summary(lint_fixture("safe", d)) == "");
    CHECK(summary(lint_fixture("comments_and_strings", d)) == "");
  }
}

TEST_CASE("lint: the tokenizer drops comments and makes literals opaque", "[lint]") {
  auto words = [](const std::string& sql, bool mariadb) {
    std::string out;
    for (const auto& t : lint::tokenize(sql, mariadb))
      out += (t.kind == lint::Token::Kind::literal ? std::string("<lit>") : t.text) + " ";
    return out;
  };
  CHECK(words("select 'a''b -- c' -- drop\n, x", false) == "SELECT <lit> , X ");
  CHECK(words("/* a /* b */ c */ drop $x$ ; $x$ \"Drop\"", false) == "DROP <lit> Drop ");
  CHECK(words("select 'it\\'s' # drop\n", true) == "SELECT <lit> ");
  CHECK(words("select 1 # 2", false) == "SELECT 1 # 2 ");  // PostgreSQL: an operator
  auto statements = lint::split_statements(
      lint::tokenize("create trigger t after insert on x begin update y set a = 1; delete from z; end; drop table q"));
  CHECK(statements.size() == 2);
}

TEST_CASE("lint: operations are checked before rendering, as the online forms run", "[lint]") {
  auto create_index = [](Ops& op) { op.create_index("ix_log_source", "log_entries", {"source_id"}); };
  CHECK(summary(lint_ops(create_index, DialectKind::sqlite)) == "TM101:warning");
  CHECK(summary(lint_ops(create_index, DialectKind::postgresql)).empty());  // CONCURRENTLY
  CHECK(summary(lint_ops(create_index, DialectKind::mariadb)).empty());     // INPLACE, LOCK=NONE

  // A table created by the same revision is empty when the index is built.
  auto fresh = [](Ops& op) {
    op.create_table("scratch", {col::id("id"), col::text("body")});
    op.create_index("ix_scratch_body", "scratch", {"body"});
    op.create_fulltext("scratch", {"body"});
    op.add_column("scratch", col::text("extra").not_null());
    op.drop_table("scratch");
  };
  for (auto d : kAll) CHECK(summary(lint_ops(fresh, d)).empty());

  auto fulltext = [](Ops& op) { op.create_fulltext("log_entries", {"message"}); };
  CHECK(summary(lint_ops(fulltext, DialectKind::postgresql)).empty());  // expression GIN, CONCURRENTLY
  CHECK(summary(lint_ops(fulltext, DialectKind::mariadb)).empty());  // side table, filled in batches
  CHECK(summary(lint_ops(fulltext, DialectKind::sqlite)) == "TM103:warning");

  auto type_change = [](Ops& op) {
    AlterColumn c;
    c.table = "log_entries";
    c.name = "severity";
    c.type = ColumnType{TypeKind::text, 0};
    op.alter_column(c);
  };
  for (auto d : kAll) CHECK(summary(lint_ops(type_change, d)) == "TM107:error");

  auto set_not_null = [](Ops& op) {
    AlterColumn c;
    c.table = "log_entries";
    c.name = "hostname";
    c.nullable = false;
    op.alter_column(c);
  };
  CHECK(summary(lint_ops(set_not_null, DialectKind::postgresql)).empty());  // validated CHECK first
  CHECK(summary(lint_ops(set_not_null, DialectKind::mariadb)) == "TM102:warning");
  CHECK(summary(lint_ops(set_not_null, DialectKind::sqlite)) == "TM102:warning");

  auto rename_column = [](Ops& op) {
    AlterColumn c;
    c.table = "log_entries";
    c.name = "raw";
    c.new_name = "raw_text";
    op.alter_column(c);
  };
  for (auto d : kAll) CHECK(summary(lint_ops(rename_column, d)) == "TM204:error");

  auto not_null_no_default = [](Ops& op) { op.add_column("log_entries", col::text("tenant").not_null()); };
  auto not_null_default = [](Ops& op) {
    op.add_column("log_entries", col::text("tenant").not_null().default_value(std::string("default")));
    op.add_column("log_entries", col::real("score"));
  };
  auto default_now = [](Ops& op) { op.add_column("log_entries", col::timestamp("seen_at").default_now()); };
  for (auto d : kAll) {
    CHECK(summary(lint_ops(not_null_no_default, d)) == "TM105:error");
    CHECK(summary(lint_ops(not_null_default, d)).empty());
  }
  CHECK(summary(lint_ops(default_now, DialectKind::postgresql)).empty());  // stable: no rewrite
  CHECK(summary(lint_ops(default_now, DialectKind::sqlite)) == "TM102:warning");  // SQLite refuses it in ALTER

  auto destructive = [](Ops& op) {
    op.drop_column("log_entries", "raw");
    op.rename_table("detections", "findings");
  };
  auto drop_table = [](Ops& op) { op.drop_table("detections"); };
  for (auto d : kAll) {
    CHECK(summary(lint_ops(destructive, d)) == "TM202:error TM203:error");
    CHECK(summary(lint_ops(drop_table, d)) == "TM201:error");
  }

  auto check = [](Ops& op) { op.add_check("log_entries", {"severity <> ''", "ck_severity"}); };
  CHECK(summary(lint_ops(check, DialectKind::postgresql)).empty());  // NOT VALID + VALIDATE
  CHECK(summary(lint_ops(check, DialectKind::mariadb)) == "TM104:warning");
  CHECK(summary(lint_ops(check, DialectKind::sqlite)) == "TM102:warning");
  auto fk = [](Ops& op) { op.add_foreign_key("detections", {{"entry_id"}, "log_entries", {"id"}, FkAction::cascade, "fk_e"}); };
  CHECK(summary(lint_ops(fk, DialectKind::postgresql)).empty());
  CHECK(summary(lint_ops(fk, DialectKind::mariadb)).empty());
  CHECK(summary(lint_ops(fk, DialectKind::sqlite)) == "TM102:warning");

  // Raw SQL in a C++ unit is scanned for its dialect; a skipped dialect is not.
  auto raw = [](Ops& op) { op.execute({{DialectKind::postgresql, "CREATE INDEX ix ON log_entries (message)"}}); };
  CHECK(summary(lint_ops(raw, DialectKind::postgresql)) == "TM101:warning TM109:warning");
  CHECK(summary(lint_ops(raw, DialectKind::sqlite)).empty());
}

TEST_CASE("lint: table sizes decide how bad a blocking finding is, and say so", "[lint]") {
  auto create_index = [](Ops& op) { op.create_index("ix_log_source", "log_entries", {"source_id"}); };
  // 3M rows at 250k rows/s: 12 s of blocked writers.
  auto big = lint_ops(create_index, DialectKind::sqlite, rows_of({{"log_entries", 3000000}}));
  REQUIRE(big.size() == 1);
  CHECK(big[0].severity == Severity::error);
  REQUIRE(big[0].estimate_seconds);
  CHECK(*big[0].estimate_seconds == Approx(12.0));
  CHECK(lint::format_finding(big[0]).find("log_entries has 3000000 rows; estimated 12.0 s") != std::string::npos);
  CHECK(lint::has_error(big));

  CHECK(summary(lint_ops(create_index, DialectKind::sqlite, rows_of({{"log_entries", 100000}}))) == "TM101:warning");
  CHECK(summary(lint_ops(create_index, DialectKind::sqlite, rows_of({{"log_entries", 1000}}))) == "TM101:info");
  // Known sizes without the table: an earlier pending revision creates it, so it is empty.
  CHECK(summary(lint_ops(create_index, DialectKind::sqlite, rows_of({}))) == "TM101:info");

  auto not_null = [](Ops& op) { op.add_column("log_entries", col::text("tenant").not_null()); };
  CHECK(summary(lint_ops(not_null, DialectKind::postgresql, rows_of({{"log_entries", 0}}))) == "TM105:info");
  CHECK(summary(lint_ops(not_null, DialectKind::postgresql, rows_of({{"log_entries", 1}}))) == "TM105:error");

  // Destruction does not get smaller with the table.
  auto drop = [](Ops& op) { op.drop_column("log_entries", "raw"); };
  CHECK(summary(lint_ops(drop, DialectKind::postgresql, rows_of({{"log_entries", 0}}))) == "TM202:error");
}

TEST_CASE("lint: a waiver in the unit prints the finding as info with its reason", "[lint]") {
  auto fs = lint_fixture("waived", DialectKind::sqlite);
  REQUIRE(fs.size() == 1);
  CHECK(fs[0].rule == "TM201");
  CHECK(fs[0].severity == Severity::info);
  CHECK(fs[0].waiver == "detections are rebuilt from log_entries by the scorer on start; nothing is lost");
  CHECK_FALSE(lint::has_error(fs));
  CHECK(lint::format_finding(fs[0]).find("(waived: detections are rebuilt") != std::string::npos);

  CHECK_THROWS_WITH(parse_sql_unit("-- revision: x\n-- lint: waive TM201\n-- +upgrade\nSELECT 1;\n", "w.sql"),
                    Catch::Contains("w.sql:2") && Catch::Contains("needs its reason"));
  CHECK_THROWS_WITH(parse_sql_unit("-- revision: x\n-- lint: ignore TM201 because\n-- +upgrade\nSELECT 1;\n", "w.sql"),
                    Catch::Contains("malformed lint header"));
  auto two = parse_sql_unit("-- revision: x\n-- lint: waive TM201 a\n-- lint: waive TM202 b c\n-- +upgrade\nSELECT 1;\n", "w.sql");
  REQUIRE(two.lint_waivers.size() == 2);
  CHECK(two.lint_waivers[1].rule == "TM202");
  CHECK(two.lint_waivers[1].reason == "b c");
}

TEST_CASE("lint: every rule has a stable id, a title and a safe alternative", "[lint]") {
  std::vector<std::string> ids;
  for (const auto& r : lint::rules()) {
    ids.push_back(r.id);
    CHECK(is_lint_rule_id(r.id));
    CHECK(std::string(r.title).size() > 3);
    CHECK(std::string(r.alternative).size() > 10);
  }
  CHECK(std::adjacent_find(ids.begin(), ids.end()) == ids.end());
  CHECK(ids.size() == 14);
}

TEST_CASE("lint: Turnstone's own chain has no error finding on any dialect", "[lint]") {
  Settings settings;
  settings.main_url = "sqlite:///" + (std::filesystem::temp_directory_path() / "tsm_lint_never_created.db").string();
  Workspace ws(settings);
  for (auto d : kAll) {
    INFO(dialect_name(d));
    lint::Request req;
    req.dialect = d;
    req.offline = true;
    auto rep = lint::lint_workspace(ws, req);
    CHECK_FALSE(rep.connected);
    CHECK(rep.revisions.size() == 10);  // 8 main + 2 context
    std::string errors;
    for (const auto& f : rep.findings)
      if (f.severity == Severity::error) errors += lint::format_finding(f) + "\n";
    CHECK(errors == "");
    // The context tree's table replacement is waived in the unit, with its reason.
    auto waived = std::find_if(rep.findings.begin(), rep.findings.end(),
                               [](const Finding& f) { return f.revision == "c294fa374961" && f.rule == "TM201"; });
    REQUIRE(waived != rep.findings.end());
    CHECK(waived->severity == Severity::info);
    CHECK(waived->waiver.find("copy made in the same revision") != std::string::npos);
  }
}
