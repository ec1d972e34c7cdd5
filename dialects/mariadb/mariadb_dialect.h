#pragma once
// MariaDB (and MySQL 8) rendering: pure, no connection. Identifiers are quoted with backticks
// (the session never enables ANSI_QUOTES), string literals escape both `'` and `\`.
#include <string>
#include <vector>

#include "core/dialect.h"

namespace tsm::mariadb {

class MariaDbDialect : public Dialect {
 public:
  // Prefix (in characters) used when a plain index covers a TEXT/BLOB column: InnoDB cannot index
  // them whole. 255 utf8mb4 characters = 1020 bytes, well inside the 3072-byte key limit.
  static constexpr int kTextIndexPrefix = 255;

  DialectKind kind() const override { return DialectKind::mariadb; }
  bool transactional_ddl() const override { return false; }  // every DDL statement commits
  std::size_t max_identifier_length() const override { return 64; }
  std::string quote(const std::string& identifier) const override;
  std::string literal(const std::string& text) const override;
  std::string literal(const Value& value) const override;
  std::string native_type(const ColumnType& type) const override;
  std::vector<Statement> render(const Operation& op, const Schema& before) const override;
  std::string create_version_table(const std::string& table) const override;
  std::string begin_sql() const override { return "START TRANSACTION;"; }
  SchemaDescription describe(const Schema& expected) const override;
  std::optional<std::string> canonical(const ColumnType& type, const std::optional<std::string>& raw) const override;
  std::vector<std::string> reset_identity_sql(const std::string& table, const std::string& column) const override;

  // Shared by render and describe. `in_key`: the column is part of its table's primary key or a
  // unique constraint (a TEXT column there is compared byte for byte, see collation()).
  std::string column_definition(const Column& column, bool with_primary_key, bool in_key = false) const;
  // " COLLATE utf8mb4_bin" for string(n) columns (ids, names, subjects: the keys) and for text
  // columns in a key, "" otherwise. utf8mb4_bin keeps 'Host' and 'host', é and e + U+0301, and
  // any two 4-byte characters apart in keys and comparisons, as SQLite and PostgreSQL do; other
  // text keeps the utf8mb4 default so FULLTEXT search stays case-insensitive like FTS5/tsvector.
  static std::string collation(const Column& column, bool in_key);
  std::string default_clause(const Column& column) const;  // "" or "DEFAULT …"
};

const MariaDbDialect& dialect();

}  // namespace tsm::mariadb
