#include "core/model/naming.h"

#include <fmt/format.h>

#include "core/base/errors.h"

namespace tsm {

std::string primary_key_name(const std::string& table) { return "pk_" + table; }

std::string unique_name(const std::string& table, const UniqueConstraint& uq) {
  if (!uq.name.empty()) return uq.name;
  return fmt::format("uq_{}_{}", table, fmt::join(uq.columns, "_"));
}

std::string foreign_key_name(const std::string& table, const ForeignKey& fk) {
  if (!fk.name.empty()) return fk.name;
  if (fk.columns.empty()) throw UsageError(fmt::format("foreign key on {} has no columns", table));
  return fmt::format("fk_{}_{}_{}", table, fk.columns.front(), fk.ref_table);
}

const char* fk_action_sql(FkAction action) {
  switch (action) {
    case FkAction::no_action: return "NO ACTION";
    case FkAction::cascade: return "CASCADE";
    case FkAction::set_null: return "SET NULL";
    case FkAction::restrict_: return "RESTRICT";
    case FkAction::set_default: return "SET DEFAULT";
  }
  return "NO ACTION";
}

std::vector<std::string> primary_key_columns(const TableSpec& table) {
  if (!table.primary_key.empty()) return table.primary_key;
  std::vector<std::string> out;
  for (const auto& c : table.columns)
    if (c.primary_key || c.autoincrement) out.push_back(c.name);
  return out;
}

const Column* find_column(const TableSpec& table, const std::string& name) {
  for (const auto& c : table.columns)
    if (c.name == name) return &c;
  return nullptr;
}

void validate_identifier(const std::string& identifier, std::size_t max_length, const char* dialect) {
  if (identifier.empty()) throw UsageError("empty identifier");
  if (identifier.find('\0') != std::string::npos) throw UsageError("identifier contains a NUL character");
  if (identifier.size() > max_length)
    throw UsageError(fmt::format("identifier {}… is {} characters long: {} allows at most {}",
                                 identifier.substr(0, 32), identifier.size(), dialect, max_length));
}

std::string quote_identifier(const std::string& identifier, char quote, std::size_t max_length, const char* dialect) {
  validate_identifier(identifier, max_length, dialect);
  std::string out(1, quote);
  for (char c : identifier) {
    if (c == quote) out += quote;
    out += c;
  }
  return out + quote;
}

}  // namespace tsm
