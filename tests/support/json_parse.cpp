#include "tests/support/json_parse.h"

#include <cctype>
#include <cstdlib>

namespace tsm::test {
namespace {

class Parser {
 public:
  explicit Parser(const std::string& t) : t_(t) {}
  JsonValue document() {
    JsonValue v = value();
    ws();
    if (i_ != t_.size()) fail("trailing characters");
    return v;
  }

 private:
  [[noreturn]] void fail(const std::string& what) {
    throw std::runtime_error("invalid JSON at offset " + std::to_string(i_) + ": " + what);
  }
  void ws() {
    while (i_ < t_.size() && std::isspace(static_cast<unsigned char>(t_[i_]))) ++i_;
  }
  bool eat(const char* word) {
    size_t n = std::char_traits<char>::length(word);
    if (t_.compare(i_, n, word) != 0) return false;
    i_ += n;
    return true;
  }
  JsonValue value() {
    ws();
    if (i_ >= t_.size()) fail("unexpected end");
    JsonValue v;
    char c = t_[i_];
    if (c == '{') {
      v.kind = JsonValue::Kind::object;
      ++i_;
      ws();
      if (t_[i_] == '}') { ++i_; return v; }
      for (;;) {
        ws();
        if (t_[i_] != '"') fail("expected key");
        std::string key = string();
        ws();
        if (t_[i_++] != ':') fail("expected ':'");
        v.fields[key] = value();
        ws();
        if (t_[i_] == ',') { ++i_; continue; }
        if (t_[i_] == '}') { ++i_; return v; }
        fail("expected ',' or '}'");
      }
    }
    if (c == '[') {
      v.kind = JsonValue::Kind::array;
      ++i_;
      ws();
      if (t_[i_] == ']') { ++i_; return v; }
      for (;;) {
        v.items.push_back(value());
        ws();
        if (t_[i_] == ',') { ++i_; continue; }
        if (t_[i_] == ']') { ++i_; return v; }
        fail("expected ',' or ']'");
      }
    }
    if (c == '"') {
      v.kind = JsonValue::Kind::string;
      v.s = string();
      return v;
    }
    if (eat("true")) { v.kind = JsonValue::Kind::boolean; v.b = true; return v; }
    if (eat("false")) { v.kind = JsonValue::Kind::boolean; return v; }
    if (eat("null")) return v;
    if (c == '-' || std::isdigit(static_cast<unsigned char>(c))) {
      char* end = nullptr;
      v.kind = JsonValue::Kind::number;
      v.n = std::strtod(t_.c_str() + i_, &end);
      i_ = static_cast<size_t>(end - t_.c_str());
      return v;
    }
    fail("unexpected character");
  }
  std::string string() {
    std::string out;
    ++i_;  // opening quote
    while (i_ < t_.size() && t_[i_] != '"') {
      char c = t_[i_++];
      if (static_cast<unsigned char>(c) < 0x20) fail("control character in string");
      if (c != '\\') { out += c; continue; }
      char e = t_[i_++];
      switch (e) {
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        case 'r': out += '\r'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'u': out += '?'; i_ += 4; break;  // tests never need the code point itself
        case '"': case '\\': case '/': out += e; break;
        default: fail("bad escape");
      }
    }
    if (i_ >= t_.size()) fail("unterminated string");
    ++i_;
    return out;
  }
  const std::string& t_;
  size_t i_ = 0;
};

}  // namespace

JsonValue parse_json(const std::string& text) { return Parser(text).document(); }

}  // namespace tsm::test
