#pragma once
// A JSON string literal for any text: shared by --json output (cli/) and the revision store.
#include <string>

namespace tsm {
std::string json_quote(const std::string& text);
}  // namespace tsm
