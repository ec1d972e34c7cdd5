#pragma once
// A live PostgreSQL session (libpqxx). Statements run through a pqxx::nontransaction so that
// begin/commit/rollback stay explicit SQL under the executor's control.
#include <memory>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "core/dialect.h"

namespace tsm::postgresql {

// Opens a session: conninfo from the URL, classified ConnectError on failure, session settings
// (UTC, timeouts, tenant search_path) applied. Shared by the main and the lock connection.
// With a tenant schema, `shared_schema` receives the schema current without it (extensions go there).
std::unique_ptr<pqxx::connection> open_session(const DatabaseUrl& url, const ConnectOptions& options,
                                               std::optional<std::string>* shared_schema = nullptr);

class PostgresConnection : public Connection {
 public:
  PostgresConnection(const DatabaseUrl& url, const ConnectOptions& options);
  ~PostgresConnection() override;

  const Dialect& dialect() const override;
  void execute(const std::string& sql) override;
  std::vector<Row> query(const std::string& sql, const std::vector<std::string>& params = {}) override;
  void begin() override;
  void commit() override;
  void rollback() override;
  void begin_snapshot() override;
  // COPY … FROM STDIN (FORMAT binary) through libpq (postgresql_bulk.cpp).
  std::unique_ptr<BulkWriter> bulk_writer(const std::string& table, const std::vector<BulkColumn>& columns) override;
  bool table_exists(const std::string& table) override;
  SchemaDescription introspect(const std::vector<std::string>& ignore) override;
  std::unique_ptr<Lock> acquire_lock(const std::string& tree, std::chrono::seconds timeout,
                                     const std::function<void(const std::string&)>& waiting) override;
  std::map<std::string, TableSize> table_sizes(const std::vector<std::string>& tables) override;  // *_sizes.cpp
  void set_ddl_lock_wait(std::chrono::milliseconds wait, std::chrono::milliseconds budget) override;
  bool lock_wait_expired(const StatementError& e) const override;
  std::vector<std::string> lock_blockers() override;
  void retry_mark() override;
  void retry_rewind() override;

 private:
  pqxx::result run(const std::string& sql, const std::vector<std::string>& params = {});
  std::string statement_error_message(const pqxx::sql_error& e, const std::string& sql) const;

  DatabaseUrl url_;
  ConnectOptions options_;
  std::optional<std::string> shared_schema_;  // tenant mode only
  std::unique_ptr<pqxx::connection> conn_;
  std::unique_ptr<pqxx::errorhandler> notices_;
  // Runs a statement that waits without blocking anyone under the whole lock budget, after
  // dropping an INVALID index a failed attempt left under the name it builds.
  void execute_patient(const std::string& sql);
  std::optional<std::pair<long long, long long>> ddl_wait_;  // per-attempt wait, budget (ms)
  std::string failed_sql_;   // the last statement that failed with lock_not_available (55P03)  // keeps NOTICEs (IF NOT EXISTS …) off stderr
};

// `?` placeholders → $1..$n, skipping quoted strings, identifiers, dollar quotes and comments.
// Returns the number of placeholders through `count`.
std::string number_placeholders(const std::string& sql, std::size_t& count);

// PostgreSQL statements that take SHARE UPDATE EXCLUSIVE (CONCURRENTLY, VALIDATE CONSTRAINT).
bool waits_without_blocking(const std::string& sql);

}  // namespace tsm::postgresql
