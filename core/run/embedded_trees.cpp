#include "core/run/embedded_trees.h"

#include <set>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/base/errors.h"
#include "core/run/executor.h"
#include "core/run/render_step.h"

namespace tsm {
namespace {

bool same_database(const DatabaseUrl& a, const DatabaseUrl& b) {
  return a.dialect == b.dialect && a.host == b.host && a.port == b.port && a.database == b.database &&
         !a.is_memory() && !b.is_memory();
}

// Copies every row of `table` (the model's columns) from one database to the other, replacing
// what the target holds: the target was created by this relocation, so it holds only copies.
void copy_table(Connection& from, Connection& to, const TableModel& table) {
  const Dialect& fd = from.dialect();
  const Dialect& td = to.dialect();
  std::vector<std::string> cols;
  std::string select;
  for (const auto& c : table.spec.columns) {
    cols.push_back(c.name);
    select += (select.empty() ? "SELECT " : ", ") + fd.quote(c.name);
  }
  auto rows = from.query(select + " FROM " + fd.quote(table.spec.name));
  to.execute("DELETE FROM " + td.quote(table.spec.name));
  for (const auto& row : rows) {
    // Parameters bind text; a NULL is kept by leaving its column out of the INSERT.
    std::string names, marks;
    std::vector<std::string> params;
    for (size_t i = 0; i < row.size(); ++i) {
      if (!row[i]) continue;
      names += (names.empty() ? "" : ", ") + td.quote(cols[i]);
      marks += marks.empty() ? "?" : ", ?";
      params.push_back(*row[i]);
    }
    to.query(fmt::format("INSERT INTO {} ({}) VALUES ({})", td.quote(table.spec.name), names, marks), params);
  }
  auto count = to.query("SELECT COUNT(*) FROM " + td.quote(table.spec.name));
  if (count.empty() || !count[0][0] || std::stoull(*count[0][0]) != rows.size())
    throw MigrationError(fmt::format("moving {}: copied row count does not match ({} expected)", table.spec.name,
                                     rows.size()));
}

}  // namespace

std::vector<EmbeddedTree> find_embedded_trees(const Workspace& ws) {
  std::vector<EmbeddedTree> out;
  const DatabaseUrl& main_url = ws.url_for("main");
  if (main_url.is_memory()) return out;
  std::unique_ptr<Connection> main;
  for (const auto& tree : ws.graph().trees()) {
    if (tree == "main" || same_database(ws.url_for(tree), main_url)) continue;
    if (!main) {
      try {
        main = ws.connect("main", /*for_write=*/false);
      } catch (const ConnectError&) {
        return out;  // no main database yet: nothing embedded
      }
    }
    if (!main->table_exists(ws.version_table(tree))) continue;
    auto rows = ws.read_rows(*main, tree);
    if (!rows.empty()) out.push_back({tree, rows});
  }
  return out;
}

std::vector<std::string> relocate_embedded_trees(const Workspace& ws) {
  std::vector<std::string> moved;
  for (const auto& emb : find_embedded_trees(ws)) {
    const std::string& tree = emb.tree;
    spdlog::info("moving the embedded '{}' tree from {} to {}", tree, ws.url_for("main").redacted(),
                 ws.url_for(tree).redacted());
    ws.check_known({{tree, emb.rows}});

    // 1. Its own database at the embedded revision (a rerun finds it there already).
    Settings s = ws.settings();
    s.tree = tree;
    Workspace own(s);
    auto target_rows = own.read_rows(/*missing_ok=*/true)[tree];
    if (target_rows.empty()) {
      for (const auto& rev : emb.rows) migrate(own, Direction::up, rev);
    } else if (target_rows != emb.rows) {
      throw AttentionError(fmt::format("tree '{}' is both embedded in the main database (at {}) and in its own "
                                       "database (at {}); move it by hand",
                                       tree, fmt::join(emb.rows, ", "), fmt::join(target_rows, ", ")));
    }

    // 2. Rows, replaced wholesale: idempotent across reruns.
    auto main = ws.connect("main", /*for_write=*/true);
    auto target = own.connect(tree, /*for_write=*/true);
    auto lock = target->acquire_lock(tree, ws.settings().lock_timeout, [](const std::string&) {});
    Schema schema = ws.schema_at(tree, emb.rows);
    target->begin();
    try {
      for (const auto& [name, table] : schema.tables) copy_table(*main, *target, table);
      target->commit();
    } catch (...) {
      target->rollback();
      throw;
    }

    // 3. Drop the embedded copy and its marker together.
    const Dialect& d = main->dialect();
    std::set<std::string> applied;
    for (const auto& rev : emb.rows)
      for (const auto& a : ws.graph().ancestors(rev)) applied.insert(a);
    std::vector<Statement> drops;
    auto order = ws.graph().topological(tree);
    for (auto it = order.rbegin(); it != order.rend(); ++it) {
      if (!applied.count((*it)->id)) continue;
      Step step;
      step.revision = *it;
      step.direction = Direction::down;
      for (auto& st : render_step(d, step, schema)) drops.push_back(st);
    }
    main->begin();
    try {
      for (const auto& st : drops) main->execute(st.sql);
      main->execute("DROP TABLE " + d.quote(ws.version_table(tree)));
      main->commit();
    } catch (const StatementError& e) {
      main->rollback();
      throw MigrationError(fmt::format("moving tree '{}': cannot drop the embedded copy: {}", tree, e.what()),
                           "  statement: " + e.sql);
    }
    spdlog::info("moved the '{}' tree: {} table(s), none left in the main database", tree, schema.tables.size());
    moved.push_back(tree);
  }
  return moved;
}

}  // namespace tsm
