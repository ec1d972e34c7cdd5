#include "core/progress.h"

#include <map>
#include <tuple>

#include <fmt/format.h>

namespace tsm {

void ProgressLog::ensure_table() {
  if (conn_.table_exists(kProgressTable)) return;
  TableSpec spec;
  spec.name = kProgressTable;
  spec.columns = {col::string("tree", 64).not_null(), col::string("revision", 32).not_null(),
                  col::string("direction", 16).not_null(), col::integer("statement_index").not_null(),
                  col::text("statement").not_null(), col::timestamp("completed_at").not_null().default_now()};
  spec.primary_key = {"tree", "revision", "direction", "statement_index"};
  for (const auto& st : conn_.dialect().render(CreateTable{spec}, Schema{})) conn_.execute(st.sql);
}

std::vector<IncompleteRevision> ProgressLog::incomplete() {
  std::vector<IncompleteRevision> out;
  if (!conn_.table_exists(kProgressTable)) return out;
  const Dialect& d = conn_.dialect();
  auto rows = conn_.query(fmt::format("SELECT revision, direction, statement_index, statement FROM {} "
                                      "WHERE tree = ? ORDER BY revision, direction, statement_index",
                                      d.quote(kProgressTable)),
                          {tree_});
  std::map<std::pair<std::string, std::string>, IncompleteRevision> grouped;
  for (auto& r : rows) {
    auto key = std::make_pair(r[0].value_or(""), r[1].value_or(""));
    auto& inc = grouped[key];
    inc.tree = tree_;
    inc.revision = key.first;
    inc.direction = key.second;
    if (r[2].value_or("0") != "0") inc.completed.push_back(r[3].value_or(""));
  }
  for (auto& [key, inc] : grouped) out.push_back(std::move(inc));
  return out;
}

void ProgressLog::started(const std::string& revision, const std::string& direction) {
  completed(revision, direction, 0, "-- started");
}

void ProgressLog::completed(const std::string& revision, const std::string& direction, int index,
                            const std::string& sql) {
  conn_.query(fmt::format("INSERT INTO {} (tree, revision, direction, statement_index, statement) "
                          "VALUES (?, ?, ?, ?, ?)",
                          conn_.dialect().quote(kProgressTable)),
              {tree_, revision, direction, std::to_string(index), sql});
}

std::string ProgressLog::clear_sql(const std::string& revision) const {
  const Dialect& d = conn_.dialect();
  return fmt::format("DELETE FROM {} WHERE tree = {} AND revision = {}", d.quote(kProgressTable),
                     d.literal(tree_), d.literal(revision));
}

}  // namespace tsm
