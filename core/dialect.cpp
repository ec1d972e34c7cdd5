#include "core/dialect.h"

#include <cstdint>
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

void register_backend(Backend backend) { backends()[backend.kind] = std::move(backend); }

const Backend& backend_for(DialectKind kind) {
  auto it = backends().find(kind);
  if (it == backends().end())
    throw ConnectError(fmt::format("no executor for {} in this build", dialect_name(kind)));
  return it->second;
}

const Dialect& dialect_for(DialectKind kind) { return backend_for(kind).dialect(); }

namespace {

std::string fnv1a_hex(const std::string& text) {
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return fmt::format("{:016x}", h);
}

}  // namespace

Statement Dialect::backfill_statement(const Backfill& op, const std::string& int_type, bool online) const {
  const Dialect& d = *this;
  if (op.set.empty()) throw UsageError("backfill " + op.table + ": the SET list is empty");
  const std::string table = d.quote(op.table), key = d.quote(op.options.key_column);
  const std::string where = op.options.where.empty() ? "" : "(" + op.options.where + ")";
  BatchedUpdate b;
  b.table = op.table;
  b.bounds_sql = fmt::format("SELECT min({}), max({}) FROM {}", key, key, table);
  b.batch_sql = fmt::format("UPDATE {} SET {} WHERE {} BETWEEN CAST(? AS {}) AND CAST(? AS {}){}", table, op.set, key,
                            int_type, int_type, where.empty() ? "" : " AND " + where);
  b.progress_key = op.table.substr(0, 40) + ":" + fnv1a_hex(op.table + "\n" + op.set + "\n" + op.options.where + "\n" + key);
  b.options = op.options;
  Statement st{fmt::format("UPDATE {} SET {}{}", table, op.set, where.empty() ? "" : " WHERE " + where)};
  st.table = op.table;
  if (online) {
    st.in_transaction = false;
    st.plain_form = st.sql;
  }
  st.batched = std::move(b);
  return st;
}

}  // namespace tsm
