#include "core/run/render_step.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/base/errors.h"

namespace tsm {

Step single_step(const Revision& rev, Direction direction) {
  Step step;
  step.revision = &rev;
  step.direction = direction;
  return step;
}

std::string step_label(const Step& step) {
  return fmt::format("{} {}", direction_word(step.direction), step.revision->id);
}

std::vector<RenderedOp> render_step_ops(const Dialect& dialect, const Step& step, Schema& schema) {
  std::vector<RenderedOp> out;
  auto ops = step.direction == Direction::up ? step.revision->upgrade_ops() : step.revision->downgrade_ops();
  for (const auto& op : ops) {
    std::vector<Statement> stmts;
    try {
      stmts = dialect.render(op, schema);
    } catch (const Error& e) {
      throw UsageError(fmt::format("{} ({}): cannot render {}: {}", step_label(step), step.revision->origin,
                                   describe(op), e.what()));
    }
    out.push_back({op, std::move(stmts)});
    try {
      schema.apply(op);
    } catch (const Error& e) {
      // The model cannot follow (e.g. a table created by raw SQL); rendering later ops that need
      // it will say so. Plain SQL keeps working.
      spdlog::debug("schema model: {}: {}", describe(op), e.what());
    }
  }
  return out;
}

std::vector<Statement> render_step(const Dialect& dialect, const Step& step, Schema& schema) {
  std::vector<Statement> out;
  for (auto& op : render_step_ops(dialect, step, schema))
    out.insert(out.end(), op.statements.begin(), op.statements.end());
  return out;
}

std::vector<std::string> version_sql(const Dialect& d, const std::string& table, const Step& step) {
  std::vector<std::string> out;
  for (const auto& c : step.changes) {
    switch (c.kind) {
      case VersionChange::Kind::insert: out.push_back(d.insert_version(table, c.to)); break;
      case VersionChange::Kind::remove: out.push_back(d.delete_version(table, c.from)); break;
      case VersionChange::Kind::update: out.push_back(d.update_version(table, c.from, c.to)); break;
    }
  }
  return out;
}

}  // namespace tsm
