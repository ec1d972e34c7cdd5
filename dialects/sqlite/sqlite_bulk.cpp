// SQLite's bulk path: one prepared INSERT, reset and rebound for every row, inside the caller's
// transaction (SQLite's per-row cost is the statement, not the round trip: there is none).
// Canonical text is bound as its storage class: integers and booleans as INTEGER, reals as REAL,
// blobs as BLOB (hex decoded), everything else as TEXT.
#include <sqlite3.h>

#include <charconv>

#include <fmt/format.h>

#include "core/base/canonical.h"
#include "core/base/errors.h"
#include "core/base/text.h"
#include "dialects/sqlite/sqlite_connection.h"
#include "dialects/sqlite/sqlite_dialect.h"

namespace tsm::sqlite {
namespace {

class SqliteBulkWriter : public BulkWriter {
 public:
  SqliteBulkWriter(sqlite3* db, const std::string& table, std::vector<BulkColumn> columns)
      : db_(db), columns_(std::move(columns)) {
    std::vector<std::string> names, marks;
    for (const auto& c : columns_) {
      names.push_back(dialect().quote(c.name));
      marks.push_back("?");
    }
    sql_ = fmt::format("INSERT INTO {} ({}) VALUES ({})", dialect().quote(table), join(names, ", "), join(marks, ", "));
    if (sqlite3_prepare_v3(db_, sql_.c_str(), static_cast<int>(sql_.size()), SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr) !=
        SQLITE_OK)
      throw StatementError(sqlite3_errmsg(db_), sql_);
  }
  ~SqliteBulkWriter() override { sqlite3_finalize(stmt_); }

  void write(const Row& row) override {
    if (row.size() != columns_.size())
      throw StatementError(fmt::format("row has {} values for {} columns", row.size(), columns_.size()), sql_);
    for (std::size_t i = 0; i < row.size(); ++i) bind(static_cast<int>(i + 1), columns_[i].type.kind, row[i]);
    int rc = sqlite3_step(stmt_);
    sqlite3_reset(stmt_);
    if (rc != SQLITE_DONE) throw StatementError(sqlite3_errmsg(db_), sql_);
  }
  void finish() override { sqlite3_clear_bindings(stmt_); }

 private:
  void bind(int at, TypeKind kind, const std::optional<std::string>& v) {
    int rc = SQLITE_OK;
    if (!v) {
      rc = sqlite3_bind_null(stmt_, at);
    } else {
      switch (kind) {
        case TypeKind::integer:
        case TypeKind::big_integer:
        case TypeKind::boolean: {
          std::int64_t n = 0;
          auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
          if (ec != std::errc() || end != v->data() + v->size())
            throw UsageError(fmt::format("'{}' is not a canonical integer", v->substr(0, 60)));
          rc = sqlite3_bind_int64(stmt_, at, n);
          break;
        }
        case TypeKind::real:
        case TypeKind::double_: rc = sqlite3_bind_double(stmt_, at, canonical::parse_double(*v)); break;
        case TypeKind::blob: {
          std::string bytes = canonical::unhex(*v);
          rc = sqlite3_bind_blob64(stmt_, at, bytes.data(), bytes.size(), SQLITE_TRANSIENT);
          break;
        }
        case TypeKind::text:
        case TypeKind::string:
        case TypeKind::timestamp:
        case TypeKind::date:
        case TypeKind::json:
          // The row outlives the step: no copy needed.
          rc = sqlite3_bind_text64(stmt_, at, v->data(), v->size(), SQLITE_STATIC, SQLITE_UTF8);
          break;
      }
    }
    if (rc != SQLITE_OK) throw StatementError(sqlite3_errmsg(db_), sql_);
  }

  sqlite3* db_;
  std::vector<BulkColumn> columns_;
  std::string sql_;
  sqlite3_stmt* stmt_ = nullptr;
};

}  // namespace

std::unique_ptr<BulkWriter> SqliteConnection::bulk_writer(const std::string& table,
                                                         const std::vector<BulkColumn>& columns) {
  return std::make_unique<SqliteBulkWriter>(db_, table, columns);
}

}  // namespace tsm::sqlite
