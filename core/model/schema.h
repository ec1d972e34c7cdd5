#pragma once
// A schema model: built by replaying operations (expected schema) or by a dialect's
// introspection (live schema), and compared for `check` and `stamp --detect`.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/model/ops.h"

namespace tsm {

struct TableModel {
  TableSpec spec;                        // name, columns (in order), pk, uniques, checks, fks
  std::vector<IndexSpec> indexes;        // explicit indexes (not constraint-backed ones)
  std::vector<FulltextSpec> fulltexts;   // at most one per table in practice
};

struct Schema {
  std::map<std::string, TableModel> tables;

  // Replays one operation. Throws UsageError when it cannot apply (unknown table/column…),
  // which catches revision bugs before any SQL runs. Execute/BulkInsert leave the model as is.
  void apply(const Operation& op);
  const TableModel* table(const std::string& name) const;
  const Column* column(const std::string& table, const std::string& name) const;
};

// A normalized, dialect-level description used to compare an expected schema (rendered through
// a dialect's type mapping) with a live one (introspected). Types are the dialect's native type
// names normalized by the dialect; defaults are normalized text.
struct ColumnDescription {
  std::string name;
  std::string type;      // normalized native type, e.g. "text", "bigint", "varchar(64)"
  bool nullable = true;
  std::string default_;  // normalized, empty = none
  bool operator==(const ColumnDescription& o) const {
    return name == o.name && type == o.type && nullable == o.nullable && default_ == o.default_;
  }
};
struct IndexDescription {
  std::string name;
  std::vector<std::string> columns;
  bool unique = false;
  bool operator==(const IndexDescription& o) const {
    return name == o.name && columns == o.columns && unique == o.unique;
  }
};
struct ForeignKeyDescription {
  std::vector<std::string> columns;
  std::string ref_table;
  std::vector<std::string> ref_columns;
  std::string on_delete;  // "CASCADE", "SET NULL", "NO ACTION", …
  bool operator==(const ForeignKeyDescription& o) const {
    return columns == o.columns && ref_table == o.ref_table && ref_columns == o.ref_columns &&
           on_delete == o.on_delete;
  }
};
struct TableDescription {
  std::string name;
  std::vector<ColumnDescription> columns;  // in order
  std::vector<std::string> primary_key;
  std::vector<IndexDescription> indexes;   // sorted by name
  std::vector<ForeignKeyDescription> foreign_keys;
  std::vector<std::string> fulltext_objects;  // dialect names of FTS objects (tables, triggers, indexes)
};
struct SchemaDescription {
  std::map<std::string, TableDescription> tables;  // version & bookkeeping tables excluded
};

// One line per difference, e.g. "log_entries: column ml_score missing",
// "detections: index idx_detections_scorer missing". Empty = identical.
std::vector<std::string> diff(const SchemaDescription& expected, const SchemaDescription& live);

}  // namespace tsm
