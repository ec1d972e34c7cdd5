#include "core/run/offline_sql.h"

#include <fmt/format.h>

#include "core/base/errors.h"
#include "core/graph/sql_lexer.h"
#include "core/run/render_step.h"
#include "core/run/session_setup.h"

namespace tsm {
namespace {

// Emits statements, opening and closing transactions around those that need one.
class ScriptWriter {
 public:
  explicit ScriptWriter(const Dialect& d) : d_(d) {}
  void comment(const std::string& text) { out_ += "-- " + text + "\n"; }
  void statement(const std::string& sql, bool in_transaction = true) {
    if (d_.transactional_ddl()) {
      if (in_transaction && !open_) {
        out_ += d_.begin_sql() + "\n";
        open_ = true;
      } else if (!in_transaction && open_) {
        close();
      }
    }
    if (needs_delimiter(sql)) {
      // The mariadb client ends a statement at every ';' it sees outside quotes and comments,
      // BEGIN … END bodies included: such a statement goes between DELIMITER lines.
      std::string delimiter = "//";
      for (const char* candidate : {"//", "$$", ";;", "@@@"})
        if (sql.find(candidate) == std::string::npos) {
          delimiter = candidate;
          break;
        }
      out_ += "DELIMITER " + delimiter + "\n" + sql + delimiter + "\nDELIMITER ;\n";
      return;
    }
    out_ += sql + ";\n";
  }
  void close() {
    if (!open_) return;
    out_ += d_.commit_sql() + "\n";
    open_ = false;
  }
  bool needs_delimiter(const std::string& sql) const {
    if (d_.kind() != DialectKind::mariadb || sql.find(';') == std::string::npos) return false;
    try {
      return split_sql(sql + ";", DialectKind::mariadb, 1, /*compound_bodies=*/false).size() != 1;
    } catch (const SqlSyntaxError&) {
      return true;
    }
  }
  std::string take() {
    close();
    return std::move(out_);
  }

 private:
  const Dialect& d_;
  std::string out_;
  bool open_ = false;
};

std::string arrow(const Step& step) {
  const Revision& r = *step.revision;
  std::string parents = r.down_revisions.empty() ? "<base>" : fmt::format("{}", fmt::join(r.down_revisions, ", "));
  return step.direction == Direction::up ? fmt::format("Running upgrade {} -> {}", parents, r.id)
                                         : fmt::format("Running downgrade {} -> {}", r.id, parents);
}

}  // namespace

std::string render_offline_sql(const Workspace& ws, DialectKind kind, Direction direction, const std::string& target) {
  std::string from = "base", to = target;
  if (target.find(':') != std::string::npos) {
    std::tie(from, to) = split_range(target);
  } else if (direction == Direction::down) {
    throw UsageError("downgrade --sql needs a <from>:<to> range, e.g. 'head:base'");
  }
  PlanRequest req;
  req.direction = direction;
  req.target = to;
  req.selected_trees = ws.selected_trees();
  req.current = rows_for_range_start(ws.graph(), from, req.selected_trees);
  const Dialect& d = dialect_for(kind);

  std::string script;
  for (const Plan& plan : make_plan(ws.graph(), req)) {
    ScriptWriter w(d);
    const std::string table = ws.version_table(plan.tree);
    w.comment(fmt::format("turnstone-migrate {} {}: tree '{}' on {}", direction_word(direction),
                          target, plan.tree, dialect_name(kind)));
    if (direction == Direction::up) w.statement(d.create_version_table(table), /*in_transaction=*/!!d.transactional_ddl());
    Schema schema = ws.schema_at(plan.tree, plan.heads_before);
    for (const Step& step : plan.steps) {
      w.comment(arrow(step));
      const SessionPlan session = session_plan(*step.revision, d);
      for (const auto& sql : offline_session_open(d, session)) w.statement(sql, /*in_transaction=*/false);
      // `-- transaction: none`: every statement on its own, the version change after the last.
      const bool own_transaction = step.revision->transactional;
      for (const auto& st : render_step(d, step, schema)) w.statement(st.sql, st.in_transaction && own_transaction);
      if (session.sets(d.foreign_keys_variable()) && !d.foreign_key_check_sql().empty())
        w.comment("check before committing that no foreign key is violated: " + d.foreign_key_check_sql());
      for (const auto& sql : version_sql(d, table, step)) w.statement(sql);
      w.close();  // one transaction per revision, like an online run
      for (const auto& sql : offline_session_close(d, session)) w.statement(sql, /*in_transaction=*/false);
    }
    if (!script.empty()) script += "\n";
    script += w.take();
  }
  return script;
}

}  // namespace tsm
