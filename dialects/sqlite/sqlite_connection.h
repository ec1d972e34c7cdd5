#pragma once
// A connection to one SQLite file (or an in-memory database).
//
// On open: busy_timeout (at least 5 s), foreign_keys=ON, and journal_mode=WAL when the caller may
// create the file (write commands); read commands (create_if_missing=false) never create a file
// and never change its journal mode, so they also work on a read-only file.
#include <chrono>
#include <optional>
#include <string>

#include "core/dialect.h"

struct sqlite3;

namespace tsm::sqlite {

class SqliteConnection : public Connection {
 public:
  SqliteConnection(const DatabaseUrl& url, const ConnectOptions& options);
  ~SqliteConnection() override;
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;

  const Dialect& dialect() const override;
  // Runs one or more statements. `PRAGMA foreign_key_check…` fails (StatementError) when it
  // returns any row: that is how a table rebuild refuses to commit broken references.
  void execute(const std::string& sql) override;
  std::vector<Row> query(const std::string& sql, const std::vector<std::string>& params = {}) override;
  void begin() override;  // BEGIN IMMEDIATE: take the write lock now, not at the first write
  void commit() override;
  void rollback() override;
  void begin_snapshot() override;
  // One prepared INSERT reused for every row (sqlite_bulk.cpp).
  std::unique_ptr<BulkWriter> bulk_writer(const std::string& table, const std::vector<BulkColumn>& columns) override;
  bool table_exists(const std::string& table) override;
  SchemaDescription introspect(const std::vector<std::string>& ignore) override;
  std::unique_ptr<Lock> acquire_lock(const std::string& tree, std::chrono::seconds timeout,
                                     const std::function<void(const std::string&)>& waiting) override;
  std::map<std::string, TableSize> table_sizes(const std::vector<std::string>& tables) override;  // *_sizes.cpp

  sqlite3* handle() const { return db_; }
  const std::string& path() const { return path_; }  // empty for an in-memory database

 private:
  void arm_timeout();
  [[noreturn]] void fail(const std::string& sql);
  static int on_progress(void* self);

  sqlite3* db_ = nullptr;
  std::string path_;
  std::optional<std::chrono::seconds> statement_timeout_;
  std::chrono::steady_clock::time_point deadline_{};
  bool timed_out_ = false;
};

// Introspection and locking live in their own files; the connection delegates to them.
SchemaDescription introspect_schema(Connection& c, const std::vector<std::string>& ignore);
std::unique_ptr<Lock> acquire_file_lock(const std::string& db_path, const std::string& tree,
                                        std::chrono::seconds timeout,
                                        const std::function<void(const std::string&)>& waiting);

}  // namespace tsm::sqlite
