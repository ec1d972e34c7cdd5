#include "core/lint/lint.h"
#include "core/run/online_forms.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "core/base/errors.h"
#include "core/lint/hits.h"

namespace tsm::lint {
namespace {

// The target for the worst writer stall; above a second a migration visibly stalls
// Turnstone's ingest.
constexpr double kInfoUpTo = 0.2;
constexpr double kWarningUpTo = 1.0;
// Without a row count, rows ≈ bytes / this (a log row is ~196 bytes; indexes add to the bytes).
constexpr std::int64_t kBytesPerRow = 200;

struct Pending {
  Hit hit;
  const Step* step;
};

Severity decide(const Hit& h, const Rule& r, std::optional<std::int64_t> rows, std::optional<double> estimate) {
  switch (h.scale) {
    case Hit::Scale::fixed: return r.severity;
    case Hit::Scale::rows: return rows && *rows == 0 ? Severity::info : r.severity;
    case Hit::Scale::time:
      if (!rows) return r.severity;
      if (*rows == 0 || (estimate && *estimate <= kInfoUpTo)) return Severity::info;
      if (!estimate || *estimate <= kWarningUpTo) return Severity::warning;
      return Severity::error;
  }
  return r.severity;
}

Finding finish(const Pending& p, const std::string& tree, const Sizes& sizes) {
  const Hit& h = p.hit;
  const Rule& r = rule(h.rule);
  Finding f;
  f.rule = r.id;
  f.title = r.title;
  f.revision = p.step->revision->id;
  f.origin = p.step->revision->origin;
  f.tree = tree;
  f.table = h.table;
  f.what = h.what;
  f.effects = h.effects;
  f.alternative = r.alternative;
  if (sizes.known && !h.table.empty()) {
    auto it = sizes.tables.find(h.table);
    f.size = it != sizes.tables.end() ? it->second : TableSize{std::int64_t{0}, std::nullopt, true};
  }
  std::optional<std::int64_t> rows;
  if (f.size) rows = f.size->rows ? f.size->rows : f.size->bytes ? std::optional<std::int64_t>(*f.size->bytes / kBytesPerRow) : std::nullopt;
  if (rows && rows_per_second(h.work) > 0) f.estimate_seconds = static_cast<double>(*rows) / rows_per_second(h.work);
  f.severity = decide(h, r, rows, f.estimate_seconds);
  for (const auto& w : p.step->revision->lint_waivers)
    if (w.rule == f.rule) {
      f.severity = Severity::info;
      f.waiver = w.reason;
    }
  return f;
}

}  // namespace

std::vector<Finding> lint_steps(const std::vector<Step>& steps, DialectKind dialect, Schema schema,
                                const std::string& tree, const SizeLookup& sizes) {
  std::vector<Pending> pending;
  for (const Step& step : steps) {
    RevisionContext ctx;
    ctx.dialect = dialect;
    auto ops = step.direction == Direction::up ? step.revision->upgrade_ops() : step.revision->downgrade_ops();
    ctx.online_in_pieces = rerunnable_in_pieces(ops);
    for (const auto& op : ops) {
      for (auto& h : op_hits(op, schema, ctx)) pending.push_back({std::move(h), &step});
      try {
        schema.apply(op);
      } catch (const Error&) {
        // The model cannot follow (a table made by raw SQL): later rules see less, as render does.
      }
    }
  }
  std::set<std::string> tables;
  for (const auto& p : pending)
    if (!p.hit.table.empty()) tables.insert(p.hit.table);
  Sizes known = sizes && !tables.empty() ? sizes(tree, {tables.begin(), tables.end()}) : Sizes{};
  std::vector<Finding> out;
  for (const auto& p : pending) out.push_back(finish(p, tree, known));
  return out;
}

std::string size_note(const Finding& f) {
  if (!f.size) return {};
  std::string note;
  if (f.size->rows)
    note = fmt::format("{} has {} rows{}", f.table, *f.size->rows, f.size->exact ? "" : " (server estimate)");
  else if (f.size->bytes)
    note = fmt::format("{} has {} bytes", f.table, *f.size->bytes);
  if (f.estimate_seconds)
    note += fmt::format("; estimated {:.1f} s of work (rule of thumb, see docs/lint.md)", *f.estimate_seconds);
  return note;
}

std::string format_finding(const Finding& f) {
  std::vector<std::string> effects;
  for (auto e : f.effects) effects.push_back(effect_text(e));
  std::string line = fmt::format("{} {} {} {}: {}", severity_name(f.severity), f.rule, f.revision,
                                 f.table.empty() ? "-" : f.table, f.what);
  if (!effects.empty()) line += fmt::format(" — {}", fmt::join(effects, "; "));
  std::string note = size_note(f);
  if (!note.empty()) line += " [" + note + "]";
  line += " → safe: " + f.alternative;
  if (!f.waiver.empty()) line += " (waived: " + f.waiver + ")";
  return line;
}

bool has_error(const std::vector<Finding>& findings) {
  return std::any_of(findings.begin(), findings.end(), [](const Finding& f) { return f.severity == Severity::error; });
}

}  // namespace tsm::lint
