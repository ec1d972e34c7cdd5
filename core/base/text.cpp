#include "core/base/text.h"

#include <fmt/format.h>

namespace tsm {

std::string join(const std::vector<std::string>& items, std::string_view separator) {
  return fmt::format("{}", fmt::join(items, separator));
}

std::string trimmed(std::string_view text) {
  const char* space = " \t\r\n\f\v";
  auto b = text.find_first_not_of(space);
  if (b == std::string_view::npos) return {};
  auto e = text.find_last_not_of(space);
  return std::string(text.substr(b, e - b + 1));
}

std::vector<std::string> split_top_level(std::string_view text, char separator) {
  std::vector<std::string> out;
  int depth = 0;
  char quote = 0;
  std::size_t start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quote) {
      if (c == '\\' && quote != '`') ++i;
      else if (c == quote) quote = 0;
    } else if (c == '\'' || c == '"' || c == '`') {
      quote = c;
    } else if (c == '(') {
      ++depth;
    } else if (c == ')') {
      --depth;
    } else if (c == separator && depth == 0) {
      out.push_back(trimmed(text.substr(start, i - start)));
      start = i + 1;
    }
  }
  out.push_back(trimmed(text.substr(start)));
  return out;
}

}  // namespace tsm
