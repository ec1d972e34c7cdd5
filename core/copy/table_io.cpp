#include "core/copy/table_io.h"

#include <openssl/evp.h>

#include <fmt/format.h>

#include "core/base/errors.h"
#include "core/base/text.h"

namespace tsm {

TableShape shape_of(const TableModel& table) {
  TableShape shape;
  shape.name = table.spec.name;
  for (const auto& c : table.spec.columns) shape.columns.push_back({c.name, c.type});
  auto index_of = [&](const std::string& name) {
    for (std::size_t i = 0; i < shape.columns.size(); ++i)
      if (shape.columns[i].name == name) return i;
    throw UsageError(fmt::format("copy: table '{}' has no column '{}' for its primary key", shape.name, name));
  };
  if (!table.spec.primary_key.empty()) {
    for (const auto& k : table.spec.primary_key) shape.key.push_back(index_of(k));
  } else {
    for (std::size_t i = 0; i < table.spec.columns.size(); ++i)
      if (table.spec.columns[i].primary_key || table.spec.columns[i].autoincrement) shape.key.push_back(i);
  }
  if (shape.key.empty())
    throw UsageError(fmt::format("copy: table '{}' has no primary key; it cannot be read in key order", shape.name));
  return shape;
}

std::vector<std::string> key_of(const TableShape& shape, const Row& row) {
  std::vector<std::string> key;
  for (std::size_t i : shape.key) key.push_back(row.at(i).value_or(""));
  return key;
}

std::string describe_key(const TableShape& shape, const std::vector<std::string>& key) {
  std::vector<std::string> parts;
  for (std::size_t i = 0; i < shape.key.size() && i < key.size(); ++i)
    parts.push_back(shape.columns[shape.key[i]].name + "=" + key[i]);
  return join(parts, ", ");
}

std::string encode_key(const std::vector<std::string>& key) {
  std::string out;
  for (const auto& k : key) out += std::to_string(k.size()) + ":" + k;
  return out;
}

std::vector<std::string> decode_key(const std::string& text) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t colon = text.find(':', pos);
    if (colon == std::string::npos) throw MigrationError("copy: malformed key watermark in " + std::string("turnstone_migrate_copy"));
    std::size_t len = std::stoul(text.substr(pos, colon - pos));
    out.push_back(text.substr(colon + 1, len));
    pos = colon + 1 + len;
  }
  return out;
}

KeysetReader::KeysetReader(Connection& conn, const TableShape& shape, std::size_t batch_rows,
                           std::optional<std::vector<std::string>> after)
    : conn_(conn), shape_(shape), batch_(batch_rows), after_(std::move(after)) {
  const Dialect& d = conn.dialect();
  std::vector<std::string> cols, keys;
  for (const auto& c : shape.columns) cols.push_back(d.quote(c.name));
  for (std::size_t i : shape.key) keys.push_back(d.quote(shape.columns[i].name));
  select_ = fmt::format("SELECT {} FROM {}", join(cols, ", "), d.quote(shape.name));
  order_ = fmt::format(" ORDER BY {} LIMIT {}", join(keys, ", "), batch_);
}

std::vector<Row> KeysetReader::next() {
  if (done_) return {};
  const Dialect& d = conn_.dialect();
  std::string sql = select_;
  std::vector<std::string> params;
  if (after_) {
    // a > ? OR (a = ? AND b > ?) OR …
    std::vector<std::string> alternatives;
    for (std::size_t i = 0; i < shape_.key.size(); ++i) {
      std::vector<std::string> terms;
      for (std::size_t j = 0; j < i; ++j) {
        terms.push_back(d.quote(shape_.columns[shape_.key[j]].name) + " = ?");
        params.push_back(after_->at(j));
      }
      terms.push_back(d.quote(shape_.columns[shape_.key[i]].name) + " > ?");
      params.push_back(after_->at(i));
      alternatives.push_back(terms.size() == 1 ? terms[0] : "(" + join(terms, " AND ") + ")");
    }
    sql += " WHERE " + join(alternatives, " OR ");
  }
  sql += order_;
  std::vector<Row> rows = conn_.query(sql, params);
  if (rows.size() < batch_) done_ = true;
  if (!rows.empty()) after_ = key_of(shape_, rows.back());
  return rows;
}

Row canonical_row(const Dialect& dialect, const TableShape& shape, const Row& raw) {
  Row out;
  out.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size() && i < shape.columns.size(); ++i) {
    try {
      out.push_back(dialect.canonical(shape.columns[i].type, raw[i]));
    } catch (const Error& e) {
      throw MigrationError(fmt::format("copy stopped: table '{}', row {}, column '{}': {}", shape.name,
                                       describe_key(shape, key_of(shape, raw)), shape.columns[i].name, e.what()),
                           "  nothing of this batch was written; fix the value in the source, then rerun "
                           "`copy --resume` with the same arguments");
    }
  }
  return out;
}

std::string row_text(const Row& canonical) {
  std::string out;
  for (const auto& v : canonical) {
    if (!v) {
      out += "N;";
      continue;
    }
    out += std::to_string(v->size());
    out += ':';
    out += *v;
    out += ';';
  }
  return out;
}

std::array<unsigned char, 32> sha256(const std::string& data) {
  std::array<unsigned char, 32> out{};
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_sha256(), nullptr) != 1 || len != out.size())
    throw MigrationError("copy: SHA-256 failed (OpenSSL libcrypto)");
  return out;
}

void TableDigest::add(const Row& canonical) {
  auto h = sha256(row_text(canonical));
  unsigned carry = 0;
  for (int i = 31; i >= 0; --i) {
    unsigned s = static_cast<unsigned>(sum_[i]) + h[i] + carry;
    sum_[i] = static_cast<unsigned char>(s & 0xff);
    carry = s >> 8;
  }
  ++rows_;
}

std::string TableDigest::hex() const {
  std::string out;
  for (unsigned char c : sum_) out += fmt::format("{:02x}", c);
  return out;
}

}  // namespace tsm
