#include "dialects/sqlite/sqlite_connection.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

#include "core/base/errors.h"
#include "dialects/sqlite/sqlite_dialect.h"

namespace tsm::sqlite {
namespace {

namespace fs = std::filesystem;

// Finalizes a prepared statement on every path out.
struct Prepared {
  sqlite3_stmt* stmt = nullptr;
  ~Prepared() { sqlite3_finalize(stmt); }
};

bool is_foreign_key_check(sqlite3_stmt* stmt) {
  std::string sql = sqlite3_sql(stmt);
  std::string head;
  for (char c : sql) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      if (!head.empty() && head.back() != ' ') head += ' ';
      continue;
    }
    head += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (head.size() >= 24) break;
  }
  return head.rfind("pragma foreign_key_check", 0) == 0;
}

std::optional<std::string> column_text(sqlite3_stmt* stmt, int i) {
  switch (sqlite3_column_type(stmt, i)) {
    case SQLITE_NULL: return std::nullopt;
    case SQLITE_BLOB: {
      auto* p = static_cast<const char*>(sqlite3_column_blob(stmt, i));
      return std::string(p ? p : "", static_cast<std::size_t>(sqlite3_column_bytes(stmt, i)));
    }
    case SQLITE_FLOAT: {
      // SQLite prints a REAL with 15 significant digits, which loses the last bits of some
      // values (0.1 + 0.2): keep its text when it reads back as the same double, else print
      // the shortest text that does (copy must move the 8-byte value exactly).
      const double v = sqlite3_column_double(stmt, i);
      std::string text(reinterpret_cast<const char*>(sqlite3_column_text(stmt, i)));
      if (std::strtod(text.c_str(), nullptr) == v || std::isnan(v)) return text;
      char buf[64];
      auto res = std::to_chars(buf, buf + sizeof buf, v);
      return std::string(buf, res.ptr);
    }
    default: {
      auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt, i));
      return std::string(p ? p : "", static_cast<std::size_t>(sqlite3_column_bytes(stmt, i)));
    }
  }
}

// sqlite3_errmsg says "disk I/O error" where the operating system said why (a full disk, a
// missing permission): keep the system's reason beside it.
std::string error_text(sqlite3* db) {
  std::string message = sqlite3_errmsg(db);
  const int code = sqlite3_extended_errcode(db) & 0xff;
  const int system = sqlite3_system_errno(db);
  if ((code == SQLITE_IOERR || code == SQLITE_CANTOPEN || code == SQLITE_FULL) && system != 0)
    message += fmt::format(" ({})", std::strerror(system));
  return message;
}

}  // namespace

SqliteConnection::SqliteConnection(const DatabaseUrl& url, const ConnectOptions& options)
    : statement_timeout_(options.statement_timeout) {
  const bool memory = url.is_memory();
  path_ = memory ? std::string() : url.database;
  // One rule for every backend: documented parameters work as documented, any other is exit 2.
  for (const auto& [key, value] : url.query)
    if (key != "mode")
      throw UsageError(fmt::format("unknown SQLite URL parameter '{}' (known: mode=ro|rw)",
                                   key.size() > 64 ? key.substr(0, 64) + "…" : key));
  const std::string mode = url.param("mode").value_or("rw");
  if (mode != "ro" && mode != "rw") throw UsageError("?mode= takes ro (read-only) or rw");
  const bool read_only = mode == "ro";
  if (!memory) {
    std::error_code ec;
    const bool exists = fs::exists(path_, ec);
    if (!exists && (!options.create_if_missing || read_only))
      throw ConnectError(fmt::format("database file {} does not exist", path_));
    if (!exists) {
      fs::path parent = fs::path(path_).parent_path();
      if (!parent.empty() && !fs::is_directory(parent, ec))
        throw ConnectError(
            fmt::format("cannot create database file {}: directory {} does not exist", path_, parent.string()));
      // The file holds log data: owner-only from the start, whatever the umask (SQLite gives its
      // -wal and -shm files the same mode). An existing file keeps the mode its owner chose.
      const int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
      if (fd >= 0) ::close(fd);
    } else if (fs::is_directory(path_, ec)) {
      throw ConnectError(fmt::format("database file {} is a directory", path_));
    }
  }
  int flags = (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE) | SQLITE_OPEN_NOMUTEX;
  if ((options.create_if_missing || memory) && !read_only) flags |= SQLITE_OPEN_CREATE;
  int rc = sqlite3_open_v2(memory ? ":memory:" : path_.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string why = db_ ? error_text(db_) : sqlite3_errstr(rc);
    sqlite3_close(db_);
    db_ = nullptr;
    throw ConnectError(fmt::format("cannot open database file {}: {}", path_, why));
  }
  sqlite3_extended_result_codes(db_, 1);
  const auto busy_ms = std::max<long long>(5000, std::chrono::milliseconds(options.connect_timeout).count());
  sqlite3_busy_timeout(db_, static_cast<int>(std::min<long long>(busy_ms, 24LL * 3600 * 1000)));
  sqlite3_progress_handler(db_, 1000, &SqliteConnection::on_progress, this);

  // Reading the schema is the first access to the file: a non-database fails here.
  rc = sqlite3_exec(db_, "SELECT count(*) FROM sqlite_master", nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) {
    std::string why = (rc & 0xff) == SQLITE_NOTADB ? "file is not a SQLite database" : error_text(db_);
    sqlite3_close(db_);
    db_ = nullptr;
    throw ConnectError(fmt::format("cannot open database file {}: {}", path_, why));
  }
  if (options.create_if_missing && !memory && !read_only && !sqlite3_db_readonly(db_, "main"))
    sqlite3_exec(db_, "PRAGMA journal_mode=WAL", nullptr, nullptr, nullptr);  // best effort
  sqlite3_exec(db_, "PRAGMA foreign_keys=ON", nullptr, nullptr, nullptr);
}

SqliteConnection::~SqliteConnection() {
  if (db_) {
    rollback();
    sqlite3_close_v2(db_);
  }
}

const Dialect& SqliteConnection::dialect() const { return sqlite::dialect(); }

int SqliteConnection::on_progress(void* self) {
  auto* c = static_cast<SqliteConnection*>(self);
  if (c->statement_timeout_ && std::chrono::steady_clock::now() > c->deadline_) {
    c->timed_out_ = true;
    return 1;  // interrupts the statement
  }
  return 0;
}

void SqliteConnection::arm_timeout() {
  timed_out_ = false;
  if (statement_timeout_) deadline_ = std::chrono::steady_clock::now() + *statement_timeout_;
}

void SqliteConnection::fail(const std::string& sql) {
  std::string message = timed_out_ ? fmt::format("statement timeout ({} s) exceeded", statement_timeout_->count())
                                   : error_text(db_);
  throw StatementError(message, sql);
}

void SqliteConnection::execute(const std::string& sql) {
  arm_timeout();
  const char* next = sql.c_str();
  const char* end = next + sql.size();
  while (next < end) {
    Prepared p;
    const char* tail = nullptr;
    if (sqlite3_prepare_v2(db_, next, static_cast<int>(end - next), &p.stmt, &tail) != SQLITE_OK) fail(sql);
    next = tail;
    if (!p.stmt) continue;  // whitespace or a comment
    const bool fk_check = is_foreign_key_check(p.stmt);
    std::vector<std::string> violations;
    int rc;
    while ((rc = sqlite3_step(p.stmt)) == SQLITE_ROW) {
      if (fk_check && violations.size() < 3)
        violations.push_back(fmt::format("{} row {} references a missing row of {}",
                                         column_text(p.stmt, 0).value_or("?"), column_text(p.stmt, 1).value_or("?"),
                                         column_text(p.stmt, 2).value_or("?")));
      else if (fk_check)
        violations.push_back({});
    }
    if (rc != SQLITE_DONE) fail(sql);
    if (!violations.empty()) {
      std::string shown;
      for (std::size_t i = 0; i < std::min<std::size_t>(3, violations.size()); ++i)
        shown += (i ? "; " : "") + violations[i];
      throw StatementError(
          fmt::format("foreign key check failed: {} violation(s): {}", violations.size(), shown), sql);
    }
  }
}

std::vector<Row> SqliteConnection::query(const std::string& sql, const std::vector<std::string>& params) {
  arm_timeout();
  Prepared p;
  const char* tail = nullptr;
  if (sqlite3_prepare_v2(db_, sql.c_str(), static_cast<int>(sql.size()), &p.stmt, &tail) != SQLITE_OK) fail(sql);
  if (!p.stmt) return {};
  if (std::any_of(tail, sql.c_str() + sql.size(), [](char c) { return !std::isspace(static_cast<unsigned char>(c)) && c != ';'; }))
    throw StatementError("query() takes a single statement", sql);
  if (sqlite3_bind_parameter_count(p.stmt) != static_cast<int>(params.size()))
    throw StatementError(fmt::format("query has {} placeholders but {} parameters were given",
                                     sqlite3_bind_parameter_count(p.stmt), params.size()),
                         sql);
  for (std::size_t i = 0; i < params.size(); ++i)
    sqlite3_bind_text(p.stmt, static_cast<int>(i + 1), params[i].data(), static_cast<int>(params[i].size()),
                      SQLITE_TRANSIENT);
  std::vector<Row> rows;
  int rc;
  while ((rc = sqlite3_step(p.stmt)) == SQLITE_ROW) {
    Row row;
    for (int i = 0, n = sqlite3_column_count(p.stmt); i < n; ++i) row.push_back(column_text(p.stmt, i));
    rows.push_back(std::move(row));
  }
  if (rc != SQLITE_DONE) fail(sql);
  return rows;
}

void SqliteConnection::begin() { execute("BEGIN IMMEDIATE"); }
void SqliteConnection::commit() { execute("COMMIT"); }
// A deferred BEGIN takes no snapshot until the first read: read once, so the WAL snapshot is
// fixed here and not at whatever the caller reads first.
void SqliteConnection::begin_snapshot() {
  execute("BEGIN DEFERRED");
  query("SELECT count(*) FROM sqlite_master");
}

// Also undoes what a failed table rebuild left on the connection: the two pragmas are not
// transactional, and this connection always runs with foreign keys on.
void SqliteConnection::rollback() {
  if (!db_) return;
  if (!sqlite3_get_autocommit(db_)) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_exec(db_, "PRAGMA legacy_alter_table=OFF", nullptr, nullptr, nullptr);
  sqlite3_exec(db_, "PRAGMA foreign_keys=ON", nullptr, nullptr, nullptr);
}

bool SqliteConnection::table_exists(const std::string& table) {
  return !query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND lower(name) = lower(?)", {table}).empty();
}

SchemaDescription SqliteConnection::introspect(const std::vector<std::string>& ignore) {
  return introspect_schema(*this, ignore);
}

std::unique_ptr<Lock> SqliteConnection::acquire_lock(const std::string& tree, std::chrono::seconds timeout,
                                                     const std::function<void(const std::string&)>& waiting) {
  if (path_.empty()) return std::make_unique<Lock>();  // in-memory: nobody else can see it
  return acquire_file_lock(path_, tree, timeout, waiting);
}

}  // namespace tsm::sqlite
