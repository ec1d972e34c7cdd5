#pragma once
// The lint rule table: one row per rule, with a stable id, its default severity and the safe
// alternative printed beside every finding. Op rules (op_rules.cpp) and the raw-SQL scan
// (sql_scan.cpp) only name a rule id; everything a user reads about a rule comes from here.
#include <string>
#include <vector>

namespace tsm::lint {

enum class Severity { info, warning, error };
const char* severity_name(Severity s);  // "info" | "warning" | "error"

// What a finding says would happen (a finding can say several).
enum class Effect { blocks_writes, rewrites_table, destroys_data, breaks_old_release, fails_on_rows };
const char* effect_text(Effect e);  // "blocks writes", "rewrites the table", …

// How the work of a finding scales, for the blocking-time estimate (rows per second of one
// backend: see docs/lint.md, "Estimates").
enum class Work { none, index_build, fulltext_build, rewrite, validate_scan, row_update };
// Rows per second of `work` (0 for none).
double rows_per_second(Work work);

struct Rule {
  const char* id;           // stable: TM101 …
  const char* title;        // short name
  Severity severity;        // when the table size is unknown or does not matter
  const char* alternative;  // the safe way, one line
};

const std::vector<Rule>& rules();
// The row of `id`; std::logic_error for an id not in the table (a programming error).
const Rule& rule(const std::string& id);

}  // namespace tsm::lint
