#pragma once
// Each add_* registers subcommands on the app; the chosen one stores its action in `run`,
// which main() calls after parsing. Actions return the exit code.
#include <functional>

#include <CLI/CLI.hpp>

#include "cli/global_options.h"

namespace tsm::cli {

using Action = std::function<int()>;

void add_migrate_commands(CLI::App& app, GlobalOptions& g, Action& run);   // upgrade, downgrade, stamp
void add_inspect_commands(CLI::App& app, GlobalOptions& g, Action& run);   // current, heads, branches, history, show
void add_scaffold_commands(CLI::App& app, GlobalOptions& g, Action& run);  // revision, merge
void add_check_command(CLI::App& app, GlobalOptions& g, Action& run);      // check
void add_lint_command(CLI::App& app, GlobalOptions& g, Action& run);       // lint
void add_copy_command(CLI::App& app, GlobalOptions& g, Action& run);       // copy

}  // namespace tsm::cli

namespace tsm::cli {
// stamp --detect (in cmd_check.cpp, beside `check`: both compare the live schema).
int run_detect(const GlobalOptions& g, const Workspace& ws);
}  // namespace tsm::cli
