#pragma once
// The operations model: what a revision asks for, independent of any dialect.
// A revision's up/down functions call the `Ops` builder; it records a list of
// `Operation` values that a dialect renders (online or for --sql) and that
// `Schema` replays (check, stamp --detect). Nothing here knows SQL syntax.
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "core/base/types.h"

namespace tsm {

struct Column {
  std::string name;
  ColumnType type;
  bool nullable = true;
  bool primary_key = false;
  bool autoincrement = false;  // integer identity; implies primary_key
  std::optional<DefaultValue> server_default;

  // Fluent modifiers so a revision reads like a table definition.
  Column& not_null() { nullable = false; return *this; }
  Column& null() { nullable = true; return *this; }
  Column& pk() { primary_key = true; nullable = false; return *this; }
  Column& default_value(DefaultValue v) { server_default = std::move(v); return *this; }
  Column& default_now() { server_default = CurrentTimestamp{}; return *this; }
};

// Column factories: col::text("message").not_null()
namespace col {
Column id(const std::string& name);  // big integer identity primary key
Column integer(const std::string& name);
Column big_integer(const std::string& name);
Column boolean(const std::string& name);
Column real(const std::string& name);
Column double_(const std::string& name);
Column text(const std::string& name);
Column string(const std::string& name, int length);
Column timestamp(const std::string& name);
Column date(const std::string& name);
Column blob(const std::string& name);
Column json(const std::string& name);
}  // namespace col

enum class FkAction { no_action, cascade, set_null, restrict_, set_default };

struct ForeignKey {
  std::vector<std::string> columns;
  std::string ref_table;
  std::vector<std::string> ref_columns;
  FkAction on_delete = FkAction::no_action;
  std::string name;  // empty: dialect default naming (fk_<table>_<cols>)
};
struct UniqueConstraint {
  std::vector<std::string> columns;
  std::string name;  // empty: uq_<table>_<cols>
};
struct CheckConstraint {
  std::string expression;  // portable SQL boolean expression over this table's columns
  std::string name;        // empty: unnamed (kept as unnamed, also by SQLite rebuilds)
};

struct TableSpec {
  std::string name;
  std::vector<Column> columns;
  std::vector<std::string> primary_key;  // composite key; empty when a column is pk()
  std::vector<UniqueConstraint> uniques;
  std::vector<CheckConstraint> checks;
  std::vector<ForeignKey> foreign_keys;
};

struct IndexSpec {
  std::string name;
  std::string table;
  std::vector<std::string> columns;
  bool unique = false;
  std::string where;  // partial index predicate; dialects without them ignore it (documented)
};

struct FulltextOptions {
  std::string config = "simple";       // PostgreSQL text-search configuration
  std::string tokenizer = "unicode61";  // SQLite FTS5 tokenizer
  bool trigram = false;                 // PostgreSQL: also a pg_trgm GIN index per column
};
struct FulltextSpec {
  std::string table;
  std::vector<std::string> columns;
  std::string key_column = "id";  // integer rowid/primary key of `table`
  FulltextOptions options;
  // Derived object names (fixed, so legacy installs and `check` agree):
  //   SQLite:     FTS5 table `<table>_fts`, sync triggers `<table>_ai`, `<table>_ad`, `<table>_au`
  //   PostgreSQL: expression GIN index `ix_<table>_fts` on to_tsvector(config, columns),
  //               trigram GIN index `ix_<table>_<column>_trgm` per column
  //   MariaDB:    side table `<table>_fts` (key + columns) with FULLTEXT index `ft_<table>`, sync
  //               triggers `<table>_ai`, `<table>_ad`, `<table>_au`; the key must be an integer
};

// ---- the operations ----
struct CreateTable { TableSpec table; };
struct DropTable { std::string name; std::optional<TableSpec> restore; };  // restore: for the inverse / --sql of downgrades
struct AddColumn { std::string table; Column column; };
struct DropColumn { std::string table; std::string name; };
struct AlterColumn {
  std::string table;
  std::string name;
  std::optional<ColumnType> type;
  std::optional<bool> nullable;
  std::optional<std::optional<DefaultValue>> server_default;  // set to nullopt-inside to drop the default
  std::optional<std::string> new_name;
  // For `server_default`: drop_default() removes the default. (A plain std::nullopt there means
  // "leave the default alone" — the outer optional.)
  static std::optional<std::optional<DefaultValue>> drop_default() {
    return std::optional<std::optional<DefaultValue>>(std::in_place, std::nullopt);
  }
};
struct RenameTable { std::string from; std::string to; };
struct CreateIndex { IndexSpec index; };
struct DropIndex { std::string name; std::string table; };
struct CreateFulltext { FulltextSpec spec; };
struct DropFulltext { FulltextSpec spec; };
struct AddForeignKey { std::string table; ForeignKey fk; };
struct AddCheck { std::string table; CheckConstraint check; };

// Raw SQL where no operation fits: one generic text and/or per-dialect texts.
// A dialect with neither gets an error at render time (never silently skipped).
// `skip`: dialects this statement deliberately does not apply to — a renderer emits NO statement
// for them (not an error). SQL units use it when a dialect section replaces the generic section.
// Renderers: check skips(d) first; for_dialect(d) is nullopt for a skipped dialect too.
struct Execute {
  std::optional<std::string> generic;
  std::map<DialectKind, std::string> per_dialect;
  std::set<DialectKind> skip;
  std::optional<std::string> for_dialect(DialectKind d) const;
  bool skips(DialectKind d) const { return skip.count(d) > 0; }
};

using Value = std::variant<std::monostate, std::string, std::int64_t, double, bool>;  // monostate = NULL
struct BulkInsert {
  std::string table;
  std::vector<std::string> columns;
  std::vector<std::vector<Value>> rows;
};

// A data change on a big table, in batches by primary-key range (docs/online.md): per batch, in
// its own transaction, UPDATE <table> SET <set> WHERE <key> BETWEEN lo AND hi [AND (<where>)].
// The batch size adapts so a batch takes about `target_batch_ms` (a concurrent writer waits at
// most about one batch); each committed batch records its upper key, so a killed run resumes
// after the last committed batch. `set` and `where` are SQL over the table's columns, written by
// the revision author (like Execute); the table and key are quoted identifiers.
struct BackfillOptions {
  std::string where;             // extra predicate, e.g. "tenant_id IS NULL" (makes reruns cheap)
  std::string key_column = "id";  // integer primary key (or any indexed integer column)
  int first_batch_rows = 1000;
  int target_batch_ms = 200;
  int pause_percent = 20;  // sleep this share of each batch's time between batches (0: none)
};
struct Backfill {
  std::string table;
  std::string set;  // assignment list, e.g. "tenant_id = 'default'"
  BackfillOptions options;
};

using Operation = std::variant<CreateTable, DropTable, AddColumn, DropColumn, AlterColumn, RenameTable,
                               CreateIndex, DropIndex, CreateFulltext, DropFulltext, AddForeignKey,
                               AddCheck, Execute, BulkInsert, Backfill>;

// Short human description, e.g. "create_table log_entries" (for logs and `show`).
std::string describe(const Operation& op);

// The builder revisions call. Records operations in order.
class Ops {
 public:
  void create_table(const std::string& name, std::vector<Column> columns,
                    std::function<void(TableSpec&)> more = nullptr);
  void create_table(TableSpec spec);
  void drop_table(const std::string& name);
  void add_column(const std::string& table, Column column);
  void drop_column(const std::string& table, const std::string& name);
  void alter_column(AlterColumn change);
  void rename_table(const std::string& from, const std::string& to);
  void create_index(const std::string& name, const std::string& table, std::vector<std::string> columns,
                    bool unique = false, const std::string& where = {});
  void drop_index(const std::string& name, const std::string& table);
  void create_fulltext(const std::string& table, std::vector<std::string> columns, FulltextOptions options = {},
                       const std::string& key_column = "id");
  void drop_fulltext(const std::string& table, std::vector<std::string> columns, FulltextOptions options = {},
                     const std::string& key_column = "id");
  void add_foreign_key(const std::string& table, ForeignKey fk);
  void add_check(const std::string& table, CheckConstraint check);
  void execute(const std::string& generic_sql);
  void execute(std::map<DialectKind, std::string> per_dialect_sql);
  // A fully specified Execute (generic, per-dialect and skip), as SQL units build them.
  void execute_statement(Execute statement);
  void bulk_insert(const std::string& table, std::vector<std::string> columns, std::vector<std::vector<Value>> rows);
  // op.backfill("log_entries", "tenant_id = 'default'", {.where = "tenant_id IS NULL"})
  void backfill(const std::string& table, const std::string& set, BackfillOptions options = {});

  const std::vector<Operation>& operations() const { return ops_; }

 private:
  std::vector<Operation> ops_;
};

}  // namespace tsm
