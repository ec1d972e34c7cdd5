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
  std::optional<std::string> canonical(const ColumnType& type, const std::optional<std::string>& raw) const override;
  std::vector<std::string> reset_identity_sql(const std::string& table, const std::string& column) const override;
  // Session setup (`-- +session`): PRAGMA name = value of connection settings; read and written back by the tool.
  std::optional<std::vector<std::string>> session_variables(const std::string& statement) const override;
  std::string read_session_variable_sql(const std::string& name) const override;
  std::string restore_session_variable_sql(const std::string& name,
                                           const std::optional<std::string>& value) const override;
  std::string foreign_key_check_sql() const override { return "PRAGMA foreign_key_check"; }
  std::string foreign_keys_variable() const override { return "foreign_keys"; }

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

}  // namespace tsm::sqlite
