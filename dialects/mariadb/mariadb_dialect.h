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
  // Session setup (`-- +session`): SET of session and user variables; kept in user variables.
  std::optional<std::vector<std::string>> session_variables(const std::string& statement) const override;
  std::optional<SessionSave> save_session_variable(const std::string& name, int slot) const override;

  // Shared by render and describe.
  std::string column_definition(const Column& column, bool with_primary_key) const;
  // " COLLATE utf8mb4_nopad_bin" for string(n) columns (ids, names: the keys), "" for text.
  // nopad_bin keeps 'Host' and 'host', 'x' and 'x ', é and e + U+0301, and any two 4-byte
  // characters apart, as SQLite and PostgreSQL do. Unbounded text keeps the utf8mb4 default so
  // that FULLTEXT stays case-insensitive like FTS5/tsvector; where such a column is in a unique
  // key, the key uses its byte-exact companion instead (key_companion_definition).
  static std::string collation(const Column& column);
  // `<column>__key LONGBLOB AS (<column>) VIRTUAL INVISIBLE`: the byte-exact stand-in for a text
  // column in a unique key. InnoDB tokenizes FULLTEXT rows under a binary collation
  // case-sensitively (measured on 10.11), so the searched column itself cannot be binary; the
  // companion is invisible to SELECT * and INSERT without a column list, and never stored.
  std::string key_companion_definition(const std::string& column) const;
  std::string default_clause(const Column& column) const;  // "" or "DEFAULT …"
};

const MariaDbDialect& dialect();

}  // namespace tsm::mariadb
