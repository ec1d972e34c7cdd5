#include "core/recovery/schema_fingerprint.h"

#include <functional>

#include <fmt/format.h>

namespace tsm {

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

}  // namespace tsm
