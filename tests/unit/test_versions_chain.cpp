// Turnstone's revisions (versions/): the chains are in the reference's order, replaying them
// gives the reference schema, and every downgrade restores exactly the schema before it.
#include <catch2/catch.hpp>

#include <algorithm>
#include <sstream>
#include <type_traits>
#include <variant>
#include <string>
#include <vector>

#include "core/graph/revision_graph.h"
#include "core/graph/registry.h"
#include "core/model/schema.h"

namespace {

using tsm::Schema;

const std::vector<std::string> kMainChain = {
    "46e594ad4dde",  // 1 baseline
    "24e4840176d2",  // 2 log search
    "b4a0420de733",  // 3 anomaly scorer
    "f33f555ef9cf",  // 4 incidents
    "f2e7710a997c",  // 5 cybersec scorer
    "a5bde210432d",  // 6 bundles
    "41d406908898",  // 7 glean state
    "d000f3f4c39a",  // 8 tenants
};
const std::vector<std::string> kContextChain = {"2c54eb6de9fd", "c294fa374961"};

const tsm::RevisionGraph& graph() {
  static const tsm::RevisionGraph g(tsm::compiled_revisions());
  return g;
}

std::vector<std::string> ids_of(const std::string& tree) {
  std::vector<std::string> ids;
  for (const auto* rev : graph().topological(tree)) ids.push_back(rev->id);
  return ids;
}

// snapshots[i] = the schema after the first i revisions of `chain`.
std::vector<Schema> upgrade_snapshots(const std::vector<std::string>& chain) {
  std::vector<Schema> snapshots(1);
  for (const auto& id : chain) {
    Schema next = snapshots.back();
    for (const auto& op : graph().get(id).upgrade_ops()) next.apply(op);
    snapshots.push_back(next);
  }
  return snapshots;
}

std::string default_text(const tsm::Column& c) {
  if (!c.server_default) return "";
  return std::visit(
      [](const auto& v) -> std::string {
        using V = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<V, std::string>) return "'" + v + "'";
        else if constexpr (std::is_same_v<V, bool>) return v ? "true" : "false";
        else if constexpr (std::is_same_v<V, tsm::CurrentTimestamp>) return "now";
        else return std::to_string(v);
      },
      *c.server_default);
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ",") + n;
  return out;
}

std::string column_text(const tsm::Column& c) {
  std::ostringstream out;
  out << c.name << " " << tsm::type_name(c.type.kind);
  if (c.type.kind == tsm::TypeKind::string) out << "(" << c.type.length << ")";
  out << (c.nullable ? " null" : " not null") << (c.primary_key ? " pk" : "") << (c.autoincrement ? " identity" : "");
  if (c.server_default) out << " default " << default_text(c);
  return out.str();
}

// Every field of the model, one line each, so a failing comparison shows what differs.
std::string schema_text(const Schema& schema) {
  std::ostringstream out;
  for (const auto& [name, t] : schema.tables) {
    out << "table " << name << " (spec " << t.spec.name << ")\n";
    for (const auto& c : t.spec.columns) out << "  column " << column_text(c) << "\n";
    if (!t.spec.primary_key.empty()) out << "  primary key " << joined(t.spec.primary_key) << "\n";
    for (const auto& u : t.spec.uniques) out << "  unique " << u.name << " " << joined(u.columns) << "\n";
    for (const auto& k : t.spec.checks) out << "  check " << k.name << " " << k.expression << "\n";
    for (const auto& f : t.spec.foreign_keys)
      out << "  fk " << joined(f.columns) << " -> " << f.ref_table << "(" << joined(f.ref_columns) << ") "
          << static_cast<int>(f.on_delete) << "\n";
    auto indexes = t.indexes;
    std::sort(indexes.begin(), indexes.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    for (const auto& i : indexes)
      out << "  index " << i.name << " on " << i.table << " " << joined(i.columns) << (i.unique ? " unique" : "")
          << (i.where.empty() ? "" : " where " + i.where) << "\n";
    for (const auto& f : t.fulltexts)
      out << "  fulltext " << f.table << " " << joined(f.columns) << " key " << f.key_column << " "
          << f.options.config << "/" << f.options.tokenizer << (f.options.trigram ? "/trigram" : "") << "\n";
  }
  return out.str();
}

std::vector<std::string> table_names(const Schema& s) {
  std::vector<std::string> names;
  for (const auto& [name, t] : s.tables) names.push_back(name);
  return names;
}

std::vector<std::string> column_texts(const Schema& s, const std::string& table) {
  std::vector<std::string> out;
  const auto* t = s.table(table);
  REQUIRE(t != nullptr);
  for (const auto& c : t->spec.columns) out.push_back(column_text(c));
  return out;
}

std::vector<std::string> index_texts(const Schema& s, const std::string& table) {
  std::vector<std::string> out;
  for (const auto& i : s.table(table)->indexes) out.push_back(i.name + "(" + joined(i.columns) + ")");
  std::sort(out.begin(), out.end());
  return out;
}

// Downgrades from the last snapshot back to base, comparing after each step.
void check_downgrades(const std::vector<std::string>& chain) {
  const auto snapshots = upgrade_snapshots(chain);
  Schema current = snapshots.back();
  for (std::size_t i = chain.size(); i-- > 0;) {
    const auto& rev = graph().get(chain[i]);
    INFO("downgrade of " << rev.id << " (" << rev.message << ")");
    for (const auto& op : rev.downgrade_ops()) current.apply(op);
    CHECK(schema_text(current) == schema_text(snapshots[i]));
  }
  CHECK(current.tables.empty());
}

}  // namespace

TEST_CASE("versions: main and context are single chains in the reference order", "[versions]") {
  CHECK(ids_of("main") == kMainChain);
  CHECK(ids_of("context") == kContextChain);
  CHECK(graph().heads("main") == std::vector<std::string>{"d000f3f4c39a"});
  CHECK(graph().bases("context") == std::vector<std::string>{"2c54eb6de9fd"});
  const std::vector<std::string> messages = {"baseline:", "log search:", "anomaly scorer:", "incidents:",
                                             "cybersec scorer:", "bundles:", "glean state:", "tenants:"};
  for (std::size_t i = 0; i < kMainChain.size(); ++i) {
    const auto& rev = graph().get(kMainChain[i]);
    CHECK(rev.message.rfind(messages[i], 0) == 0);
    CHECK(rev.origin.rfind("versions/main/000" + std::to_string(i + 1) + "_", 0) == 0);
  }
  CHECK(graph().get("c294fa374961").tree == "context");
}

TEST_CASE("versions: replaying the main tree builds each table as the reference describes", "[versions]") {
  const auto s = upgrade_snapshots(kMainChain);

  CHECK(table_names(s[1]) == std::vector<std::string>{"log_entries", "sources"});
  CHECK(column_texts(s[1], "sources") == std::vector<std::string>{
                                             "id string(255) not null pk",
                                             "kind string(16) not null",
                                             "display_name text null",
                                             "config json not null default '{}'",
                                             "enabled boolean not null default true",
                                             "created_at timestamp not null default now",
                                         });
  CHECK(index_texts(s[1], "log_entries") == std::vector<std::string>{"idx_log_entries_severity_ts(severity,timestamp)",
                                                                      "idx_log_entries_source_ts(source_id,timestamp)"});
  CHECK(s[1].table("log_entries")->fulltexts.empty());

  const auto& fts = s[2].table("log_entries")->fulltexts;
  REQUIRE(fts.size() == 1);
  CHECK(fts[0].columns == std::vector<std::string>{"message"});
  CHECK(fts[0].options.config == "simple");
  CHECK(fts[0].options.tokenizer == "unicode61");
  CHECK(fts[0].options.trigram);

  CHECK(table_names(s[3]) == std::vector<std::string>{"detections", "log_entries", "sources"});
  CHECK(table_names(s[4]) ==
        std::vector<std::string>{"detections", "incident_entries", "incidents", "log_entries", "sources"});
  CHECK(s[4].table("incident_entries")->spec.primary_key == std::vector<std::string>{"incident_id", "entry_id"});
  CHECK(s[4].table("incident_entries")->spec.foreign_keys.size() == 2);
  CHECK(column_texts(s[5], "detections").back() == "scorer string(32) not null default 'anomaly'");
  CHECK(index_texts(s[5], "detections") == std::vector<std::string>{"idx_detections_detected(detected_at)",
                                                                     "idx_detections_entry(entry_id)",
                                                                     "idx_detections_scorer(scorer,detected_at)"});
  CHECK(table_names(s[6]).size() == 7);
  REQUIRE(s[6].table("sent_bundles")->spec.foreign_keys.size() == 1);
  CHECK(s[6].table("sent_bundles")->spec.foreign_keys[0].on_delete == tsm::FkAction::set_null);
  CHECK(column_texts(s[6], "received_bundles")[3] == "payload json not null");
  CHECK(index_texts(s[7], "glean_runs") == std::vector<std::string>{"idx_glean_runs_source(source_id,started_at)"});

  // Legacy ALTERs appended columns, so the revisions must too: this order is what legacy files hold.
  const std::vector<std::string> log_columns_at_7 = {
      "id big_integer not null pk identity",
      "source_id string(255) not null",
      "timestamp timestamp not null",
      "severity string(16) not null default 'INFO'",
      "hostname text null",
      "service text null",
      "message text not null",
      "raw text null",
      "matched_patterns json not null default '[]'",
      "ingested_at timestamp not null default now",
      "anomaly_score real null",
      "anomaly_label text null",
      "anomaly_scored_at timestamp null",
      "ml_score real null",
      "ml_label text null",
      "ml_scored_at timestamp null",
  };
  CHECK(column_texts(s[7], "log_entries") == log_columns_at_7);
}

TEST_CASE("versions: the tenants revision scopes every table and leads its indexes with tenant_id", "[versions]") {
  const auto s = upgrade_snapshots(kMainChain);
  const Schema& head = s.back();
  CHECK(table_names(head) == table_names(s[7]));
  for (const auto& name : table_names(head)) {
    INFO(name);
    CHECK(column_texts(head, name).back() == "tenant_id string(64) not null default 'default'");
    CHECK(column_texts(head, name).size() == column_texts(s[7], name).size() + 1);
    for (const auto& index : head.table(name)->indexes) {
      INFO(index.name);
      // The one exception backs the foreign key detections.entry_id → log_entries.id.
      if (index.name != "idx_detections_entry") CHECK(index.columns.front() == "tenant_id");
    }
    CHECK_FALSE(head.table(name)->indexes.empty());
  }
  CHECK(index_texts(head, "log_entries") ==
        std::vector<std::string>{"idx_log_entries_tenant_severity_ts(tenant_id,severity,timestamp)",
                                 "idx_log_entries_tenant_source_ts(tenant_id,source_id,timestamp)"});
  CHECK(head.table("incident_entries")->spec.primary_key == std::vector<std::string>{"incident_id", "entry_id"});
  CHECK(head.table("log_entries")->fulltexts.size() == 1);
}

TEST_CASE("versions: every main downgrade restores exactly the schema before its revision", "[versions]") {
  check_downgrades(kMainChain);
}

TEST_CASE("versions: the context tree builds context_facts and scopes it per tenant", "[versions]") {
  const auto s = upgrade_snapshots(kContextChain);
  CHECK(table_names(s[1]) == std::vector<std::string>{"context_facts"});
  const std::vector<std::string> base_columns = {
      "id big_integer not null pk identity",
      "subject string(255) not null",
      "fact text not null",
      "source text null",
      "confidence real not null default 1.000000",
      "created_at timestamp not null default now",
      "updated_at timestamp not null default now",
      "expires_at timestamp null",
  };
  CHECK(column_texts(s[1], "context_facts") == base_columns);
  const auto* base = s[1].table("context_facts");
  REQUIRE(base->spec.uniques.size() == 1);
  CHECK(base->spec.uniques[0].columns == std::vector<std::string>{"subject", "fact"});
  REQUIRE(base->fulltexts.size() == 1);
  CHECK(base->fulltexts[0].columns == std::vector<std::string>{"fact"});

  // The rebuild leaves no staging table behind and keeps the fulltext index.
  CHECK(table_names(s[2]) == std::vector<std::string>{"context_facts"});
  auto tenant_columns = base_columns;
  tenant_columns.push_back("tenant_id string(64) not null default 'default'");
  CHECK(column_texts(s[2], "context_facts") == tenant_columns);
  const auto* head = s[2].table("context_facts");
  REQUIRE(head->spec.uniques.size() == 1);
  CHECK(head->spec.uniques[0].columns == std::vector<std::string>{"tenant_id", "subject", "fact"});
  CHECK(head->fulltexts.size() == 1);
}

TEST_CASE("versions: every context downgrade restores exactly the schema before its revision", "[versions]") {
  check_downgrades(kContextChain);
}
