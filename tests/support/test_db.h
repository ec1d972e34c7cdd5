#pragma once
// Throwaway databases for tests, one per test, on every configured backend.
// SQLite: a temp file. PostgreSQL/MariaDB: a uniquely named database created through the admin
// URL in TSM_TEST_PG_URL / TSM_TEST_MARIADB_URL and dropped by the destructor.
// A server that is not configured is skipped loudly; under CI=true it fails the test.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/dialect.h"

namespace tsm::test {

class TestDatabase {
 public:
  explicit TestDatabase(DialectKind kind);  // throws std::runtime_error when it cannot create
  ~TestDatabase();
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  DialectKind kind() const { return kind_; }
  const std::string& url() const { return url_; }    // URL of the fresh database (contains password)
  const std::string& name() const { return name_; }  // database name (sqlite: file path)
  const std::string& dir() const { return dir_; }    // a temp dir owned by this test
  std::unique_ptr<Connection> connect() const;
  // Runs a query on a fresh connection and returns the first column of every row (NULL → "NULL").
  std::vector<std::string> column(const std::string& sql) const;

 private:
  DialectKind kind_;
  std::string url_, admin_url_, name_, dir_;
};

// Whether a backend's server is configured; prints a loud SKIP line when not. Under CI=true an
// unconfigured server is a hard failure (throws).
bool backend_available(DialectKind kind);
// Every backend to run a parametrized test on: sqlite, then the configured servers.
std::vector<DialectKind> backends_under_test();

}  // namespace tsm::test
