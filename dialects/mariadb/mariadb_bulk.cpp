// MariaDB's bulk path: one prepared INSERT executed with array binding (Connector/C's
// STMT_ATTR_ARRAY_SIZE, sent as one COM_STMT_BULK_EXECUTE), up to 10000 rows or 4 MiB a call,
// inside the caller's transaction. Chosen over LOAD DATA LOCAL INFILE: it measured faster
// (issue 13: ≈114k vs 96–105k rows/s), needs neither local_infile on the server nor
// MYSQL_OPT_LOCAL_INFILE on the client, and keeps strict mode: LOAD DATA LOCAL turns bad values
// and duplicate keys into warnings (IGNORE), which would lose rows silently.
// Values are bound as strings (the server converts; the session is utf8mb4, UTC, strict),
// blobs as their bytes. NULL through the indicator array.
#include <mysql.h>

#include <fmt/format.h>

#include "core/base/canonical.h"
#include "core/base/errors.h"
#include "core/base/text.h"
#include "dialects/mariadb/mariadb_connection.h"
#include "dialects/mariadb/mariadb_dialect.h"

namespace tsm::mariadb {
namespace {

class ArrayInsertWriter : public BulkWriter {
 public:
  ArrayInsertWriter(MYSQL* h, const std::string& table, std::vector<BulkColumn> columns,
                    std::optional<std::string> password)
      : h_(h), columns_(std::move(columns)), password_(std::move(password)), cols_(columns_.size()) {
    std::vector<std::string> names, marks;
    for (const auto& c : columns_) {
      names.push_back(dialect().quote(c.name));
      marks.push_back("?");
    }
    sql_ = fmt::format("INSERT INTO {} ({}) VALUES ({})", dialect().quote(table), join(names, ", "), join(marks, ", "));
    st_ = mysql_stmt_init(h_);
    if (!st_) throw StatementError(redact_secret(mysql_error(h_), password_), sql_);
    if (mysql_stmt_prepare(st_, sql_.data(), sql_.size()) != 0) fail();
  }
  ~ArrayInsertWriter() override { mysql_stmt_close(st_); }

  void write(const Row& row) override {
    if (row.size() != columns_.size())
      throw StatementError(fmt::format("row has {} values for {} columns", row.size(), columns_.size()), sql_);
    for (std::size_t i = 0; i < row.size(); ++i) {
      Column& c = cols_[i];
      if (!row[i]) {
        c.values.emplace_back();
        c.indicators.push_back(STMT_INDICATOR_NULL);
      } else {
        c.values.push_back(columns_[i].type.kind == TypeKind::blob ? canonical::unhex(*row[i]) : *row[i]);
        c.indicators.push_back(STMT_INDICATOR_NONE);
        bytes_ += c.values.back().size();
      }
    }
    if (++rows_ >= kMaxRows || bytes_ >= kMaxBytes) flush();
  }
  void finish() override { flush(); }

 private:
  static constexpr std::size_t kMaxRows = 10000;  // measured best of 100/1000/10000 (research notes)
  static constexpr std::size_t kMaxBytes = 4u << 20;

  struct Column {
    std::vector<std::string> values;
    std::vector<char> indicators;
    std::vector<char*> pointers;
    std::vector<unsigned long> lengths;
  };

  [[noreturn]] void fail() {
    throw StatementError(
        redact_secret(fmt::format("MariaDB error {}: {}", mysql_stmt_errno(st_), mysql_stmt_error(st_)), password_),
        sql_);
  }

  void flush() {
    if (rows_ == 0) return;
    std::vector<MYSQL_BIND> binds(cols_.size());
    for (std::size_t i = 0; i < cols_.size(); ++i) {
      Column& c = cols_[i];
      c.pointers.resize(rows_);
      c.lengths.resize(rows_);
      for (std::size_t r = 0; r < rows_; ++r) {
        c.pointers[r] = c.values[r].data();
        c.lengths[r] = c.values[r].size();
      }
      binds[i] = MYSQL_BIND{};
      binds[i].buffer_type = columns_[i].type.kind == TypeKind::blob ? MYSQL_TYPE_BLOB : MYSQL_TYPE_STRING;
      binds[i].buffer = c.pointers.data();
      binds[i].length = c.lengths.data();
      binds[i].u.indicator = c.indicators.data();
    }
    unsigned int size = static_cast<unsigned int>(rows_);
    if (mysql_stmt_attr_set(st_, STMT_ATTR_ARRAY_SIZE, &size) != 0) fail();
    if (mysql_stmt_bind_param(st_, binds.data()) != 0) fail();
    if (mysql_stmt_execute(st_) != 0) fail();
    const auto affected = mysql_stmt_affected_rows(st_);
    if (affected != rows_)
      throw StatementError(fmt::format("{} of {} rows were inserted", affected, rows_), sql_);
    for (auto& c : cols_) {
      c.values.clear();
      c.indicators.clear();
    }
    rows_ = 0;
    bytes_ = 0;
  }

  MYSQL* h_;
  std::vector<BulkColumn> columns_;
  std::optional<std::string> password_;
  std::vector<Column> cols_;
  std::string sql_;
  MYSQL_STMT* st_ = nullptr;
  std::size_t rows_ = 0;
  std::size_t bytes_ = 0;
};

}  // namespace

std::unique_ptr<BulkWriter> MariaDbConnection::bulk_writer(const std::string& table,
                                                          const std::vector<BulkColumn>& columns) {
  return std::make_unique<ArrayInsertWriter>(handle_->get(), table, columns, url_.password);
}

}  // namespace tsm::mariadb
