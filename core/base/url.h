#pragma once
// SQLAlchemy-style database URLs: parsing, percent-decoding and redaction.
#include <map>
#include <optional>
#include <string>

#include "core/base/types.h"

namespace tsm {

struct DatabaseUrl {
  DialectKind dialect = DialectKind::sqlite;
  std::string scheme;  // as written, without +driver: "sqlite", "postgresql", "postgres", "mysql", "mariadb"
  std::string driver;  // "+psycopg2" suffix without '+', ignored by the tool
  std::optional<std::string> user;
  std::optional<std::string> password;  // never printed: use redacted()
  std::string host;                     // without [] for IPv6
  std::optional<int> port;
  std::string database;  // sqlite: file path ("" or ":memory:" for in-memory); others: db name
  std::map<std::string, std::string> query;  // percent-decoded query parameters

  bool is_memory() const;  // sqlite:// or sqlite:///:memory:
  // The URL with the password replaced by "***" (safe for any output, log or error).
  std::string redacted() const;
  std::optional<std::string> param(const std::string& key) const;
};

// Throws UsageError (exit 2) for an unknown scheme or a malformed URL. The error text never
// contains the password (it is built from the redacted form, or none at all).
DatabaseUrl parse_url(const std::string& text);

// Removes any password from an arbitrary message (e.g. a driver error that echoes a DSN).
std::string redact_secret(std::string message, const std::optional<std::string>& password);

// Default --context-url for a main URL: SQLite file `<dir>/<stem>.<ext>` → `<dir>/<stem>-context.<ext>`
// (turnstone.db → turnstone-context.db; no extension: `<name>-context`), query kept; in-memory
// main → in-memory context ("sqlite://"); PostgreSQL/MariaDB → the main URL itself.
// The result keeps the password (parse_url accepts it): never print it, print redacted().
std::string default_context_url(const DatabaseUrl& main);

}  // namespace tsm
