#pragma once
// Pieces of `copy` shared by its translation units (not for use outside core/copy/).
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/copy/copy.h"
#include "core/copy/table_io.h"

namespace tsm::copy_detail {

// One tree's work: its source version rows, the schema those rows describe, and the tables to
// move in foreign-key order (parents first).
struct TreeJob {
  std::string tree;
  std::vector<std::string> rows;
  Schema schema;
  std::vector<TableShape> tables;
  Connection* src = nullptr;
  Connection* dst = nullptr;
  bool earlier_copy = false;  // the target holds an interrupted copy of this tree
  // --resume found this tree already copied and versioned (the kill came after the copy's last
  // commit): it is only verified, nothing is written.
  bool finished = false;
};

// Open connections, one per distinct database (both trees share one on PostgreSQL/MariaDB).
struct Connections {
  std::map<std::string, std::unique_ptr<Connection>> source, target;
};

inline TableReport table_report(const std::string& tree, const std::string& table) {
  TableReport r;
  r.tree = tree;
  r.table = table;
  return r;
}

// A database's identity for "same database" checks: dialect, host, port, name or file path.
std::string database_identity(const DatabaseUrl& url);

// Tables of a schema in foreign-key order (parents first; ties by name).
std::vector<TableShape> tables_in_fk_order(const Schema& schema);

// Every refusal that must come before anything is written (exit 2, 3, 5); returns the trees to
// copy with their connections opened (source snapshots begun).
std::vector<TreeJob> preflight(const Workspace& source, const Workspace& target, const CopyRequest& request,
                               Connections& conns);

// Counts and checksums of every table on both sides; the first differing key where they differ.
void verify_tables(const std::vector<TreeJob>& jobs, std::vector<TableReport>& reports,
                   const ProgressCallback& progress, std::size_t batch_rows);

}  // namespace tsm::copy_detail
