#pragma once
// Internal to core/lint: what a rule check produces before sizes and waivers decide its severity.
#include <set>
#include <string>
#include <vector>

#include "core/lint/rules.h"
#include "core/model/schema.h"

namespace tsm::lint {

struct Hit {
  std::string rule;  // an id of rules()
  std::string table;  // the table it concerns; empty when none
  std::string what;   // what the operation or statement does, one clause
  std::vector<Effect> effects;
  Work work = Work::none;  // what scales with the table, for the estimate
  // fixed: the rule's severity whatever the size; rows: info on an empty table, else the rule's;
  // time: decided by the estimated blocking time (unknown size: the rule's severity).
  enum class Scale { fixed, rows, time } scale = Scale::fixed;
};

// What one revision has done so far, as the checks walk its operations in order.
struct RevisionContext {
  DialectKind dialect = DialectKind::sqlite;
  std::set<std::string> created;  // tables created by this revision (empty while it runs)
  bool lock_timeout_set = false;  // its raw SQL set a lock timeout
  bool unbounded_ddl_reported = false;  // TM109 for hand-written DDL: once per revision
  // PostgreSQL runs its online forms (CONCURRENTLY, VALIDATE apart) only when the whole revision
  // can rerun in pieces (core/run/online_forms.h); otherwise the plain forms, in one transaction.
  bool online_in_pieces = true;
  bool fresh(const std::string& table) const { return created.count(table) > 0; }
};

// Rules on one operation, given the schema just before it. One visitor case per operation.
std::vector<Hit> op_hits(const Operation& op, const Schema& before, RevisionContext& ctx);
// Rules on raw SQL text (one Execute, possibly several statements) for ctx.dialect.
std::vector<Hit> sql_hits(const std::string& sql, RevisionContext& ctx);

}  // namespace tsm::lint
