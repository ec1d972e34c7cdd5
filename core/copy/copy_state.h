#pragma once
// The copy bookkeeping table turnstone_migrate_copy, one per target database. Its rows:
//   state:<tree>          watermark = "schema" (revisions being run) | "loading" (rows being copied)
//   version:<tree>        watermark = the source's version rows, encoded; written to the
//                         version table only after verification
//   table:<tree>:<table>  watermark = key of the last copied row (encoded), copied_rows, done
// A table watermark moves in the same transaction as the batch it covers, so a process killed at
// any moment leaves a watermark that matches the rows committed.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/dialect.h"

namespace tsm {

struct Watermark {
  std::optional<std::string> key;  // encoded (core/copy/table_io.h); none before the first batch
  std::uint64_t rows = 0;
  bool done = false;
};

class CopyState {
 public:
  explicit CopyState(Connection& conn) : conn_(conn) {}
  bool exists();
  void ensure_table();
  // Whether any row concerns `tree` (an earlier copy of that tree into this database).
  bool has_tree(const std::string& tree);
  std::optional<std::string> get(const std::string& item);
  // Replaces one item (inside the caller's transaction, if one is open).
  void put(const std::string& item, const std::string& watermark, std::uint64_t rows = 0, bool done = false);
  Watermark table(const std::string& tree, const std::string& table);
  void advance(const std::string& tree, const std::string& table, const Watermark& mark);
  // Removes the rows of `tree` (inside the caller's transaction, if one is open).
  void forget_tree(const std::string& tree);
  // Drops the table once no row is left (DDL: outside any transaction).
  void drop_if_empty();

  static std::string table_item(const std::string& tree, const std::string& table) {
    return "table:" + tree + ":" + table;
  }

 private:
  Connection& conn_;
};

}  // namespace tsm
