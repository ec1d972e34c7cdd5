#include "core/base/text.h"

#include <fmt/format.h>

namespace tsm {

std::string join(const std::vector<std::string>& items, std::string_view separator) {
  return fmt::format("{}", fmt::join(items, separator));
}

}  // namespace tsm
