// The same logical schema on all three backends after every revision: each backend gets a fresh
// database brought up one revision at a time (main tree, then context tree), and after EVERY
// revision the live schemas are reduced to a portable description and compared pairwise.
//
// Portable description, per table: columns in order (name, type family, nullability), primary
// key, explicit indexes (name, columns, uniqueness), unique constraints (column lists only:
// SQLite keeps no constraint name), foreign keys (columns, referenced table/columns, ON DELETE),
// and whether the table has full-text search at all.
//
// Left out on purpose: dialect-specific FTS objects (SQLite's FTS5 table and triggers,
// PostgreSQL's generated tsvector column and GIN/trigram indexes, MariaDB's FULLTEXT key) —
// compared only as "has full-text search"; defaults (their normalized text is dialect-specific
// and checked against the replayed schema by versions_roundtrip_test); and MariaDB's implicit
// foreign-key indexes (InnoDB adds one for any FK no index covers, named after the column).
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/turnstone_queries.h"

using tsm::DialectKind;
using tsm::SchemaDescription;
using tsm::TableDescription;

namespace {

// A column's portable type family, from the dialect's normalized native type.
std::string family(const std::string& native) {
  std::string t = native;
  std::transform(t.begin(), t.end(), t.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  static const std::vector<std::pair<std::regex, std::string>> families = {
      {std::regex(R"(tinyint\(1\)|boolean|bool)"), "boolean"},
      {std::regex(R"((small|big|tiny|medium)?int(eger)?(\(\d+\))?( unsigned)?)"), "integer"},
      {std::regex(R"(real|double( precision)?|float\d*|float\(\d+\))"), "real"},
      {std::regex(R"(timestamp(\(\d\))?( with(out)? time zone)?|timestamptz|datetime(\(\d\))?)"), "timestamp"},
      {std::regex(R"(date)"), "date"},
      {std::regex(R"(jsonb?)"), "json"},
      {std::regex(R"(blob|longblob|bytea)"), "blob"},
      {std::regex(R"(text|longtext|mediumtext|tinytext|(var)?char(\(\d+\))?|character( varying)?(\(\d+\))?)"), "text"},
  };
  for (const auto& [pattern, name] : families)
    if (std::regex_match(t, pattern)) return name;
  return "?" + t;  // unknown: never compatible with anything but itself, so it shows up
}

// How SQLite stores a family: it declares booleans INTEGER and timestamps, dates and JSON as TEXT.
std::string sqlite_storage(const std::string& fam) {
  if (fam == "boolean") return "integer";
  if (fam == "timestamp" || fam == "date" || fam == "json") return "text";
  return fam;
}

// The compatibility relation between two backends' families for the same column: between the
// servers the families must be equal; against SQLite, SQLite's family must be the storage class
// of the server's family (INTEGER ≈ boolean/integer, TEXT ≈ text/timestamp/date/json).
bool compatible(DialectKind a, const std::string& fa, DialectKind b, const std::string& fb) {
  if (a == DialectKind::sqlite && b == DialectKind::sqlite) return fa == fb;
  if (a == DialectKind::sqlite) return fa == sqlite_storage(fb);
  if (b == DialectKind::sqlite) return fb == sqlite_storage(fa);
  return fa == fb;
}

struct PortableColumn {
  std::string name, family;
  bool nullable;
};
struct PortableTable {
  std::vector<PortableColumn> columns;
  std::vector<std::string> primary_key;
  std::set<std::string> indexes;       // "name(a,b) unique"
  std::set<std::string> unique_keys;   // "(a,b)"
  std::set<std::string> foreign_keys;  // "(a)->t(id) CASCADE"
  bool fulltext = false;
};
using PortableSchema = std::map<std::string, PortableTable>;

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ",") + i;
  return "(" + out + ")";
}

// Unique constraints, named on SQLite by the dialect (uq_<table>_<columns>) and on MariaDB by the
// revision. PostgreSQL's introspect() leaves constraint-backed indexes out, so they are read here.
std::set<std::string> postgres_unique_constraints(tsm::Connection& c, const std::string& table) {
  std::map<std::string, std::vector<std::string>> by_name;
  for (auto& r : c.query("SELECT con.conname, a.attname FROM pg_catalog.pg_constraint con "
                         "JOIN pg_catalog.pg_class t ON t.oid = con.conrelid "
                         "JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace "
                         "CROSS JOIN LATERAL unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord) "
                         "JOIN pg_catalog.pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum "
                         "WHERE n.nspname = pg_catalog.current_schema() AND t.relname = ? AND con.contype = 'u' "
                         "ORDER BY con.conname, k.ord",
                         {table}))
    by_name[r.at(0).value_or("")].push_back(r.at(1).value_or(""));
  std::set<std::string> out;
  for (auto& [name, columns] : by_name) out.insert(joined(columns));
  return out;
}

PortableSchema portable(tsm::test::MigratedDatabase& db) {
  const SchemaDescription live = db.introspect();
  PortableSchema out;
  for (const auto& [name, t] : live.tables) {
    PortableTable p;
    for (const auto& c : t.columns) p.columns.push_back({c.name, family(c.type), c.nullable});
    p.primary_key = t.primary_key;
    for (const auto& fk : t.foreign_keys)
      p.foreign_keys.insert(joined(fk.columns) + "->" + fk.ref_table + joined(fk.ref_columns) + " " + fk.on_delete);
    for (const auto& ix : t.indexes) {
      const bool fk_backing = std::any_of(t.foreign_keys.begin(), t.foreign_keys.end(),
                                          [&](const auto& fk) { return fk.columns == ix.columns; });
      if (db.kind() == DialectKind::mariadb && !ix.unique && fk_backing && ix.name.rfind("idx_", 0) != 0)
        continue;  // InnoDB's implicit FK index (see the header comment)
      if (ix.unique && ix.name.rfind("uq_", 0) == 0)
        p.unique_keys.insert(joined(ix.columns));
      else
        p.indexes.insert(ix.name + joined(ix.columns) + (ix.unique ? " unique" : ""));
    }
    if (db.kind() == DialectKind::postgresql)
      for (const auto& key : postgres_unique_constraints(db.main(), name)) p.unique_keys.insert(key);
    p.fulltext = !t.fulltext_objects.empty();
    out[name] = std::move(p);
  }
  return out;
}

template <class Set>
void diff_sets(const std::string& what, const Set& a, const Set& b, const std::string& an, const std::string& bn,
               const std::string& table, std::vector<std::string>& out) {
  for (const auto& x : a)
    if (!b.count(x)) out.push_back(table + ": " + what + " " + x + " on " + an + " only");
  for (const auto& x : b)
    if (!a.count(x)) out.push_back(table + ": " + what + " " + x + " on " + bn + " only");
}

// One line per difference between two backends' portable schemas; empty = the same.
std::vector<std::string> compare(DialectKind ak, const PortableSchema& a, DialectKind bk, const PortableSchema& b) {
  const std::string an = tsm::dialect_name(ak), bn = tsm::dialect_name(bk);
  std::vector<std::string> out;
  for (const auto& [name, ta] : a) {
    auto it = b.find(name);
    if (it == b.end()) {
      out.push_back(name + ": table on " + an + " only");
      continue;
    }
    const PortableTable& tb = it->second;
    const std::size_t n = std::max(ta.columns.size(), tb.columns.size());
    for (std::size_t i = 0; i < n; ++i) {
      const std::string where = name + ": column #" + std::to_string(i + 1) + " ";
      if (i >= ta.columns.size() || i >= tb.columns.size()) {
        const auto& c = i < ta.columns.size() ? ta.columns[i] : tb.columns[i];
        out.push_back(where + c.name + " on " + (i < ta.columns.size() ? an : bn) + " only");
        continue;
      }
      const auto &ca = ta.columns[i], &cb = tb.columns[i];
      if (ca.name != cb.name) {
        out.push_back(where + "is " + ca.name + " on " + an + " but " + cb.name + " on " + bn);
        continue;
      }
      if (!compatible(ak, ca.family, bk, cb.family))
        out.push_back(where + ca.name + " is " + ca.family + " on " + an + " but " + cb.family + " on " + bn);
      if (ca.nullable != cb.nullable)
        out.push_back(where + ca.name + " is " + (ca.nullable ? "NULL" : "NOT NULL") + " on " + an + " but " +
                      (cb.nullable ? "NULL" : "NOT NULL") + " on " + bn);
    }
    if (ta.primary_key != tb.primary_key)
      out.push_back(name + ": primary key " + joined(ta.primary_key) + " on " + an + " but " + joined(tb.primary_key) +
                    " on " + bn);
    diff_sets("index", ta.indexes, tb.indexes, an, bn, name, out);
    diff_sets("unique key", ta.unique_keys, tb.unique_keys, an, bn, name, out);
    diff_sets("foreign key", ta.foreign_keys, tb.foreign_keys, an, bn, name, out);
    if (ta.fulltext != tb.fulltext)
      out.push_back(name + ": full-text search on " + (ta.fulltext ? an : bn) + " only");
  }
  for (const auto& [name, tb] : b)
    if (!a.count(name)) out.push_back(name + ": table on " + bn + " only");
  return out;
}

std::string lines(const std::vector<std::string>& items) {
  std::ostringstream out;
  for (const auto& item : items) out << "  " << item << "\n";
  return out.str();
}

}  // namespace

TEST_CASE("cross-backend: the type families and the SQLite compatibility relation", "[integration][cross-backend]") {
  CHECK(family("bigint") == "integer");
  CHECK(family("INT") == "integer");
  CHECK(family("tinyint(1)") == "boolean");
  CHECK(family("varchar(255)") == "text");
  CHECK(family("character varying(64)") == "text");
  CHECK(family("timestamp with time zone") == "timestamp");
  CHECK(family("datetime(6)") == "timestamp");
  CHECK(family("double precision") == "real");
  CHECK(family("jsonb") == "json");
  CHECK(family("geometry") == "?geometry");
  CHECK(compatible(DialectKind::sqlite, "text", DialectKind::postgresql, "timestamp"));
  CHECK(compatible(DialectKind::mariadb, "boolean", DialectKind::sqlite, "integer"));
  CHECK_FALSE(compatible(DialectKind::sqlite, "integer", DialectKind::postgresql, "timestamp"));
  CHECK_FALSE(compatible(DialectKind::postgresql, "text", DialectKind::mariadb, "timestamp"));
  CHECK_FALSE(compatible(DialectKind::postgresql, "boolean", DialectKind::mariadb, "integer"));
}

TEST_CASE("cross-backend: the same logical schema on every backend after every revision",
          "[integration][cross-backend][versions]") {
  const auto kinds = tsm::test::backends_under_test();
  std::vector<std::unique_ptr<tsm::test::MigratedDatabase>> dbs;
  for (auto kind : kinds) dbs.push_back(std::make_unique<tsm::test::MigratedDatabase>(kind));
  if (dbs.size() < 2) WARN("only SQLite is configured: nothing to compare it with");

  std::size_t checked = 0;
  for (const std::string tree : {"main", "context"}) {
    for (const auto& rev : tsm::test::revisions_of(tree)) {
      INFO("after " << tree << " revision " << rev.id << " (" << rev.message << ")");
      std::vector<PortableSchema> schemas;
      for (auto& db : dbs) {
        INFO("upgrading " << tsm::dialect_name(db->kind()));
        REQUIRE_NOTHROW(db->upgrade(rev));
        schemas.push_back(portable(*db));
      }
      // The revision created something the comparison can see (no vacuous pass).
      CHECK_FALSE(schemas.front().empty());
      for (std::size_t i = 0; i < dbs.size(); ++i)
        for (std::size_t j = i + 1; j < dbs.size(); ++j) {
          const auto differences = compare(dbs[i]->kind(), schemas[i], dbs[j]->kind(), schemas[j]);
          INFO(tsm::dialect_name(dbs[i]->kind()) << " vs " << tsm::dialect_name(dbs[j]->kind())
                                                  << " differences:\n" << lines(differences));
          CHECK(differences.empty());
        }
      ++checked;
    }
  }
  CHECK(checked == tsm::test::revisions_of("main").size() + tsm::test::revisions_of("context").size());

  // At head, a spot check that the description itself is right (not merely equal everywhere).
  const PortableSchema head = portable(*dbs.front());
  REQUIRE(head.count("log_entries"));
  CHECK(head.at("log_entries").fulltext);
  CHECK(head.at("log_entries").columns.back().name == "tenant_id");
  REQUIRE(head.count("context_facts"));
  CHECK(head.at("context_facts").unique_keys == std::set<std::string>{"(tenant_id,subject,fact)"});
  REQUIRE(head.count("detections"));
  CHECK(head.at("detections").foreign_keys == std::set<std::string>{"(entry_id)->log_entries(id) CASCADE"});
}

TEST_CASE("cross-backend: the comparison reports a real difference", "[integration][cross-backend]") {
  PortableSchema a, b;
  a["t"].columns = {{"id", "integer", false}, {"at", "text", false}};
  b["t"].columns = {{"id", "integer", false}, {"at", "integer", true}};
  b["t"].indexes = {"idx_t_at(at)"};
  const auto differences = compare(DialectKind::sqlite, a, DialectKind::postgresql, b);
  CHECK(differences == std::vector<std::string>{"t: column #2 at is text on sqlite but integer on postgresql",
                                                "t: column #2 at is NOT NULL on sqlite but NULL on postgresql",
                                                "t: index idx_t_at(at) on postgresql only"});
}
