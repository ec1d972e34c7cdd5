#include "core/recovery/run_history.h"

#include <unistd.h>

#include <fmt/format.h>

namespace tsm {
namespace {

std::string host_name() {
  char buf[256] = {0};
  if (gethostname(buf, sizeof buf - 1) != 0) return "unknown";
  return buf;
}

std::string table(const Connection& conn) { return conn.dialect().quote(kRunsTable); }

}  // namespace

const char* outcome_word(Outcome outcome) {
  switch (outcome) {
    case Outcome::running: return "running";
    case Outcome::ok: return "ok";
    case Outcome::failed: return "failed";
    case Outcome::resumed: return "resumed";
    case Outcome::undone: return "undone";
    case Outcome::interrupted: return "interrupted";
    case Outcome::rolled_back: return "rolled_back";
    case Outcome::stored_sql: return "stored_sql";
  }
  return "unknown";
}

void RunHistory::ensure_table() {
  if (conn_.table_exists(kRunsTable)) return;
  TableSpec spec;
  spec.name = kRunsTable;
  spec.columns = {col::id("id"),
                  col::string("tree", 64).not_null(),
                  col::string("revision", 32).not_null(),
                  col::string("direction", 16).not_null(),
                  col::timestamp("started_at").not_null().default_now(),
                  col::timestamp("finished_at"),
                  col::string("outcome", 16).not_null(),
                  col::string("tool_version", 32).not_null(),
                  col::string("host", 255).not_null(),
                  col::integer("pid").not_null()};
  for (const auto& st : conn_.dialect().render(CreateTable{spec}, Schema{})) conn_.execute(st.sql);
}

void RunHistory::mark_interrupted() {
  conn_.query(fmt::format("UPDATE {} SET outcome = 'interrupted' WHERE tree = ? AND outcome = 'running'", table(conn_)),
              {tree_});
}

void RunHistory::started(const std::string& revision, Direction direction) {
  conn_.query(fmt::format("INSERT INTO {} (tree, revision, direction, outcome, tool_version, host, pid) "
                          "VALUES (?, ?, ?, ?, ?, ?, ?)",
                          table(conn_)),
              {tree_, revision, direction_word(direction), outcome_word(Outcome::running), TSM_VERSION, host_name(), std::to_string(getpid())});
}

// Under the lock only this process has 'running' rows of the tree (older ones were marked
// interrupted), so tree + revision + direction + 'running' names exactly our row.
void RunHistory::finished(const std::string& revision, Direction direction, Outcome outcome) {
  // started_at's default has microseconds (DATETIME(6) DEFAULT CURRENT_TIMESTAMP(6) on MariaDB,
  // where a bare CURRENT_TIMESTAMP is whole seconds: a step could finish before it started).
  const char* now = conn_.dialect().kind() == DialectKind::mariadb ? "CURRENT_TIMESTAMP(6)" : "CURRENT_TIMESTAMP";
  conn_.query(fmt::format("UPDATE {} SET outcome = ?, finished_at = {} "
                          "WHERE tree = ? AND revision = ? AND direction = ? AND outcome = 'running'",
                          table(conn_), now),
              {outcome_word(outcome), tree_, revision, direction_word(direction)});
}

void RunHistory::record(const std::string& revision, Direction direction, Outcome outcome) {
  started(revision, direction);
  finished(revision, direction, outcome);
}

std::vector<RunRecord> RunHistory::read(Connection& conn, const std::vector<std::string>& trees) {
  std::vector<RunRecord> out;
  if (!conn.table_exists(kRunsTable)) return out;
  auto rows = conn.query(fmt::format("SELECT id, tree, revision, direction, started_at, finished_at, outcome, "
                                     "tool_version, host, pid FROM {} ORDER BY id DESC",
                                     table(conn)));
  for (auto& r : rows) {
    RunRecord rec{r[0].value_or(""), r[1].value_or(""), r[2].value_or(""), r[3].value_or(""), r[4].value_or(""),
                  r[5].value_or(""), r[6].value_or(""), r[7].value_or(""), r[8].value_or(""), r[9].value_or("")};
    for (const auto& t : trees)
      if (t == rec.tree) out.push_back(std::move(rec));
  }
  return out;
}

}  // namespace tsm
