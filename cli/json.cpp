#include "cli/json.h"

#include "core/json_text.h"

#include <cstdio>

#include <fmt/format.h>

namespace tsm::cli {
namespace {
void escape(std::string& out, const std::string& s) { out += json_quote(s); }

struct Writer {
  std::string& out;
  void operator()(std::nullptr_t) { out += "null"; }
  void operator()(bool b) { out += b ? "true" : "false"; }
  void operator()(std::int64_t i) { out += std::to_string(i); }
  void operator()(double d) { out += fmt::format("{}", d); }
  void operator()(const std::string& s) { escape(out, s); }
  void operator()(const Json::Array& a) {
    out += '[';
    for (size_t i = 0; i < a.size(); ++i) {
      if (i) out += ',';
      out += a[i].dump();
    }
    out += ']';
  }
  void operator()(const Json::Object& o) {
    out += '{';
    for (size_t i = 0; i < o.size(); ++i) {
      if (i) out += ',';
      escape(out, o[i].first);
      out += ':';
      out += o[i].second.dump();
    }
    out += '}';
  }
};
}  // namespace

Json& Json::set(const std::string& key, Json value) {
  if (!std::holds_alternative<Object>(v_)) v_ = Object{};
  auto& o = std::get<Object>(v_);
  for (auto& kv : o)
    if (kv.first == key) {
      kv.second = std::move(value);
      return *this;
    }
  o.emplace_back(key, std::move(value));
  return *this;
}

void Json::push(Json value) {
  if (!std::holds_alternative<Array>(v_)) v_ = Array{};
  std::get<Array>(v_).push_back(std::move(value));
}

std::string Json::dump() const {
  std::string out;
  std::visit(Writer{out}, v_);
  return out;
}

}  // namespace tsm::cli
