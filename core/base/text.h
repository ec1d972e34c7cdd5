#pragma once
// Small text helpers every room uses.
#include <string>
#include <string_view>
#include <vector>

namespace tsm {

// "a, b, c" (or with another separator); the one join of the code base, on fmt::join.
std::string join(const std::vector<std::string>& items, std::string_view separator = ", ");

}  // namespace tsm
