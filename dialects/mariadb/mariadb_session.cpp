// Opening a session: Connector/C has no URL parser, so the DatabaseUrl is mapped to options here.
#include <mysql.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <iterator>

#include <fmt/format.h>

#include "core/base/errors.h"
#include "dialects/mariadb/mariadb_connection.h"

namespace tsm::mariadb {
namespace {

// Strict and portable to MySQL 8 (no NO_AUTO_CREATE_USER there). No ANSI_QUOTES: identifiers
// are quoted with backticks, and "…" stays a string as users expect.
const char* const kSqlMode =
    "STRICT_TRANS_TABLES,NO_ZERO_DATE,NO_ZERO_IN_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION";

bool truthy(const std::string& v) {
  std::string l = v;
  std::transform(l.begin(), l.end(), l.begin(), [](unsigned char c) { return std::tolower(c); });
  if (l == "true" || l == "1" || l == "yes" || l == "on" || l == "required") return true;
  if (l == "false" || l == "0" || l == "no" || l == "off" || l == "disabled" || l == "preferred") return false;
  throw UsageError("expected true or false in the database URL, got '" + v + "'");
}

std::string checked_charset(const std::string& name) {
  bool ok = !name.empty() && std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '_';
  });
  if (!ok) throw UsageError("invalid charset '" + name + "' in the database URL");
  return name;
}

[[noreturn]] void fail(MYSQL* h, const DatabaseUrl& url) {
  unsigned int code = mysql_errno(h);
  std::string driver = redact_secret(mysql_error(h), url.password);
  std::string what;
  switch (code) {
    case 2002:  // can't connect through socket
    case 2003:  // can't connect to server on host (refused, timeout)
    case 2005:  // unknown host
    case 2006:  // server has gone away
    case 2013:  // lost connection during the handshake (e.g. read timeout)
      what = "host unreachable";
      break;
    case 1045: what = "authentication failed for user " + url.user.value_or(""); break;
    case 1044: what = fmt::format("access denied for user {} to database {}", url.user.value_or(""), url.database); break;
    case 1049: what = "database " + url.database + " does not exist"; break;
    case 2026: what = "TLS/SSL connection error: " + driver; break;
    default: what = driver; break;
  }
  throw ConnectError(fmt::format("cannot connect to {}: {}", url.redacted(), what),
                     fmt::format("driver error {}: {}", code, driver));
}


// One rule for every backend: documented parameters work as documented, any other is exit 2.
void check_parameters(const DatabaseUrl& url) {
  static const char* const kKnown[] = {"charset", "ssl", "ssl_mode", "ssl_ca", "ssl_verify_server_cert", "unix_socket",
                                       "connect_timeout"};
  for (const auto& [key, value] : url.query)
    if (std::none_of(std::begin(kKnown), std::end(kKnown), [&](const char* k) { return key == k; }))
      throw UsageError(fmt::format("unknown MariaDB URL parameter '{}' (known: charset, ssl, ssl_mode, ssl_ca, "
                                   "ssl_verify_server_cert, unix_socket, connect_timeout)",
                                   key.size() > 64 ? key.substr(0, 64) + "…" : key));
  if (auto t = url.param("connect_timeout"))
    if (t->empty() || t->size() > 6 || !std::all_of(t->begin(), t->end(), ::isdigit) || std::stoi(*t) < 1)
      throw UsageError("?connect_timeout= takes whole seconds (at least 1)");
  if (auto ca = url.param("ssl_ca")) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(*ca, ec)) throw UsageError(fmt::format("?ssl_ca=: no such file '{}'", *ca));
  }
}

}  // namespace

MariaDbHandle::~MariaDbHandle() {
  if (h_) mysql_close(h_);
}

std::unique_ptr<MariaDbHandle> open_mariadb_session(const DatabaseUrl& url, const ConnectOptions& options) {
  check_parameters(url);
  MYSQL* raw = mysql_init(nullptr);
  if (!raw) throw ConnectError("cannot connect to " + url.redacted() + ": out of memory");
  auto handle = std::make_unique<MariaDbHandle>(raw);

  unsigned int connect_timeout = static_cast<unsigned int>(std::max<long long>(1, options.connect_timeout.count()));
  if (auto t = url.param("connect_timeout")) connect_timeout = static_cast<unsigned int>(std::stoi(*t));
  mysql_optionsv(raw, MYSQL_OPT_CONNECT_TIMEOUT, &connect_timeout);
  // A dead server must not hang us forever, but a long ALTER on a big table must not be cut:
  // bound reads only when a statement timeout is asked for.
  if (options.statement_timeout) {
    unsigned int read_timeout = static_cast<unsigned int>(options.statement_timeout->count() + 30);
    mysql_optionsv(raw, MYSQL_OPT_READ_TIMEOUT, &read_timeout);
  }
  unsigned int write_timeout = 60;
  mysql_optionsv(raw, MYSQL_OPT_WRITE_TIMEOUT, &write_timeout);
  std::string charset = checked_charset(url.param("charset").value_or("utf8mb4"));
  mysql_optionsv(raw, MYSQL_SET_CHARSET_NAME, charset.c_str());

  std::optional<std::string> ssl = url.param("ssl");
  if (!ssl) ssl = url.param("ssl_mode");
  std::optional<std::string> ssl_ca = url.param("ssl_ca");
  if (ssl_ca) mysql_optionsv(raw, MYSQL_OPT_SSL_CA, ssl_ca->c_str());
  const bool tls_required = (ssl && truthy(*ssl)) || ssl_ca;
  if (tls_required) {
    my_bool enforce = 1;
    mysql_optionsv(raw, MYSQL_OPT_SSL_ENFORCE, &enforce);
  }
  if (auto verify = url.param("ssl_verify_server_cert")) {
    my_bool v = truthy(*verify) ? 1 : 0;
    mysql_optionsv(raw, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &v);
  }

  // "localhost" (or no host) means the Unix socket, as with the mariadb client.
  std::string host = url.host.empty() ? "localhost" : url.host;
  std::optional<std::string> socket = url.param("unix_socket");
  unsigned int port = static_cast<unsigned int>(url.port.value_or(3306));
  std::string user = url.user.value_or("");
  if (!mysql_real_connect(raw, host.c_str(), user.c_str(), url.password ? url.password->c_str() : nullptr,
                          url.database.empty() ? nullptr : url.database.c_str(), port,
                          socket ? socket->c_str() : nullptr, 0 /* no CLIENT_MULTI_STATEMENTS */))
    fail(raw, url);
  // Asking for TLS means TLS: Connector/C 3.3 falls back to plaintext when the server offers none.
  if (tls_required && !mysql_get_ssl_cipher(raw))
    throw ConnectError(fmt::format("cannot connect to {}: TLS was asked for (?ssl / ?ssl_ca) but the server does "
                                   "not offer it; the connection was not used",
                                   url.redacted()));

  try {
    bool is_mariadb = std::string(mysql_get_server_info(raw)).find("MariaDB") != std::string::npos;
    mariadb_execute(raw, fmt::format("SET SESSION sql_mode = '{}', time_zone = '+00:00'", kSqlMode), url.password);
    if (options.statement_timeout) {
      long long s = options.statement_timeout->count();
      mariadb_execute(raw,
                      is_mariadb ? fmt::format("SET SESSION max_statement_time = {}", s)
                                 : fmt::format("SET SESSION max_execution_time = {}", s * 1000),
                      url.password);
    }
    if (options.lock_timeout) {
      long long s = std::max<long long>(1, options.lock_timeout->count());
      mariadb_execute(raw, fmt::format("SET SESSION lock_wait_timeout = {}, innodb_lock_wait_timeout = {}", s, s),
                      url.password);
    }
  } catch (const StatementError& e) {
    throw ConnectError(fmt::format("cannot connect to {}: session setup failed: {}", url.redacted(), e.what()));
  }
  return handle;
}

}  // namespace tsm::mariadb
