// fuzz_url: parse_url on arbitrary text.
//
// Invariants (README, "Pointing it at a database": the password never appears in any output or
// error):
//  - for a server URL, nothing the parser produces depends on the password's value: the text with
//    the password's letters g–z/G–Z replaced by others gives the same error, or a URL equal in
//    every field but the password (so the same redacted() text);
//  - default_context_url() (the --context-url the tool derives and parses again) parses: for a
//    server URL to the same URL, for SQLite to a SQLite URL of the same kind (memory or file);
//  - redact_secret() leaves no copy of the password in a message that stands as a token.
#include <algorithm>
#include <cctype>
#include <string>

#include "core/base/errors.h"
#include "core/base/url.h"
#include "tests/fuzz/harness.h"

namespace tsm::fuzz {
namespace {

constexpr auto npos = std::string::npos;

// Where the password is in `text` by the documented grammar (after "<scheme>://" the user info
// ends at the last '@'; the password follows its first ':'); npos when there is none.
std::size_t password_start(const std::string& text, std::size_t& length) {
  auto sep = text.find("://");
  if (sep == npos) return npos;
  auto at = text.rfind('@');
  if (at == npos || at < sep + 3) return npos;
  auto colon = text.find(':', sep + 3);
  if (colon == npos || colon > at) return npos;
  length = at - colon - 1;
  return colon + 1;
}

// Another password of the same shape: letters that are no hex digit move one place (g–z, G–Z), so
// percent-escapes, separators and control characters stay where they were.
bool shift_letters(std::string& text, std::size_t pos, std::size_t length) {
  bool changed = false;
  for (std::size_t i = pos; i < pos + length; ++i) {
    char& c = text[i];
    if (c >= 'g' && c <= 'z') c = c == 'z' ? 'g' : static_cast<char>(c + 1), changed = true;
    else if (c >= 'G' && c <= 'Z') c = c == 'Z' ? 'G' : static_cast<char>(c + 1), changed = true;
  }
  return changed;
}

struct Outcome {
  bool ok = false;
  DatabaseUrl url;
  std::string error;  // what() and details of the UsageError
};

Outcome parse(const std::string& text) {
  Outcome out;
  try {
    out.url = parse_url(text);
    out.ok = true;
  } catch (const UsageError& e) {
    out.error = std::string(e.what()) + "\n" + e.details();
  }
  return out;
}

bool same_except_password(const DatabaseUrl& a, const DatabaseUrl& b) {
  return a.dialect == b.dialect && a.scheme == b.scheme && a.driver == b.driver && a.user == b.user &&
         a.password.has_value() == b.password.has_value() && a.host == b.host && a.port == b.port &&
         a.database == b.database && a.query == b.query;
}

bool is_server_scheme(const std::string& text) {
  auto sep = text.find("://");
  if (sep == npos) return false;
  std::string scheme = text.substr(0, std::min(sep, text.find('+')));
  auto kind = parse_dialect(scheme);
  return kind && *kind != DialectKind::sqlite;
}

}  // namespace

int fuzz_url(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const Outcome first = parse(text);

  std::size_t length = 0;
  const std::size_t pos = password_start(text, length);
  if (pos != npos && is_server_scheme(text)) {
    std::string other = text;
    if (shift_letters(other, pos, length)) {
      const Outcome second = parse(other);
      TSM_FUZZ_CHECK(first.ok == second.ok, "the password decides whether the URL parses");
      if (first.ok) {
        TSM_FUZZ_CHECK(same_except_password(first.url, second.url), "the password changes another part of the URL");
        TSM_FUZZ_CHECK(first.url.redacted() == second.url.redacted(), "redacted() shows the password: " +
                                                                           first.url.redacted());
      } else {
        TSM_FUZZ_CHECK(first.error == second.error, "the error depends on the password: " + first.error);
      }
    }
  }
  if (!first.ok) return 0;

  const DatabaseUrl& url = first.url;
  // The derived context URL is parsed again by the tool: it must parse, to the same server URL.
  const std::string context_text = default_context_url(url);
  const Outcome context = parse(context_text);
  TSM_FUZZ_CHECK(context.ok, "default_context_url() does not parse: " + context.error);
  if (url.dialect == DialectKind::sqlite) {
    TSM_FUZZ_CHECK(context.url.dialect == DialectKind::sqlite, "context URL of a SQLite URL is not SQLite");
    TSM_FUZZ_CHECK(context.url.is_memory() == url.is_memory(), "context URL changes memory/file");
    TSM_FUZZ_CHECK(context.url.query == url.query, "context URL changes the query");
    if (!url.is_memory()) TSM_FUZZ_CHECK(context.url.database != url.database, "context file is the main file");
  } else {
    TSM_FUZZ_CHECK(same_except_password(context.url, url) && context.url.password == url.password,
                   "server URL does not survive format and parse: " + context.url.redacted() + " vs " +
                       url.redacted());
  }

  // A driver error that echoes the URL loses the password.
  if (url.password && !url.password->empty() && url.password->find('*') == npos) {
    const std::string cleaned = redact_secret(text + " " + context_text, url.password);
    // Masking is by whole token: a copy glued to a word character on a word-character edge ("tm"
    // inside "stmt") is ordinary text and stays; any other copy is a leak.
    const std::string& pw = *url.password;
    auto word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; };
    for (auto pos = cleaned.find(pw); pos != npos; pos = cleaned.find(pw, pos + 1)) {
      const bool glued = (pos > 0 && word(cleaned[pos - 1]) && word(pw.front())) ||
                         (pos + pw.size() < cleaned.size() && word(cleaned[pos + pw.size()]) && word(pw.back()));
      TSM_FUZZ_CHECK(glued, "redact_secret() leaves the password as a token");
    }
  }
  return 0;
}

}  // namespace tsm::fuzz
