// Refusals before anything is written, and the plan of work per tree.
#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <set>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/base/errors.h"
#include "core/copy/copy_internal.h"
#include "core/copy/copy_state.h"
#include "core/recovery/ddl_progress_log.h"

namespace tsm::copy_detail {
namespace {

Connection& open_pooled(std::map<std::string, std::unique_ptr<Connection>>& pool, const DatabaseUrl& url, bool for_write,
                 bool snapshot) {
  const std::string id = database_identity(url);
  auto it = pool.find(id);
  if (it != pool.end()) return *it->second;
  ConnectOptions options;
  options.create_if_missing = for_write;
  auto conn = backend_for(url.dialect).connect(url, options);
  if (snapshot) conn->begin_snapshot();
  return *pool.emplace(id, std::move(conn)).first->second;
}

bool sqlite_file_missing(const DatabaseUrl& url) {
  return url.dialect == DialectKind::sqlite && !url.is_memory() && !std::filesystem::exists(url.database);
}

std::string rows_text(const std::vector<std::string>& rows) {
  return rows.empty() ? "base" : fmt::format("{}", fmt::join(rows, ", "));
}

// The target's rows of `tree`: its version table, or those an interrupted copy set aside.
std::vector<std::string> target_rows(const Workspace& target, Connection& dst, const std::string& tree) {
  auto rows = target.read_rows(dst, tree);
  if (!rows.empty()) return rows;
  if (auto stashed = CopyState(dst).get("version:" + tree)) {
    rows = decode_key(*stashed);
    std::sort(rows.begin(), rows.end());
  }
  return rows;
}

}  // namespace

std::string database_identity(const DatabaseUrl& url) {
  if (url.dialect == DialectKind::sqlite) {
    if (url.is_memory()) return "sqlite-memory:" + std::to_string(reinterpret_cast<std::uintptr_t>(&url));
    std::error_code ec;
    auto path = std::filesystem::weakly_canonical(std::filesystem::absolute(url.database), ec);
    return "sqlite:" + (ec ? url.database : path.string());
  }
  std::string host = url.host.empty() ? url.param("host").value_or(url.param("unix_socket").value_or("localhost")) : url.host;
  if (host == "127.0.0.1" || host == "::1") host = "localhost";
  int port = url.port.value_or(url.dialect == DialectKind::postgresql ? 5432 : 3306);
  return fmt::format("{}://{}:{}/{}", dialect_name(url.dialect), host, port, url.database);
}

std::vector<TableShape> tables_in_fk_order(const Schema& schema) {
  std::vector<TableShape> out;
  std::set<std::string> placed;
  std::vector<const TableModel*> pending;
  for (const auto& [name, t] : schema.tables) pending.push_back(&t);
  while (!pending.empty()) {
    bool progressed = false;
    for (auto it = pending.begin(); it != pending.end();) {
      const TableSpec& spec = (*it)->spec;
      bool ready = std::all_of(spec.foreign_keys.begin(), spec.foreign_keys.end(), [&](const ForeignKey& fk) {
        return fk.ref_table == spec.name || placed.count(fk.ref_table) || !schema.tables.count(fk.ref_table);
      });
      if (!ready) {
        ++it;
        continue;
      }
      out.push_back(shape_of(**it));
      placed.insert(spec.name);
      it = pending.erase(it);
      progressed = true;
    }
    if (!progressed) {  // a cycle: no order satisfies every key; load the rest by name
      spdlog::warn("copy: foreign keys between {} form a cycle; loading them by name", pending.front()->spec.name);
      for (const auto* t : pending) out.push_back(shape_of(*t));
      break;
    }
  }
  return out;
}

std::vector<TreeJob> preflight(const Workspace& source, const Workspace& target, const CopyRequest& request,
                               Connections& conns) {
  const auto trees = source.selected_trees();
  // Same database on both sides: refuse before connecting to anything (exit 2).
  for (const auto& s : trees)
    for (const auto& t : trees)
      if (database_identity(source.url_for(s)) == database_identity(target.url_for(t)))
        throw UsageError(fmt::format("source and target are the same database ({})", target.url_for(t).redacted()),
                         "  copy needs a different, empty target database (--to, --to-context)");
  if (request.batch_rows == 0) throw UsageError("--batch-rows must be at least 1");

  // The source: versioned, known revisions, nothing incomplete (exit 3, 5).
  std::vector<TreeJob> jobs;
  for (const auto& tree : trees) {
    const DatabaseUrl& url = source.url_for(tree);
    if (tree != "main" && sqlite_file_missing(url) && !sqlite_file_missing(source.url_for("main"))) {
      spdlog::info("copy: tree '{}' has no database at the source ({}); skipped", tree, url.redacted());
      continue;
    }
    TreeJob job;
    job.tree = tree;
    job.src = &open_pooled(conns.source, url, /*for_write=*/false, /*snapshot=*/true);
    job.rows = source.read_rows(*job.src, tree);
    if (job.rows.empty()) {
      bool has_tables = false;
      for (const auto& name : tables_of_tree(source, tree)) has_tables = has_tables || job.src->table_exists(name);
      if (tree == "main" || has_tables)
        throw AttentionError(fmt::format("the source's tree '{}' is not versioned ({}); nothing was copied", tree,
                                         url.redacted()),
                             "  run `turnstone-migrate stamp --detect` on the source first");
      spdlog::info("copy: tree '{}' is empty at the source; skipped", tree);
      continue;
    }
    source.check_known({{tree, job.rows}});
    {  // MariaDB, or a `-- transaction: none` revision on any backend
      auto incomplete = ProgressLog(*job.src, tree).incomplete();
      if (!incomplete.empty())
        throw AttentionError(fmt::format("the source's tree '{}' has revision {} left incomplete; nothing was copied",
                                         tree, incomplete.front().revision),
                             "  finish it on the source first (rerun `upgrade`)");
    }
    job.schema = source.schema_at(tree, job.rows);
    job.tables = tables_in_fk_order(job.schema);
    jobs.push_back(std::move(job));
  }

  // The target: empty, or an earlier copy of the same revisions to resume (exit 3, 5).
  std::vector<std::string> ignore = bookkeeping_tables(target);
  ignore.push_back(kCopyTable);
  std::set<std::string> ours;  // tables of the trees being copied (shared databases hold both)
  for (const auto& job : jobs)
    for (const auto& name : tables_of_tree(target, job.tree)) ours.insert(name);
  for (auto& job : jobs) {
    job.dst = &open_pooled(conns.target, target.url_for(job.tree), /*for_write=*/!request.verify_only, false);
    const std::string where = target.url_for(job.tree).redacted();
    CopyState state(*job.dst);
    job.earlier_copy = state.has_tree(job.tree);
    if (request.verify_only) {
      auto rows = target_rows(target, *job.dst, job.tree);
      if (rows != job.rows)
        throw AttentionError(fmt::format("source and target are at different revisions of tree '{}' (source: {}; "
                                         "target: {}); nothing to verify",
                                         job.tree, rows_text(job.rows), rows_text(rows)));
      continue;
    }
    if (job.earlier_copy) {
      auto stashed = state.get("version:" + job.tree);
      auto rows = stashed ? decode_key(*stashed) : std::vector<std::string>{};
      std::sort(rows.begin(), rows.end());
      if (!request.resume)
        throw AttentionError(fmt::format("the target ({}) holds an interrupted copy of tree '{}'; nothing was written",
                                         where, job.tree),
                             "  rerun the same command with --resume to continue it");
      if (rows != job.rows)
        throw AttentionError(fmt::format("source and target are at different revisions of tree '{}' (source: {}; "
                                         "interrupted copy: {}); nothing was written",
                                         job.tree, rows_text(job.rows), rows_text(rows)),
                             "  the source was upgraded since: start again with an empty target");
      continue;
    }
    auto version_rows = target.read_rows(*job.dst, job.tree);
    std::sort(version_rows.begin(), version_rows.end());
    if (request.resume && !version_rows.empty() && version_rows == job.rows) {
      job.finished = true;
      continue;
    }
    std::vector<std::string> foreign;
    for (const auto& [name, t] : job.dst->introspect(ignore).tables)
      if (!ours.count(name) || std::none_of(jobs.begin(), jobs.end(), [&](const TreeJob& j) {
            return j.dst == job.dst && (j.earlier_copy || j.finished);
          }))
        foreign.push_back(name);
    if (!version_rows.empty() || !foreign.empty())
      throw AttentionError(
          fmt::format("the target ({}) is not empty{}; nothing was written", where,
                      !version_rows.empty() ? fmt::format(" (tree '{}' at {})", job.tree, rows_text(version_rows))
                                            : fmt::format(" (tables: {})", fmt::join(foreign, ", "))),
          "  copy loads into an empty database only (or resumes its own interrupted copy with --resume)");
  }
  return jobs;
}

}  // namespace tsm::copy_detail
