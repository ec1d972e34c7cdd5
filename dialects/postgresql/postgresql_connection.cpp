#include "dialects/postgresql/postgresql_connection.h"

#include <mutex>
#include <set>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/base/errors.h"
#include "dialects/postgresql/postgresql_conninfo.h"
#include "dialects/postgresql/postgresql_dialect.h"
#include "dialects/postgresql/postgresql_privilege_hint.h"

namespace tsm::postgresql {
namespace {

// Server NOTICEs ("relation … already exists, skipping") go to the debug log, not stderr.
class NoticeToLog : public pqxx::errorhandler {
 public:
  using pqxx::errorhandler::errorhandler;
  bool operator()(const char msg[]) noexcept override {
    try {
      std::string m = msg;
      while (!m.empty() && m.back() == '\n') m.pop_back();
      spdlog::debug("postgresql: {}", m);
    } catch (...) {
    }
    return false;  // do not pass on to pqxx's default (stderr) handler
  }
};

std::string first_error_line(const std::string& what) {
  std::string m = what.substr(0, what.find('\n'));
  if (m.rfind("ERROR:  ", 0) == 0) m = m.substr(8);
  return m;
}

bool mentions(const std::string& haystack, const char* needle) { return haystack.find(needle) != std::string::npos; }

// Returns, in tenant mode, the schema that would be current without the tenant (see execute()).
std::optional<std::string> set_session(pqxx::connection& c, const ConnectOptions& options,
                                       const std::optional<std::string>& schema) {
  pqxx::nontransaction tx(c);
  tx.exec("SET TIME ZONE 'UTC'");  // timestamps in and out as UTC
  if (options.statement_timeout)
    tx.exec(fmt::format("SET statement_timeout = {}", options.statement_timeout->count() * 1000));
  if (options.lock_timeout) tx.exec(fmt::format("SET lock_timeout = {}", options.lock_timeout->count() * 1000));
  if (!schema) return std::nullopt;
  auto shared = tx.exec("SELECT pg_catalog.current_schema()")[0][0];
  std::optional<std::string> shared_schema;
  if (!shared.is_null()) shared_schema = shared.c_str();
  const std::string quoted = dialect().quote(*schema);  // UsageError for a too-long name
  bool exists = tx.exec_params("SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1", *schema).size() == 1;
  if (!exists && !options.create_if_missing) {
    // A tenant not created yet reads as an empty database (like a SQLite file not created yet):
    // with only the missing schema on the path, current_schema() is NULL, nothing is found and
    // nothing can be created by accident.
    tx.exec_params("SELECT pg_catalog.set_config('search_path', $1, false)", quoted);
    return std::nullopt;
  }
  if (!exists) tx.exec("CREATE SCHEMA IF NOT EXISTS " + quoted);
  // The tenant schema first (where everything is created and looked up), the server's default
  // path after it so that extensions installed database-wide (pg_trgm) stay visible.
  tx.exec_params("SELECT pg_catalog.set_config('search_path', $1 || ', ' || pg_catalog.current_setting('search_path'), false)",
                 quoted);
  return shared_schema;
}

long backend_pid(pqxx::connection& c) {
  pqxx::nontransaction tx(c);
  return tx.exec("SELECT pg_catalog.pg_backend_pid()")[0][0].as<long>();
}

// A pooler in transaction (or statement) mode hands a server session from one client to another
// between transactions: the session's SETs and advisory lock would follow the server session into
// somebody else's hands. Seen from here: a second client gets our server session (pgbouncer reuses
// the last released one), or our own next statement runs on another. Session pooling and direct
// connections keep one server session per client.
bool shares_server_sessions(pqxx::connection& c, const std::string& conninfo) {
  const long ours = backend_pid(c);
  pqxx::connection other(conninfo);
  const long theirs = backend_pid(other);
  return theirs == ours || backend_pid(c) != ours;
}

// What a write command must not run against: a hot standby (every write fails, after the lock
// and half the bookkeeping) or a transaction-mode pool.
void refuse_unwritable(pqxx::connection& c, const DatabaseUrl& url, const std::string& conninfo) {
  {
    pqxx::nontransaction tx(c);
    if (tx.exec("SELECT pg_catalog.pg_is_in_recovery()")[0][0].as<bool>())
      throw ConnectError(fmt::format("{} is a hot standby (read-only, in recovery): run upgrade, downgrade, stamp and "
                                     "copy against the primary; current, history and check work here",
                                     url.redacted()));
  }
  {
    // Standbys replay our ACCESS EXCLUSIVE locks; say once what their readers may see.
    static std::once_flag told;
    pqxx::nontransaction tx(c);
    const long standbys = tx.exec("SELECT count(*) FROM pg_catalog.pg_stat_replication")[0][0].as<long>();
    if (standbys > 0)
      std::call_once(told, [standbys] {
        spdlog::info("{} streaming standby(s) attached: ACCESS EXCLUSIVE locks (most ALTER TABLE, DROP and "
                     "TRUNCATE; not CREATE INDEX) are replayed there, where the replay waits for conflicting standby "
                     "queries up to max_standby_streaming_delay (30 s by default) and then cancels them",
                     standbys);
      });
  }
  if (shares_server_sessions(c, conninfo))
    throw LockTimeoutError(fmt::format(
        "{} is reached through a pooler in transaction mode (pgbouncer pool_mode=transaction): server sessions change "
        "hands between transactions, so neither the migration lock nor the session settings would hold; connect to "
        "PostgreSQL directly or through a session-mode pool",
        url.redacted()));
}

}  // namespace

std::unique_ptr<pqxx::connection> open_session(const DatabaseUrl& url, const ConnectOptions& options,
                                               std::optional<std::string>* shared_schema) {
  ConnectTarget target = connect_target(url, options);
  std::unique_ptr<pqxx::connection> c;
  try {
    c = std::make_unique<pqxx::connection>(target.conninfo);
  } catch (const std::exception& e) {
    std::string details = redact_secret(e.what(), url.password);
    while (!details.empty() && details.back() == '\n') details.pop_back();
    throw ConnectError(classify_connect_failure(url, e.what()), details);
  }
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  // A silent reconnect would lose the session's search_path, transaction and advisory lock.
  c->inhibit_reactivation(true);
#pragma GCC diagnostic pop
  try {
    // Before any SET: behind a transaction pool it would already have leaked into another client.
    // Once per server and process: a --tenants fan-out opens hundreds of connections to one server.
    static std::mutex checked_mutex;
    static std::set<std::string> checked;
    const std::string server = url.host + ":" + (url.port ? std::to_string(*url.port) : std::string()) + "?" +
                               url.param("host").value_or("");
    bool check = false;
    if (options.create_if_missing) {
      std::lock_guard<std::mutex> guard(checked_mutex);
      check = checked.count(server) == 0;
    }
    if (check) {
      refuse_unwritable(*c, url, target.conninfo);
      std::lock_guard<std::mutex> guard(checked_mutex);
      checked.insert(server);
    }
    auto shared = set_session(*c, options, target.schema);
    if (shared_schema) *shared_schema = shared;
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw ConnectError(fmt::format("cannot connect to {}: session setup failed: {}", url.redacted(),
                                   redact_secret(first_error_line(e.what()), url.password)));
  }
  return c;
}

PostgresConnection::PostgresConnection(const DatabaseUrl& url, const ConnectOptions& options)
    : url_(url), options_(options), conn_(open_session(url, options, &shared_schema_)) {
  notices_ = std::make_unique<NoticeToLog>(*conn_);
}

PostgresConnection::~PostgresConnection() = default;

const Dialect& PostgresConnection::dialect() const { return postgresql::dialect(); }

std::string PostgresConnection::statement_error_message(const pqxx::sql_error& e, const std::string& sql) const {
  std::string m = redact_secret(first_error_line(e.what()), url_.password);
  const std::string& state = e.sqlstate();
  if (mentions(sql, "CREATE EXTENSION") && mentions(sql, "pg_trgm"))
    return "pg_trgm extension could not be created: " + m +
           "; ask a superuser to run CREATE EXTENSION pg_trgm in this database";
  if (state == "42704" && mentions(m, "gin_trgm_ops"))
    return "pg_trgm extension is not visible here: " + m +
           "; ask a superuser to run CREATE EXTENSION pg_trgm in this database (in a schema on the search_path)";
  // libpqxx 6.4 leaves sqlstate() empty on the classes it maps codes to: insufficient_privilege
  // is 42501.
  if (state == "42501" || dynamic_cast<const pqxx::insufficient_privilege*>(&e) != nullptr)
    return m + privilege_hint(m, conn_->username());
  return m;
}

pqxx::result PostgresConnection::run(const std::string& sql, const std::vector<std::string>& params) {
  try {
    pqxx::nontransaction tx(*conn_);
    if (params.empty()) return tx.exec(sql);
    std::size_t count = 0;
    std::string numbered = number_placeholders(sql, count);
    if (count != params.size())
      throw StatementError(fmt::format("query has {} placeholders but {} parameters", count, params.size()), sql);
    return tx.exec_params(numbered, pqxx::prepare::make_dynamic_params(params));
  } catch (const pqxx::sql_error& e) {
    failed_sql_ = e.sqlstate() == "55P03" ? sql : std::string();
    throw StatementError(statement_error_message(e, sql), sql);
  } catch (const pqxx::broken_connection& e) {
    throw StatementError("connection to the server was lost: " + redact_secret(first_error_line(e.what()), url_.password),
                         sql);
  }
}

// In a tenant schema, CREATE EXTENSION would install pg_trgm into the first tenant that asks,
// where no other tenant can see its operator classes. Install it where every tenant's
// search_path finds it: the schema that is current without a tenant (usually public).
void PostgresConnection::execute(const std::string& sql) {
  if (shared_schema_ && sql == "CREATE EXTENSION IF NOT EXISTS pg_trgm") {
    try {
      run(sql + " SCHEMA " + dialect().quote(*shared_schema_));
    } catch (const StatementError& e) {
      throw StatementError(e.what(), sql);
    }
    return;
  }
  if (ddl_wait_ && waits_without_blocking(sql)) return execute_patient(sql);
  run(sql);
}

std::vector<Row> PostgresConnection::query(const std::string& sql, const std::vector<std::string>& params) {
  pqxx::result r = run(sql, params);
  std::vector<Row> rows;
  rows.reserve(r.size());
  for (const auto& row : r) {
    Row out;
    out.reserve(row.size());
    for (const auto& field : row) out.push_back(field.is_null() ? std::nullopt : std::optional<std::string>(field.c_str()));
    rows.push_back(std::move(out));
  }
  return rows;
}

void PostgresConnection::begin() { execute("BEGIN"); }
void PostgresConnection::commit() { execute("COMMIT"); }
void PostgresConnection::begin_snapshot() { execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"); }
void PostgresConnection::rollback() {
  try {
    execute("ROLLBACK");
  } catch (...) {
  }
}

bool PostgresConnection::table_exists(const std::string& table) {
  return !query("SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = pg_catalog.current_schema() AND c.relname = ? AND c.relkind IN ('r', 'p')",
                {table})
              .empty();
}

std::string number_placeholders(const std::string& sql, std::size_t& count) {
  std::string out;
  count = 0;
  std::size_t i = 0, n = sql.size();
  auto copy_until = [&](std::size_t end) {
    out.append(sql, i, end - i);
    i = end;
  };
  while (i < n) {
    char c = sql[i];
    if (c == '\'' || c == '"') {  // '…' and "…" with doubled quotes (E'' backslashes: close enough)
      std::size_t j = i + 1;
      while (j < n) {
        if (sql[j] == '\\' && c == '\'' && i > 0 && (sql[i - 1] == 'E' || sql[i - 1] == 'e')) { j += 2; continue; }
        if (sql[j] == c) {
          if (j + 1 < n && sql[j + 1] == c) { j += 2; continue; }
          break;
        }
        ++j;
      }
      copy_until(std::min(n, j + 1));
    } else if (c == '-' && i + 1 < n && sql[i + 1] == '-') {
      auto e = sql.find('\n', i);
      copy_until(e == std::string::npos ? n : e);
    } else if (c == '/' && i + 1 < n && sql[i + 1] == '*') {
      auto e = sql.find("*/", i + 2);
      copy_until(e == std::string::npos ? n : e + 2);
    } else if (c == '$' && (i == 0 || !(std::isalnum(static_cast<unsigned char>(sql[i - 1])) || sql[i - 1] == '_'))) {
      // $tag$ … $tag$ (a plain $1 is not a dollar quote: digits cannot start a tag)
      std::size_t j = i + 1;
      while (j < n && (std::isalnum(static_cast<unsigned char>(sql[j])) || sql[j] == '_')) ++j;
      if (j < n && sql[j] == '$' && !(j > i + 1 && std::isdigit(static_cast<unsigned char>(sql[i + 1])))) {
        std::string tag = sql.substr(i, j - i + 1);
        auto e = sql.find(tag, j + 1);
        copy_until(e == std::string::npos ? n : e + tag.size());
      } else {
        copy_until(j);
      }
    } else if (c == '?') {
      out += "$" + std::to_string(++count);
      ++i;
    } else {
      out += c;
      ++i;
    }
  }
  return out;
}

}  // namespace tsm::postgresql
