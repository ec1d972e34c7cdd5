#pragma once
// A small strict JSON parser for tests: proves --json output parses and lets tests read fields.
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace tsm::test {

struct JsonValue {
  enum class Kind { null, boolean, number, string, array, object } kind = Kind::null;
  bool b = false;
  double n = 0;
  std::string s;
  std::vector<JsonValue> items;
  std::map<std::string, JsonValue> fields;

  const JsonValue& operator[](const std::string& key) const {
    auto it = fields.find(key);
    if (kind != Kind::object || it == fields.end()) throw std::runtime_error("no JSON field '" + key + "'");
    return it->second;
  }
  const JsonValue& operator[](size_t i) const { return items.at(i); }
  std::vector<std::string> strings() const {  // an array of strings
    std::vector<std::string> out;
    for (const auto& v : items) out.push_back(v.s);
    return out;
  }
};

// Throws std::runtime_error with the offset on any syntax error or trailing garbage.
JsonValue parse_json(const std::string& text);

}  // namespace tsm::test
