#include "core/base/url.h"

#include <algorithm>
#include <cctype>
#include <vector>

#include <fmt/format.h>

#include "core/base/errors.h"

// Parsing rules (SQLAlchemy's URL form, with choices documented here):
//   <scheme>[+<driver>]://[<user>[:<password>]@][<host>|[<ipv6>]][:<port>][/<database>][?<query>]
// - The user info ends at the LAST '@' of the URL, so a password may hold raw '@', '/', '?' or
//   ':' and its pieces never end up in host, port or database (and so never in an error).
//   A raw '@' in the database or query must be written %40.
// - Query values decode '+' as a space (as Python's parse_qsl does for SQLAlchemy); a key given
//   twice is an error rather than a silent "last wins".
// - sqlite:// and sqlite:///:memory: are in-memory; sqlite:/// alone is an error (an empty path
//   is almost always an unset variable, not a wish for an in-memory database).
// - Error messages never quote the URL: they name the part that is wrong, and quote only parts
//   that sit after the user info (host, port, parameter names) or the scheme.
namespace tsm {
namespace {

[[noreturn]] void malformed(const std::string& why) { throw UsageError("malformed database URL: " + why); }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// `what` names the part in the error (never its value: it may be the password).
std::string percent_decode(const std::string& s, const char* what, bool plus_is_space = false) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      int hi = i + 2 < s.size() ? hex_value(s[i + 1]) : -1;
      int lo = i + 2 < s.size() ? hex_value(s[i + 2]) : -1;
      if (hi < 0 || lo < 0) malformed(fmt::format("invalid percent-encoding in the {}", what));
      char c = static_cast<char>(hi * 16 + lo);
      if (c == '\0') malformed(fmt::format("NUL character in the {}", what));
      out += c;
      i += 2;
    } else if (plus_is_space && s[i] == '+') {
      out += ' ';
    } else {
      out += s[i];
    }
  }
  return out;
}

bool is_unreserved(unsigned char c) { return std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~'; }

enum class HexCase { upper, lower };

// Encodes everything except unreserved characters and those in `keep`.
std::string percent_encode(const std::string& s, const std::string& keep = {}, HexCase hex = HexCase::upper,
                           bool space_as_plus = false) {
  const char* digits = hex == HexCase::upper ? "0123456789ABCDEF" : "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    if (is_unreserved(c) || keep.find(static_cast<char>(c)) != std::string::npos) {
      out += static_cast<char>(c);
    } else if (space_as_plus && c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += digits[c >> 4];
      out += digits[c & 15];
    }
  }
  return out;
}

bool is_printable_scheme(const std::string& s) {
  if (s.empty() || s.size() > 40) return false;
  return std::all_of(s.begin(), s.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '+' || c == '.' || c == '-' || c == '_';
  });
}

std::map<std::string, std::string> parse_query(const std::string& q) {
  std::map<std::string, std::string> out;
  std::size_t start = 0;
  while (start <= q.size()) {
    std::size_t amp = q.find('&', start);
    std::string item = q.substr(start, amp == std::string::npos ? std::string::npos : amp - start);
    start = amp == std::string::npos ? q.size() + 1 : amp + 1;
    if (item.empty()) continue;
    auto eq = item.find('=');
    std::string key = percent_decode(item.substr(0, eq), "query parameter name", true);
    std::string value = eq == std::string::npos ? "" : percent_decode(item.substr(eq + 1), "query parameter value", true);
    if (key.empty()) malformed("a query parameter has no name");
    if (!out.emplace(key, value).second) malformed(fmt::format("query parameter '{}' is given more than once", key));
  }
  return out;
}

void parse_sqlite(DatabaseUrl& url, const std::string& rest) {
  auto qmark = rest.find('?');
  std::string path = rest.substr(0, qmark);
  if (qmark != std::string::npos) url.query = parse_query(rest.substr(qmark + 1));
  if (path.empty()) return;  // sqlite:// — in-memory
  if (path[0] != '/')
    malformed("a sqlite URL has no host: use sqlite:///relative.db, sqlite:////absolute.db or sqlite://");
  url.database = percent_decode(path.substr(1), "file path");
  if (url.database.empty()) malformed("sqlite:/// needs a file path (sqlite:// is the in-memory database)");
}

bool valid_host_name(const std::string& host) {
  return std::all_of(host.begin(), host.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '.' || c == '_';
  });
}

// `echo`: whether the text may be quoted in an error. Without an '@' in the URL, "host:port"
// may really be "user:password" with the '@' forgotten, so nothing of it is ever echoed.
int parse_port(const std::string& text, bool echo) {
  if (text.empty()) malformed("empty port after ':'");
  bool digits = text.size() <= 5 && std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c); });
  int value = digits ? std::stoi(text) : 0;
  if (value < 1 || value > 65535) {
    if (!echo)
      malformed("the port is not a number between 1 and 65535 (and the URL has no '@': if it holds a user and "
                "password, write user:password@host)");
    std::string shown = text.size() > 16 ? text.substr(0, 16) + "…" : text;
    malformed(fmt::format("port '{}' is not a number between 1 and 65535", shown));
  }
  return value;
}

void parse_host_port(DatabaseUrl& url, const std::string& hostport, bool echo) {
  std::string port_text;
  bool has_port = false;
  if (!hostport.empty() && hostport[0] == '[') {
    auto close = hostport.find(']');
    if (close == std::string::npos) malformed("unclosed '[' in an IPv6 host");
    url.host = hostport.substr(1, close - 1);
    bool ok = !url.host.empty() && url.host.find(':') != std::string::npos &&
              std::all_of(url.host.begin(), url.host.end(),
                          [](unsigned char c) { return std::isxdigit(c) || c == ':' || c == '.'; });
    if (!ok) malformed(echo ? fmt::format("'[{}]' is not an IPv6 address", url.host) : "the host in brackets is not an IPv6 address");
    std::string after = hostport.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') malformed("unexpected text after the IPv6 host (expected ':port')");
      has_port = true;
      port_text = after.substr(1);
    }
  } else {
    auto colon = hostport.find(':');
    url.host = hostport.substr(0, colon);
    if (colon != std::string::npos) {
      has_port = true;
      port_text = hostport.substr(colon + 1);
      if (port_text.find(':') != std::string::npos) malformed("an IPv6 host must be written in brackets: [::1]:5432");
    }
    if (!valid_host_name(url.host))
      malformed(echo ? fmt::format("invalid character in host '{}'", url.host) : "invalid character in the host");
  }
  if (has_port) url.port = parse_port(port_text, echo);
}

void parse_server(DatabaseUrl& url, const std::string& rest) {
  std::string after = rest;
  auto at = rest.rfind('@');
  if (at != std::string::npos) {
    std::string userinfo = rest.substr(0, at);
    after = rest.substr(at + 1);
    auto colon = userinfo.find(':');
    std::string user = percent_decode(userinfo.substr(0, colon), "user name");
    if (!user.empty()) url.user = user;
    if (colon != std::string::npos) url.password = percent_decode(userinfo.substr(colon + 1), "password");
  }
  auto qmark = after.find('?');
  std::string hostpath = after.substr(0, qmark);
  if (qmark != std::string::npos) url.query = parse_query(after.substr(qmark + 1));
  auto slash = hostpath.find('/');
  parse_host_port(url, hostpath.substr(0, slash), /*echo=*/at != std::string::npos);
  if (slash != std::string::npos) {
    std::string db = hostpath.substr(slash + 1);
    if (db.find('/') != std::string::npos) malformed("the database name contains '/' (write it %2F)");
    url.database = percent_decode(db, "database name");
  }
}

// The URL as text; `redact` replaces the password (and a ?password= parameter) by "***".
std::string format_url(const DatabaseUrl& url, bool redact) {
  std::string out = url.scheme.empty() ? dialect_name(url.dialect) : url.scheme;
  if (!url.driver.empty()) out += "+" + url.driver;
  out += "://";
  if (url.dialect == DialectKind::sqlite) {
    if (!url.database.empty()) out += "/" + percent_encode(url.database, "/:");
  } else {
    if (url.user || url.password) {
      out += percent_encode(url.user.value_or(""));
      if (url.password) out += ":" + (redact ? std::string("***") : percent_encode(*url.password));
      out += "@";
    }
    out += url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host;
    if (url.port) out += ":" + std::to_string(*url.port);
    if (!url.database.empty()) out += "/" + percent_encode(url.database);
  }
  const char* sep = "?";
  for (const auto& [key, value] : url.query) {
    bool secret = redact && key == "password";
    out += sep + percent_encode(key, "/:,") + "=" + (secret ? std::string("***") : percent_encode(value, "/:,"));
    sep = "&";
  }
  return out;
}

}  // namespace

bool DatabaseUrl::is_memory() const {
  return dialect == DialectKind::sqlite && (database.empty() || database == ":memory:");
}

std::string DatabaseUrl::redacted() const { return format_url(*this, true); }

std::optional<std::string> DatabaseUrl::param(const std::string& key) const {
  auto it = query.find(key);
  if (it == query.end()) return std::nullopt;
  return it->second;
}

DatabaseUrl parse_url(const std::string& text) {
  if (text.empty()) throw UsageError("empty database URL");
  if (std::any_of(text.begin(), text.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; }))
    malformed("it contains control characters");
  auto sep = text.find("://");
  if (sep == std::string::npos) malformed("expected <scheme>://… (e.g. sqlite:///turnstone.db)");
  std::string scheme = text.substr(0, sep);
  if (!is_printable_scheme(scheme)) malformed("invalid scheme before '://'");

  DatabaseUrl url;
  auto plus = scheme.find('+');
  if (plus != std::string::npos) {
    url.driver = scheme.substr(plus + 1);
    scheme = scheme.substr(0, plus);
    if (url.driver.empty() || url.driver.find('+') != std::string::npos)
      malformed(fmt::format("invalid driver suffix in scheme '{}+{}'", scheme, url.driver));
  }
  auto kind = parse_dialect(scheme);
  if (!kind)
    throw UsageError(fmt::format("unknown database URL scheme '{}' (expected {})", scheme, dialect_choices(true)));
  url.dialect = *kind;
  url.scheme = scheme;

  std::string rest = text.substr(sep + 3);
  if (url.dialect == DialectKind::sqlite)
    parse_sqlite(url, rest);
  else
    parse_server(url, rest);
  return url;
}

std::string redact_secret(std::string message, const std::optional<std::string>& password) {
  if (!password || password->empty()) return message;
  const std::string& pw = *password;
  // The raw form and the encodings a DSN or a quoted URL may carry (Python's quote/quote_plus).
  std::vector<std::string> forms = {pw,
                                    percent_encode(pw),
                                    percent_encode(pw, {}, HexCase::lower),
                                    percent_encode(pw, {}, HexCase::upper, true),
                                    percent_encode(pw, "/")};
  std::sort(forms.begin(), forms.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
  // Only where the form stands as a token of its own: a password "tm" must not turn "stmt" into
  // "s***t" (which garbles the message and hints at the password).
  auto word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; };
  for (const auto& form : forms) {
    for (auto pos = message.find(form); pos != std::string::npos;) {
      const std::size_t end = pos + form.size();
      const bool glued_before = pos > 0 && word(message[pos - 1]) && word(form.front());
      const bool glued_after = end < message.size() && word(message[end]) && word(form.back());
      if (glued_before || glued_after) {
        pos = message.find(form, pos + 1);
        continue;
      }
      message.replace(pos, form.size(), "***");
      pos = message.find(form, pos + 3);
    }
  }
  return message;
}

std::string default_context_url(const DatabaseUrl& main) {
  if (main.dialect != DialectKind::sqlite) return format_url(main, false);
  DatabaseUrl context = main;
  if (main.is_memory()) {
    context.database.clear();
    return format_url(context, false);
  }
  const std::string& path = main.database;
  auto slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "" : path.substr(0, slash + 1);
  std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  auto dot = name.rfind('.');
  if (dot == std::string::npos || dot == 0) dot = name.size();  // no extension, or a dot file
  context.database = dir + name.substr(0, dot) + "-context" + name.substr(dot);
  return format_url(context, false);
}

}  // namespace tsm
