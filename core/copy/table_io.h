#pragma once
// Reading one table in primary-key order, batch by batch (keyset pagination: memory bounded by
// one batch whatever the table's size), and the canonical form of its rows.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/dialect.h"
#include "core/model/schema.h"

namespace tsm {

// The columns `copy` moves: the schema model's, in order (so a generated column such as a MariaDB
// key companion, or an FTS5 shadow table, never takes part), and which of them form the primary key.
struct TableShape {
  std::string name;
  std::vector<BulkColumn> columns;
  std::vector<std::size_t> key;  // indexes into columns
};
// UsageError when the table has no primary key (keyset pagination needs one).
TableShape shape_of(const TableModel& table);

// Key values of a row (as read from the connection that read it).
std::vector<std::string> key_of(const TableShape& shape, const Row& row);
// A key as one text for the watermark and messages: "id=42", "incident_id=3, entry_id=9".
std::string describe_key(const TableShape& shape, const std::vector<std::string>& key);
// Length-prefixed, unambiguous storage form of a key ("2:42"), and back.
std::string encode_key(const std::vector<std::string>& key);
std::vector<std::string> decode_key(const std::string& text);

// SELECT <columns> FROM <table> [WHERE key > last] ORDER BY <key> LIMIT n, repeatedly. Composite
// keys compare as `a > ? OR (a = ? AND b > ?)`, which every backend plans as a range scan.
class KeysetReader {
 public:
  KeysetReader(Connection& conn, const TableShape& shape, std::size_t batch_rows,
               std::optional<std::vector<std::string>> after = std::nullopt);
  // The next batch of rows as the connection returns them; empty once the table is exhausted.
  std::vector<Row> next();
  const std::optional<std::vector<std::string>>& last_key() const { return after_; }

 private:
  Connection& conn_;
  const TableShape& shape_;
  std::size_t batch_;
  std::optional<std::vector<std::string>> after_;
  std::string select_, order_;
  bool done_ = false;
};

// Every value of a raw row through dialect.canonical. A value that cannot be read as its type
// (invalid JSON, say) is a MigrationError naming the table, the row's key and the column.
Row canonical_row(const Dialect& dialect, const TableShape& shape, const Row& raw);

// Row count and an order-independent content checksum: the sum modulo 2^256 of the SHA-256 of
// each row's canonical text (each value length-prefixed, NULL marked apart from any text). The
// sum does not depend on the order rows arrive in, so text keys that two backends collate
// differently still compare equal.
class TableDigest {
 public:
  void add(const Row& canonical);
  std::uint64_t rows() const { return rows_; }
  std::string hex() const;  // 64 hex digits (the row count is reported beside it)

 private:
  std::array<unsigned char, 32> sum_{};
  std::uint64_t rows_ = 0;
};
// The text a row's digest is taken over (exposed for tests).
std::string row_text(const Row& canonical);
std::array<unsigned char, 32> sha256(const std::string& data);

}  // namespace tsm
