#pragma once
// SQLite rendering: native types, quoting, DDL for every operation, table rebuilds, FTS5.
// Pure: no connection. Shared by the executor and by `--sql --dialect sqlite`.
#include <string>
#include <vector>

#include "core/dialect.h"

namespace tsm::sqlite {

class SqliteDialect : public Dialect {
 public:
  DialectKind kind() const override { return DialectKind::sqlite; }
  bool transactional_ddl() const override { return true; }
  // SQLite has no hard limit; 128 keeps names portable and printable.
  std::size_t max_identifier_length() const override { return 128; }
  std::string quote(const std::string& identifier) const override;
  std::string literal(const std::string& text) const override;
  std::string literal(const Value& value) const override;
  std::string native_type(const ColumnType& type) const override;
  std::vector<Statement> render(const Operation& op, const Schema& before) const override;
  std::string create_version_table(const std::string& table) const override;
  SchemaDescription describe(const Schema& expected) const override;

  // The native declared type of a column (an identity column is always INTEGER, the rowid alias).
  std::string column_type(const Column& column) const;
  // `"name" TYPE [NOT NULL] [PRIMARY KEY [AUTOINCREMENT]] [DEFAULT x] [CHECK (json_valid(name))]`
  std::string column_definition(const Column& column, bool inline_primary_key) const;
  std::string default_sql(const DefaultValue& value) const;
  // CREATE TABLE for `table` under the name `as_name` (the rebuild creates it under a temp name).
  std::string create_table_sql(const TableSpec& table, const std::string& as_name) const;
  std::string create_index_sql(const IndexSpec& index) const;
};

const SqliteDialect& dialect();

// Default constraint names (pk_<t>, uq_<t>_<cols>, fk_<t>_<col1>_<ref>) when a spec leaves them empty.
std::string primary_key_name(const std::string& table);
std::string unique_name(const std::string& table, const UniqueConstraint& uq);
std::string foreign_key_name(const std::string& table, const ForeignKey& fk);
// The primary-key columns of a table, whether declared per column or as a composite key.
std::vector<std::string> primary_key_columns(const TableSpec& table);
const char* fk_action_sql(FkAction action);  // "NO ACTION", "CASCADE", …

}  // namespace tsm::sqlite
