#pragma once
// A live MariaDB / MySQL 8 session over Connector/C (<mysql.h> stays inside dialects/mariadb).
#include <memory>
#include <string>
#include <vector>

#include "core/dialect.h"

struct st_mysql;  // MYSQL

namespace tsm::mariadb {

// Owns one MYSQL handle; closes it on destruction.
class MariaDbHandle {
 public:
  explicit MariaDbHandle(st_mysql* h) : h_(h) {}
  ~MariaDbHandle();
  MariaDbHandle(const MariaDbHandle&) = delete;
  MariaDbHandle& operator=(const MariaDbHandle&) = delete;
  st_mysql* get() const { return h_; }

 private:
  st_mysql* h_;
};

// Opens and prepares a session (charset, TLS, strict sql_mode, UTC time zone, timeouts).
// Throws ConnectError with a classified message built from the redacted URL.
std::unique_ptr<MariaDbHandle> open_mariadb_session(const DatabaseUrl& url, const ConnectOptions& options);

class MariaDbConnection : public Connection {
 public:
  MariaDbConnection(DatabaseUrl url, ConnectOptions options);
  const Dialect& dialect() const override;
  void execute(const std::string& sql) override;
  std::vector<Row> query(const std::string& sql, const std::vector<std::string>& params = {}) override;
  void begin() override;
  void commit() override;
  void rollback() override;
  void begin_snapshot() override;
  // Array-bound prepared INSERTs (mariadb_bulk.cpp).
  std::unique_ptr<BulkWriter> bulk_writer(const std::string& table, const std::vector<BulkColumn>& columns) override;
  std::optional<std::size_t> max_write_set_bytes() override;  // mariadb_galera.cpp
  bool write_set_too_large(const StatementError& e) const override;  // mariadb_galera.cpp
  bool table_exists(const std::string& table) override;
  SchemaDescription introspect(const std::vector<std::string>& ignore) override;
  std::unique_ptr<Lock> acquire_lock(const std::string& tree, std::chrono::seconds timeout,
                                      const std::function<void(const std::string&)>& waiting) override;
  std::map<std::string, TableSize> table_sizes(const std::vector<std::string>& tables) override;  // *_sizes.cpp

  void set_ddl_lock_wait(std::chrono::milliseconds wait, std::chrono::milliseconds budget) override;
  bool lock_wait_expired(const StatementError& e) const override;
  std::vector<std::string> lock_blockers() override;
  // SHOW CREATE TABLE under a fixed sql_mode; MySQL: nullopt. And the process list. (mariadb_recovery.cpp)
  std::optional<std::string> object_definition(const std::vector<std::string>& name) override;
  bool still_running(const std::string& sql) override;

  bool is_mariadb() const { return is_mariadb_; }  // false: MySQL

 private:
  bool sees_triggers();  // information_schema.TRIGGERS is visible to this user (mariadb_introspect.cpp)
  DatabaseUrl url_;
  ConnectOptions options_;
  std::unique_ptr<MariaDbHandle> handle_;
  bool is_mariadb_ = true;
};

// Statements on a bare session (also used by the lock's dedicated connection). Throw
// StatementError with the driver message (password removed). `?` placeholders are bound through
// a prepared statement, never pasted.
void mariadb_execute(st_mysql* h, const std::string& sql, const std::optional<std::string>& password);
std::vector<Row> mariadb_query(st_mysql* h, const std::string& sql, const std::vector<std::string>& params,
                               const std::optional<std::string>& password);

}  // namespace tsm::mariadb
