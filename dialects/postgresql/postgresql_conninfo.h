#pragma once
// DatabaseUrl → libpq conninfo string, and libpq connect failures → classified ConnectError text.
#include <optional>
#include <string>

#include "core/dialect.h"

namespace tsm::postgresql {

struct ConnectTarget {
  std::string conninfo;               // holds the password: never print or log it
  std::optional<std::string> schema;  // tenant schema from ?schema= (or ?search_path=)
};

// Throws UsageError for a URL parameter libpq does not know (a typo should not be ignored).
ConnectTarget connect_target(const DatabaseUrl& url, const ConnectOptions& options);

// 'value' with \ and ' escaped, as libpq's conninfo parser expects.
std::string conninfo_value(const std::string& value);

// One line: "cannot connect to <redacted url>: host unreachable" /
// "…: authentication failed for user X" / "…: database X does not exist" / "…: <redacted text>".
std::string classify_connect_failure(const DatabaseUrl& url, const std::string& driver_message);

}  // namespace tsm::postgresql
