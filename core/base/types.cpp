#include "core/base/types.h"

namespace tsm {

const std::vector<DialectInfo>& dialects() {
  static const std::vector<DialectInfo> table{
      {DialectKind::sqlite, "sqlite", {}},
      {DialectKind::postgresql, "postgresql", {"postgres"}},
      {DialectKind::mariadb, "mariadb", {"mysql"}},
  };
  return table;
}

const char* dialect_name(DialectKind d) {
  for (const auto& info : dialects())
    if (info.kind == d) return info.name;
  return "unknown";
}

std::optional<DialectKind> parse_dialect(const std::string& name) {
  for (const auto& info : dialects()) {
    if (name == info.name) return info.kind;
    for (const char* alias : info.aliases)
      if (name == alias) return info.kind;
  }
  return std::nullopt;
}

std::vector<std::string> dialect_spellings() {
  std::vector<std::string> out;
  for (const auto& info : dialects()) {
    out.emplace_back(info.name);
    out.insert(out.end(), info.aliases.begin(), info.aliases.end());
  }
  return out;
}

std::string dialect_choices(bool with_aliases) {
  std::vector<std::string> names;
  if (with_aliases) {
    names = dialect_spellings();
  } else {
    for (const auto& info : dialects()) names.emplace_back(info.name);
  }
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) out += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + names[i];
  return out;
}

const char* type_name(TypeKind t) {
  switch (t) {
    case TypeKind::integer: return "integer";
    case TypeKind::big_integer: return "big_integer";
    case TypeKind::boolean: return "boolean";
    case TypeKind::real: return "real";
    case TypeKind::double_: return "double";
    case TypeKind::text: return "text";
    case TypeKind::string: return "string";
    case TypeKind::timestamp: return "timestamp";
    case TypeKind::date: return "date";
    case TypeKind::blob: return "blob";
    case TypeKind::json: return "json";
  }
  return "unknown";
}

}  // namespace tsm
