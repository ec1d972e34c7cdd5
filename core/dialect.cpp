#include "core/dialect.h"

#include <map>

#include <fmt/format.h>

#include "core/base/errors.h"

namespace tsm {
namespace {
std::map<DialectKind, Backend>& backends() {
  static std::map<DialectKind, Backend> registry;  // function-local: safe during static init
  return registry;
}
}  // namespace

std::string Dialect::insert_version(const std::string& table, const std::string& rev) const {
  return fmt::format("INSERT INTO {} (version_num) VALUES ({})", quote(table), literal(rev));
}

std::string Dialect::delete_version(const std::string& table, const std::string& rev) const {
  return fmt::format("DELETE FROM {} WHERE version_num = {}", quote(table), literal(rev));
}

std::string Dialect::update_version(const std::string& table, const std::string& from,
                                    const std::string& to) const {
  return fmt::format("UPDATE {} SET version_num = {} WHERE version_num = {}", quote(table), literal(to),
                     literal(from));
}

std::map<std::string, TableSize> Connection::table_sizes(const std::vector<std::string>&) { return {}; }

void register_backend(Backend backend) { backends()[backend.kind] = std::move(backend); }

const Backend& backend_for(DialectKind kind) {
  auto it = backends().find(kind);
  if (it == backends().end())
    throw ConnectError(fmt::format("no executor for {} in this build", dialect_name(kind)));
  return it->second;
}

const Dialect& dialect_for(DialectKind kind) { return backend_for(kind).dialect(); }

}  // namespace tsm
