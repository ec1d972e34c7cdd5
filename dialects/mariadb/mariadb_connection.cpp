#include "dialects/mariadb/mariadb_connection.h"

#include <mysql.h>

#include <fmt/format.h>

#include "core/base/errors.h"
#include "dialects/mariadb/mariadb_dialect.h"

namespace tsm::mariadb {
namespace {

std::string driver_error(MYSQL* h, const std::optional<std::string>& password) {
  return redact_secret(fmt::format("MariaDB error {}: {}", mysql_errno(h), mysql_error(h)), password);
}

std::string stmt_error(MYSQL_STMT* st, const std::optional<std::string>& password) {
  return redact_secret(fmt::format("MariaDB error {}: {}", mysql_stmt_errno(st), mysql_stmt_error(st)), password);
}

struct StmtCloser {
  void operator()(MYSQL_STMT* st) const { mysql_stmt_close(st); }
};
struct ResultFreer {
  void operator()(MYSQL_RES* r) const { mysql_free_result(r); }
};

std::vector<Row> query_text(MYSQL* h, const std::string& sql, const std::optional<std::string>& password) {
  if (mysql_real_query(h, sql.data(), sql.size()) != 0) throw StatementError(driver_error(h, password), sql);
  std::vector<Row> rows;
  std::unique_ptr<MYSQL_RES, ResultFreer> res(mysql_store_result(h));
  if (!res) {
    if (mysql_field_count(h) != 0) throw StatementError(driver_error(h, password), sql);
    return rows;
  }
  unsigned int n = mysql_num_fields(res.get());
  while (MYSQL_ROW r = mysql_fetch_row(res.get())) {
    unsigned long* lengths = mysql_fetch_lengths(res.get());
    Row row;
    for (unsigned int i = 0; i < n; ++i)
      row.push_back(r[i] ? std::optional<std::string>(std::string(r[i], lengths[i])) : std::nullopt);
    rows.push_back(std::move(row));
  }
  return rows;
}

std::vector<Row> query_prepared(MYSQL* h, const std::string& sql, const std::vector<std::string>& params,
                                const std::optional<std::string>& password) {
  std::unique_ptr<MYSQL_STMT, StmtCloser> st(mysql_stmt_init(h));
  if (!st) throw StatementError(driver_error(h, password), sql);
  std::vector<MYSQL_BIND> in(params.size());
  std::vector<unsigned long> in_lengths(params.size());
  for (std::size_t i = 0; i < params.size(); ++i) {
    in_lengths[i] = params[i].size();
    in[i] = MYSQL_BIND{};
    in[i].buffer_type = MYSQL_TYPE_STRING;
    in[i].buffer = const_cast<char*>(params[i].data());
    in[i].buffer_length = params[i].size();
    in[i].length = &in_lengths[i];
  }
  // Prepare and execute in one round trip (MariaDB 10.2+; Connector/C prepares, then executes,
  // on other servers, and there refuses a parameter count that does not match). The parameters
  // are bound before the statement is known, so their number is announced first.
  unsigned int count = static_cast<unsigned int>(params.size());
  if (mysql_stmt_attr_set(st.get(), STMT_ATTR_PREBIND_PARAMS, &count) != 0 ||
      mysql_stmt_bind_param(st.get(), in.data()) != 0)
    throw StatementError(stmt_error(st.get(), password), sql);
  if (mariadb_stmt_execute_direct(st.get(), sql.data(), sql.size()) != 0)
    throw StatementError(stmt_error(st.get(), password), sql);
  if (mysql_stmt_param_count(st.get()) != params.size())  // a caller's mistake, caught by the tests
    throw StatementError(fmt::format("query has {} placeholders but {} parameters were given",
                                     mysql_stmt_param_count(st.get()), params.size()),
                         sql);

  std::vector<Row> rows;
  std::unique_ptr<MYSQL_RES, ResultFreer> meta(mysql_stmt_result_metadata(st.get()));
  if (!meta) return rows;
  unsigned int n = mysql_num_fields(meta.get());
  // Every column is fetched as text into a 64-byte buffer; a longer value is fetched again whole
  // (fetch_column). A zero-length buffer does not work: Connector/C then reports length 0 for
  // numeric columns (a DOUBLE came back as '').
  constexpr unsigned long kInline = 64;
  std::vector<MYSQL_BIND> out(n);
  std::vector<unsigned long> lengths(n);
  std::vector<my_bool> nulls(n), errors(n);
  std::vector<char> inline_buf(static_cast<std::size_t>(n) * kInline);
  for (unsigned int i = 0; i < n; ++i) {
    out[i] = MYSQL_BIND{};
    out[i].buffer_type = MYSQL_TYPE_STRING;
    out[i].buffer = inline_buf.data() + static_cast<std::size_t>(i) * kInline;
    out[i].buffer_length = kInline;
    out[i].length = &lengths[i];
    out[i].is_null = &nulls[i];
    out[i].error = &errors[i];
  }
  if (mysql_stmt_bind_result(st.get(), out.data()) != 0) throw StatementError(stmt_error(st.get(), password), sql);
  int rc;
  while ((rc = mysql_stmt_fetch(st.get())) == 0 || rc == MYSQL_DATA_TRUNCATED) {
    Row row;
    for (unsigned int i = 0; i < n; ++i) {
      if (nulls[i]) {
        row.push_back(std::nullopt);
        continue;
      }
      if (lengths[i] < kInline) {  // (room left for the terminator: never truncated)
        row.emplace_back(std::string(inline_buf.data() + static_cast<std::size_t>(i) * kInline, lengths[i]));
        continue;
      }
      std::string value(lengths[i] + 1, '\0');
      if (lengths[i] > 0) {
        MYSQL_BIND col{};
        col.buffer_type = MYSQL_TYPE_STRING;
        col.buffer = value.data();
        col.buffer_length = value.size();
        if (mysql_stmt_fetch_column(st.get(), &col, i, 0) != 0)
          throw StatementError(stmt_error(st.get(), password), sql);
      }
      value.resize(lengths[i]);
      row.push_back(std::move(value));
    }
    rows.push_back(std::move(row));
  }
  if (rc == 1) throw StatementError(stmt_error(st.get(), password), sql);
  return rows;
}

}  // namespace

void mariadb_execute(MYSQL* h, const std::string& sql, const std::optional<std::string>& password) {
  query_text(h, sql, password);  // a result set, if any, is read and dropped
}

std::vector<Row> mariadb_query(MYSQL* h, const std::string& sql, const std::vector<std::string>& params,
                               const std::optional<std::string>& password) {
  return params.empty() ? query_text(h, sql, password) : query_prepared(h, sql, params, password);
}

MariaDbConnection::MariaDbConnection(DatabaseUrl url, ConnectOptions options)
    : url_(std::move(url)), options_(options), handle_(open_mariadb_session(url_, options_)) {
  is_mariadb_ = std::string(mysql_get_server_info(handle_->get())).find("MariaDB") != std::string::npos;
}

const Dialect& MariaDbConnection::dialect() const { return mariadb::dialect(); }  // the free function, not itself

void MariaDbConnection::execute(const std::string& sql) { mariadb_execute(handle_->get(), sql, url_.password); }

std::vector<Row> MariaDbConnection::query(const std::string& sql, const std::vector<std::string>& params) {
  return mariadb_query(handle_->get(), sql, params, url_.password);
}

void MariaDbConnection::begin() { execute("START TRANSACTION"); }
// Every OK packet says whether a transaction is open. After a DDL statement (which commits
// implicitly) and the autocommitted statements after it, none is: a COMMIT would be a round trip
// for nothing (once per DDL statement of a MariaDB revision, core/run/step_runner.cpp). A failed
// command leaves the flags of the last one that succeeded; with autocommit on it cannot have
// left a transaction open.
void MariaDbConnection::commit() {
  const unsigned int status = handle_->get()->server_status;
  if ((status & SERVER_STATUS_AUTOCOMMIT) && !(status & SERVER_STATUS_IN_TRANS)) return;
  execute("COMMIT");
}
// The isolation level applies to the next transaction only; WITH CONSISTENT SNAPSHOT opens the
// InnoDB read view now rather than at the first read.
void MariaDbConnection::begin_snapshot() {
  execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
  execute("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY");
}
void MariaDbConnection::rollback() { mysql_rollback(handle_->get()); }

bool MariaDbConnection::table_exists(const std::string& table) {
  auto rows = query(
      "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?", {table});
  return !rows.empty() && rows[0][0] && *rows[0][0] != "0";
}

}  // namespace tsm::mariadb
