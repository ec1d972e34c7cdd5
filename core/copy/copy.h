#pragma once
// `copy`: moves both trees of a Turnstone install from one database to another (any direction
// between SQLite, PostgreSQL and MariaDB), through one code path generic over two connections.
//
// Order of work (docs/copy.md says why): refuse before writing anything → bring the target to
// the source's revisions with the executor → move the version rows aside into the copy
// bookkeeping table (turnstone_migrate_copy) → drop the target's full-text structures → load
// every table of the schema model in foreign-key order, one transaction per batch that also
// advances the table's key watermark → recreate full-text (filled from the rows) → move identity
// sequences past the highest id → verify counts and checksums → write the version rows back and
// drop the bookkeeping. The source is read inside one snapshot per source database.
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/run/workspace.h"

namespace tsm {

inline constexpr const char* kCopyTable = "turnstone_migrate_copy";

struct CopyRequest {
  std::string to_url;                     // target main database
  std::optional<std::string> to_context;  // target context database; else derived like the source's
  bool resume = false;
  bool verify_only = false;
  std::size_t batch_rows = 10000;
};

enum class CopyPhase { schema, load, fulltext, verify };

struct CopyProgress {
  CopyPhase phase = CopyPhase::load;
  std::string tree;
  std::string table;
  std::uint64_t rows_done = 0;   // rows of this table in the target so far (resume included)
  std::uint64_t rows_total = 0;  // rows of this table in the source snapshot
  bool table_done = false;
};
using ProgressCallback = std::function<void(const CopyProgress&)>;

struct TableReport {
  std::string tree;
  std::string table;
  std::uint64_t rows_copied = 0;  // by this run (a resumed table counts only the rest)
  double seconds = 0;             // load time of this run
  std::uint64_t source_rows = 0;
  std::uint64_t target_rows = 0;
  std::string source_checksum;  // hex; see core/copy/checksum.h
  std::string target_checksum;
  bool match = false;
  std::optional<std::string> first_difference;  // key of the first differing row, when !match
};

struct CopyReport {
  std::vector<TableReport> tables;
  TreeRows revisions;  // the version rows copied (per tree)
  bool resumed = false;
  bool verified = false;  // every table matched
  double seconds = 0;
  double verify_seconds = 0;
  double fulltext_seconds = 0;  // building the target's full-text structures after the load
};

// Runs the whole copy (or only the verification). Throws AttentionError (exit 5), UsageError
// (2), ConnectError (3), MigrationError (1) before or while copying; a verification mismatch is
// reported in the result (verified=false, the target left unversioned) — the caller exits 6.
CopyReport run_copy(const Workspace& source, const CopyRequest& request, const ProgressCallback& progress);

}  // namespace tsm
