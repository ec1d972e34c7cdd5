#include "core/dialect.h"

#include <cstdint>
#include <map>

#include <fmt/format.h>

#include "core/base/errors.h"
#include "core/base/text.h"

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

std::optional<std::string> Dialect::canonical(const ColumnType& type, const std::optional<std::string>& raw) const {
  if (!raw) return raw;
  switch (type.kind) {
    case TypeKind::integer:
    case TypeKind::big_integer:
    case TypeKind::text:
    case TypeKind::string:
    case TypeKind::date: return raw;
    default:
      throw UsageError(fmt::format("{} cannot read {} values for copy", dialect_name(kind()), type_name(type.kind)));
  }
}

std::vector<std::string> Dialect::reset_identity_sql(const std::string& table, const std::string& column) const {
  throw UsageError(fmt::format("{} cannot yet move the identity of {}.{} past the copied ids (copy needs "
                               "Dialect::reset_identity_sql for this backend)",
                               dialect_name(kind()), table, column));
}

std::optional<std::vector<std::string>> Dialect::session_variables(const std::string&) const { return std::nullopt; }

std::optional<Dialect::SessionSave> Dialect::save_session_variable(const std::string&, int) const { return std::nullopt; }

std::string Dialect::read_session_variable_sql(const std::string& name) const {
  throw UsageError(fmt::format("{} cannot read the session variable {}", dialect_name(kind()), name));
}

std::string Dialect::restore_session_variable_sql(const std::string& name, const std::optional<std::string>&) const {
  throw UsageError(fmt::format("{} cannot restore the session variable {}", dialect_name(kind()), name));
}

namespace {

// Multi-row INSERT with bound parameters, a few hundred rows per statement: the portable path.
class InsertWriter : public BulkWriter {
 public:
  InsertWriter(Connection& conn, std::string table, std::vector<BulkColumn> columns)
      : conn_(conn), table_(std::move(table)), columns_(std::move(columns)) {}
  void write(const Row& row) override {
    rows_.push_back(row);
    if (rows_.size() >= kRowsPerStatement) flush();
  }
  void finish() override { flush(); }

 private:
  static constexpr std::size_t kRowsPerStatement = 200;
  void flush() {
    if (rows_.empty()) return;
    const Dialect& d = conn_.dialect();
    std::vector<std::string> names;
    for (const auto& c : columns_) names.push_back(d.quote(c.name));
    std::string tuple = "(" + join(std::vector<std::string>(columns_.size(), "?"), ", ") + ")";
    std::string sql = fmt::format("INSERT INTO {} ({}) VALUES ", d.quote(table_), join(names, ", "));
    std::vector<std::string> params;
    for (std::size_t r = 0; r < rows_.size(); ++r) {
      sql += (r ? ", " : "") + tuple;
      for (const auto& v : rows_[r]) params.push_back(v.value_or(""));
    }
    // query() binds text; NULLs need the literal, so rows with a NULL go one by one.
    bool has_null = false;
    for (const auto& row : rows_)
      for (const auto& v : row) has_null = has_null || !v;
    if (!has_null) {
      conn_.query(sql, params);
    } else {
      for (const auto& row : rows_) {
        std::vector<std::string> cols, marks, values;
        for (std::size_t i = 0; i < row.size(); ++i) {
          cols.push_back(d.quote(columns_[i].name));
          if (row[i]) {
            marks.push_back("?");
            values.push_back(*row[i]);
          } else {
            marks.push_back("NULL");
          }
        }
        conn_.query(fmt::format("INSERT INTO {} ({}) VALUES ({})", d.quote(table_), join(cols, ", "), join(marks, ", ")),
                    values);
      }
    }
    rows_.clear();
  }

  Connection& conn_;
  std::string table_;
  std::vector<BulkColumn> columns_;
  std::vector<Row> rows_;
};

}  // namespace

std::unique_ptr<BulkWriter> Connection::bulk_writer(const std::string& table, const std::vector<BulkColumn>& columns) {
  return std::make_unique<InsertWriter>(*this, table, columns);
}

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
