#include "core/recovery/ddl_progress_log.h"

#include <map>
#include <tuple>

#include <fmt/format.h>

#include "core/base/errors.h"

namespace tsm {

void ProgressLog::ensure_table() {
  if (conn_.table_exists(kProgressTable)) return;
  TableSpec spec;
  spec.name = kProgressTable;
  spec.columns = {col::string("tree", 64).not_null(), col::string("revision", 32).not_null(),
                  col::string("direction", 16).not_null(), col::integer("statement_index").not_null(),
                  col::integer("operation_index").not_null(), col::string("state", 16).not_null(), col::text("statement").not_null(),
                  col::string("schema_before", 64).not_null().default_value(std::string()),
                  col::timestamp("completed_at").not_null().default_now()};
  spec.primary_key = {"tree", "revision", "direction", "statement_index"};
  for (const auto& st : conn_.dialect().render(CreateTable{spec}, Schema{})) conn_.execute(st.sql);
}

std::vector<IncompleteRevision> ProgressLog::incomplete() {
  std::vector<IncompleteRevision> out;
  if (!conn_.table_exists(kProgressTable)) return out;
  const Dialect& d = conn_.dialect();
  auto rows = conn_.query(fmt::format("SELECT revision, direction, statement_index, statement, operation_index, state, schema_before FROM {} "
                                      "WHERE tree = ? ORDER BY revision, direction, statement_index",
                                      d.quote(kProgressTable)),
                          {tree_});
  std::map<std::pair<std::string, std::string>, IncompleteRevision> grouped;
  for (auto& r : rows) {
    auto key = std::make_pair(r[0].value_or(""), r[1].value_or(""));
    auto& inc = grouped[key];
    inc.tree = tree_;
    inc.revision = key.first;
    auto direction = parse_direction(key.second);
    if (!direction)
      throw AttentionError(fmt::format("{} holds a row of revision {} with direction '{}' (expected upgrade or "
                                       "downgrade)", kProgressTable, key.first, key.second));
    inc.direction = *direction;
    if (r[2].value_or("0") == "0") continue;  // the "started" marker
    ProgressEntry entry{std::stoi(r[2].value_or("0")), std::stoi(r[4].value_or("-1")), r[3].value_or(""),
                        r[6].value_or("")};
    if (r[5].value_or("") == "started") {
      inc.in_doubt = entry;
      continue;
    }
    inc.completed.push_back(entry.sql);
    inc.entries.push_back(std::move(entry));
  }
  for (auto& [key, inc] : grouped) out.push_back(std::move(inc));
  return out;
}

void ProgressLog::started(const std::string& revision, Direction direction) {
  // A resumed revision already has its marker.
  conn_.query(fmt::format("DELETE FROM {} WHERE tree = ? AND revision = ? AND direction = ? AND statement_index = 0",
                          conn_.dialect().quote(kProgressTable)),
              {tree_, revision, direction_word(direction)});
  starting(revision, direction, 0, -1, "-- started");
  completed(revision, direction, 0);
}

void ProgressLog::starting(const std::string& revision, Direction direction, int index, int operation,
                           const std::string& sql, const std::string& schema_before) {
  conn_.query(fmt::format("INSERT INTO {} (tree, revision, direction, statement_index, operation_index, state, "
                          "statement, schema_before) VALUES (?, ?, ?, ?, ?, 'started', ?, ?)",
                          conn_.dialect().quote(kProgressTable)),
              {tree_, revision, direction_word(direction), std::to_string(index), std::to_string(operation), sql, schema_before});
}

void ProgressLog::completed(const std::string& revision, Direction direction, int index) {
  conn_.query(fmt::format("UPDATE {} SET state = 'done' WHERE tree = ? AND revision = ? AND direction = ? "
                          "AND statement_index = ?",
                          conn_.dialect().quote(kProgressTable)),
              {tree_, revision, direction_word(direction), std::to_string(index)});
}

void ProgressLog::failed(const std::string& revision, Direction direction, int index) {
  conn_.query(fmt::format("DELETE FROM {} WHERE tree = ? AND revision = ? AND direction = ? AND statement_index = ?",
                          conn_.dialect().quote(kProgressTable)),
              {tree_, revision, direction_word(direction), std::to_string(index)});
}

void ProgressLog::forget_operation(const std::string& revision, Direction direction, int operation) {
  conn_.query(fmt::format("DELETE FROM {} WHERE tree = ? AND revision = ? AND direction = ? AND operation_index = ?",
                          conn_.dialect().quote(kProgressTable)),
              {tree_, revision, direction_word(direction), std::to_string(operation)});
}

void ProgressLog::clear(const std::string& revision) {
  conn_.query(fmt::format("DELETE FROM {} WHERE tree = ? AND revision = ?", conn_.dialect().quote(kProgressTable)),
              {tree_, revision});
}

std::string ProgressLog::clear_sql(const std::string& revision) const {
  const Dialect& d = conn_.dialect();
  return fmt::format("DELETE FROM {} WHERE tree = {} AND revision = {}", d.quote(kProgressTable),
                     d.literal(tree_), d.literal(revision));
}

}  // namespace tsm
