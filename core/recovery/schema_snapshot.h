#pragma once
// `turnstone_migrate_schema_snapshot`: for each tree whose revisions run raw SQL that may change
// the compared schema (schema_sql.h), the schema its applied revisions produced, as `check`
// compares it (the dialect's normalized SchemaDescription), and the version rows it belongs to.
// One row per tree, replaced in the same transaction as the version-table change of every step
// (core/run/schema_snapshots.h says what goes in it; docs/check.md why).
//
//   tree        VARCHAR(64) primary key
//   heads       TEXT: the tree's version rows it was recorded for, sorted, comma-separated ("" = base)
//   snapshot    TEXT: the schema as JSON (encode_schema)
//   recorded_at TIMESTAMP
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/dialect.h"

namespace tsm {

inline constexpr const char* kSnapshotTable = "turnstone_migrate_schema_snapshot";

struct SchemaSnapshot {
  std::vector<std::string> heads;  // sorted
  SchemaDescription schema;
  std::string recorded_at;
};

class SnapshotStore {
 public:
  explicit SnapshotStore(Connection& conn) : conn_(conn) {}
  void ensure_table();  // DDL: call outside any transaction (MariaDB commits DDL implicitly)
  // None when the table or the tree's row does not exist. AttentionError when it cannot be read.
  std::optional<SchemaSnapshot> load(const std::string& tree);
  std::map<std::string, SchemaSnapshot> load_all();  // every tree's, by tree
  // Bookkeeping statements only (the table exists); the caller runs them inside the step's transaction.
  void save(const std::string& tree, const std::vector<std::string>& heads, const SchemaDescription& schema);
  void forget(const std::string& tree);

 private:
  Connection& conn_;
};

// Stable text of a description: JSON with a fixed key order, tables by name, lists as compared.
std::string encode_schema(const SchemaDescription& schema);
// The inverse; AttentionError naming the table when the text is not such a document.
SchemaDescription decode_schema(const std::string& text);

// `base` with the changes that lead from `from` to `to` applied, object by object (a table; in a
// table changed on both sides, each column, index, foreign key, full-text object and the primary
// key): an object equal in `from` and `to` keeps its `base` form; one that `base` left as in `from`
// takes its `to` form (or goes, when `to` lacks it); one changed on both sides keeps its `base` form.
// merge_changes(x, y, y) == x, merge_changes(y, y, x) == x.
SchemaDescription merge_changes(const SchemaDescription& base, const SchemaDescription& from,
                                const SchemaDescription& to);

// Whether two table descriptions describe the same table (lists other than columns compared as sets).
bool same_table(const TableDescription& a, const TableDescription& b);

}  // namespace tsm
