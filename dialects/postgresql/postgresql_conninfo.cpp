#include "dialects/postgresql/postgresql_conninfo.h"

#include <algorithm>
#include <regex>
#include <set>

#include <fmt/format.h>

#include "core/base/errors.h"

namespace tsm::postgresql {
namespace {

// libpq keywords a URL may pass straight through.
const std::set<std::string>& passthrough_keys() {
  static const std::set<std::string> keys{
      "sslmode", "sslrootcert", "sslcert", "sslkey", "sslcrl", "sslcompression", "options", "application_name",
      "target_session_attrs", "gssencmode", "channel_binding", "keepalives", "keepalives_idle",
      "keepalives_interval", "keepalives_count", "hostaddr", "requirepeer", "krbsrvname"};
  return keys;
}

bool contains(const std::string& haystack, const char* needle) { return haystack.find(needle) != std::string::npos; }

// The first line of a libpq message without its "connection to server at … failed: " and
// "FATAL:  " prefixes: what went wrong, for the one-line error.
std::string first_line(std::string message) {
  auto nl = message.find('\n');
  if (nl != std::string::npos) message.resize(nl);
  static const std::regex prefix(R"(^(connection to server (at|on) .*? failed: )?(FATAL:  |ERROR:  )?)");
  return std::regex_replace(message, prefix, "", std::regex_constants::format_first_only);
}

}  // namespace

std::string conninfo_value(const std::string& value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\\' || c == '\'') out += '\\';
    out += c;
  }
  return out + "'";
}

ConnectTarget connect_target(const DatabaseUrl& url, const ConnectOptions& options) {
  ConnectTarget target;
  std::string& ci = target.conninfo;
  auto add = [&ci](const std::string& key, const std::string& value) {
    ci += (ci.empty() ? "" : " ") + key + "=" + conninfo_value(value);
  };
  bool timeout_given = false;
  for (const auto& [key, value] : url.query) {
    if (key == "schema" || key == "search_path") {
      if (value.empty() || value.find(',') != std::string::npos)
        throw UsageError(fmt::format("?{}= takes one schema name", key));
      target.schema = value;
    } else if (key == "host" || key == "port") {
      // handled below: the query form wins over the authority (libpq's own rule)
    } else if (key == "connect_timeout") {
      if (value.empty() || !std::all_of(value.begin(), value.end(), ::isdigit))
        throw UsageError("?connect_timeout= takes whole seconds");
      timeout_given = true;
      add(key, value);
    } else if (passthrough_keys().count(key)) {
      add(key, value);
    } else {
      throw UsageError(fmt::format("unknown PostgreSQL URL parameter '{}'", key));
    }
  }
  if (auto h = url.param("host")) add("host", *h);
  else if (!url.host.empty()) add("host", url.host);
  if (auto p = url.param("port")) add("port", *p);
  else if (url.port) add("port", std::to_string(*url.port));
  if (url.user) add("user", *url.user);
  if (url.password) add("password", *url.password);
  if (!url.database.empty()) add("dbname", url.database);
  if (!timeout_given) add("connect_timeout", std::to_string(std::max<long>(1, options.connect_timeout.count())));
  if (!url.param("application_name")) add("application_name", "turnstone-migrate");
  return target;
}

std::string classify_connect_failure(const DatabaseUrl& url, const std::string& driver_message) {
  const std::string& m = driver_message;
  std::string head = "cannot connect to " + url.redacted() + ": ";
  std::string user = url.user.value_or("(default user)");
  if (contains(m, "password authentication failed") || contains(m, "no pg_hba.conf entry") ||
      contains(m, "authentication failed") || contains(m, "no password supplied") ||
      (contains(m, "role \"") && contains(m, "does not exist")))
    return head + "authentication failed for user " + user;
  if (contains(m, "database \"") && contains(m, "does not exist"))
    return head + "database " + url.database + " does not exist";
  if (contains(m, "Connection refused") || contains(m, "timeout expired") || contains(m, "could not translate host") ||
      contains(m, "Network is unreachable") || contains(m, "No route to host") ||
      contains(m, "No such file or directory") || contains(m, "Connection timed out") ||
      contains(m, "Name or service not known"))
    return head + "host unreachable";
  return head + redact_secret(first_line(m), url.password);
}

}  // namespace tsm::postgresql
