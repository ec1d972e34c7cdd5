#include "core/recovery/schema_fingerprint.h"

#include <cstdint>
#include <functional>

#include <fmt/format.h>

#include "core/base/errors.h"
#include "core/recovery/statement_targets.h"

namespace tsm {
namespace {

constexpr const char* kTargetsPrefix = "t1:";

// The definitions of the objects a DDL statement names, hashed; nullopt when the backend
// cannot give them. FNV-1a 64: the same text gives the same value in every build.
std::optional<std::string> targets_fingerprint(Connection& conn, const std::vector<ObjectName>& targets) {
  std::uint64_t h = 1469598103934665603ULL;
  auto mix = [&](const std::string& s) {
    for (unsigned char c : s) h = (h ^ c) * 1099511628211ULL;
    h = (h ^ 0xffu) * 1099511628211ULL;  // separator: no two splits of a text hash alike
  };
  for (const auto& name : targets) {
    auto definition = conn.object_definition(name);
    if (!definition) return std::nullopt;
    for (const auto& part : name) mix(part);
    mix(*definition);
  }
  return fmt::format("{}{:016x}", kTargetsPrefix, h);
}

}  // namespace

std::string schema_fingerprint(Connection& conn) {
  std::string text;
  for (const auto& [name, t] : conn.introspect({}).tables) {
    text += "T " + name + "\n";
    for (const auto& c : t.columns) text += fmt::format("C {} {} {} {}\n", c.name, c.type, c.nullable, c.default_);
    for (const auto& i : t.indexes) text += fmt::format("I {} {} {}\n", i.name, fmt::join(i.columns, ","), i.unique);
    for (const auto& f : t.foreign_keys)
      text += fmt::format("F {} {} {} {}\n", fmt::join(f.columns, ","), f.ref_table, fmt::join(f.ref_columns, ","), f.on_delete);
    for (const auto& o : t.fulltext_objects) text += "X " + o + "\n";
    text += "P " + fmt::format("{}", fmt::join(t.primary_key, ",")) + "\n";
  }
  return fmt::format("{:016x}", std::hash<std::string>{}(text));
}

std::string fingerprint_before(Connection& conn, const std::string& sql) {
  if (commits_with_record(sql)) return {};
  if (auto targets = ddl_targets(sql)) {
    try {
      if (auto stamp = targets_fingerprint(conn, *targets)) return *stamp;
    } catch (const StatementError&) {
      // e.g. a definition whose lock another session's DDL holds: the general path below.
    }
  }
  return schema_fingerprint(conn);
}

std::optional<bool> changed_since(Connection& conn, const std::string& sql, const std::string& before) {
  if (before.empty()) return std::nullopt;
  if (before.rfind(kTargetsPrefix, 0) == 0) {
    auto targets = ddl_targets(sql);
    if (!targets) return std::nullopt;
    auto now = targets_fingerprint(conn, *targets);
    if (!now) return std::nullopt;
    return *now != before;
  }
  return schema_fingerprint(conn) != before;
}

}  // namespace tsm
