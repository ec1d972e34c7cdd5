#pragma once
// Small text helpers every room uses.
#include <string>
#include <string_view>
#include <vector>

namespace tsm {

// "a, b, c" (or with another separator); the one join of the code base, on fmt::join.
std::string join(const std::vector<std::string>& items, std::string_view separator = ", ");

// `text` without leading and trailing whitespace.
std::string trimmed(std::string_view text);

// `text` split on `separator` where it stands outside quotes ('…', "…", `…`) and parentheses;
// each piece trimmed. For small statement parsers (session settings), not a lexer.
std::vector<std::string> split_top_level(std::string_view text, char separator);

}  // namespace tsm
