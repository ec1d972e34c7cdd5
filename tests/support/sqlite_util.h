#pragma once
// Helpers for the SQLite integration tests: run operations the way the executor does (one
// transaction per operation, statements marked in_transaction=false between COMMIT and BEGIN)
// and keep the replayed Schema in step.
#include <string>
#include <vector>

#include "core/dialect.h"
#include "core/model/schema.h"

namespace tsm::sqlite_test {

inline void run_op(Connection& c, Schema& schema, const Operation& op) {
  auto statements = c.dialect().render(op, schema);
  c.begin();
  try {
    for (const auto& st : statements) {
      if (st.in_transaction) {
        c.execute(st.sql);
      } else {
        c.commit();
        c.execute(st.sql);
        c.begin();
      }
    }
    c.commit();
  } catch (...) {
    c.rollback();
    throw;
  }
  schema.apply(op);
}

inline void run_ops(Connection& c, Schema& schema, const Ops& ops) {
  for (const auto& op : ops.operations()) run_op(c, schema, op);
}

// Differences between the replayed schema (through the dialect) and the live database.
inline std::vector<std::string> drift(Connection& c, const Schema& schema) {
  return diff(c.dialect().describe(schema), c.introspect({"alembic_version"}));
}

inline std::vector<std::string> strings(Connection& c, const std::string& sql,
                                        const std::vector<std::string>& params = {}) {
  std::vector<std::string> out;
  for (auto& row : c.query(sql, params)) out.push_back(row.at(0).value_or("NULL"));
  return out;
}

}  // namespace tsm::sqlite_test
