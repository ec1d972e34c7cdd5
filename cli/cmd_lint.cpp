// lint: what the pending revisions would do to a busy database (core/lint/), one line per
// finding or one --json document; exit 7 when a finding has severity error.
#include <map>
#include <string>

#include <fmt/format.h>

#include "cli/commands.h"
#include "core/base/errors.h"
#include "core/lint/lint.h"

namespace tsm::cli {
namespace {

struct LintOptions {
  std::string range;
  bool offline = false;
};

Json finding_json(const lint::Finding& f) {
  Json j;
  j["severity"] = lint::severity_name(f.severity);
  j["rule"] = f.rule;
  j["title"] = f.title;
  j["revision"] = f.revision;
  j["origin"] = f.origin;
  j["tree"] = f.tree;
  j["table"] = f.table.empty() ? Json(nullptr) : Json(f.table);
  j["what"] = f.what;
  Json effects = Json::array();
  for (auto e : f.effects) effects.push_back(lint::effect_text(e));
  j["effects"] = effects;
  j["alternative"] = f.alternative;
  j["rows"] = f.size && f.size->rows ? Json(*f.size->rows) : Json(nullptr);
  j["bytes"] = f.size && f.size->bytes ? Json(*f.size->bytes) : Json(nullptr);
  j["rows_exact"] = f.size ? Json(f.size->exact) : Json(nullptr);
  j["estimate_seconds"] = f.estimate_seconds ? Json(*f.estimate_seconds) : Json(nullptr);
  j["waived"] = !f.waiver.empty();
  j["waiver"] = f.waiver.empty() ? Json(nullptr) : Json(f.waiver);
  return j;
}

int run_lint(const GlobalOptions& g, const LintOptions& o) {
  Workspace ws(g.settings());
  lint::Request req;
  if (!g.dialect.empty()) req.dialect = parse_dialect(g.dialect);
  req.range = o.range;
  req.offline = o.offline;
  if (req.offline && !req.dialect) req.dialect = ws.url_for("main").dialect;
  const lint::Report rep = lint::lint_workspace(ws, req);

  std::map<lint::Severity, int> counts;
  std::string text;
  Json findings = Json::array();
  for (const auto& f : rep.findings) {
    ++counts[f.severity];
    text += lint::format_finding(f) + "\n";
    findings.push_back(finding_json(f));
  }
  const int errors = counts[lint::Severity::error];
  text += fmt::format("lint: {} revision(s) on {} ({}): {} error(s), {} warning(s), {} info\n", rep.revisions.size(),
                      dialect_name(rep.dialect), rep.source, errors, counts[lint::Severity::warning],
                      counts[lint::Severity::info]);
  Json j;
  j["command"] = "lint";
  j["dialect"] = dialect_name(rep.dialect);
  j["connected"] = rep.connected;
  j["source"] = rep.source;
  j["revisions"] = rep.revisions;
  j["findings"] = findings;
  j["counts"] = Json{{"error", errors},
                     {"warning", counts[lint::Severity::warning]},
                     {"info", counts[lint::Severity::info]}};
  emit(g, text, j);
  return errors > 0 ? static_cast<int>(ExitCode::lint_findings) : 0;
}

}  // namespace

void add_lint_command(CLI::App& app, GlobalOptions& g, Action& run) {
  static LintOptions o;
  auto* c = app.add_subcommand("lint",
                               "report what the pending revisions would block, rewrite or destroy (exit 7 on an "
                               "error finding)");
  c->fallthrough();
  c->add_option("range", o.range,
                "from:to (as with --sql), or a target; default: the revisions the database has not applied");
  c->add_flag("--offline", o.offline, "do not connect: lint every revision for --dialect (or the URL's dialect)");
  c->callback([&] { run = [&] { return run_lint(g, o); }; });
}

}  // namespace tsm::cli
