#pragma once
// Runs the real turnstone-migrate binary, as a deploy script would, and captures what it says.
#include <map>
#include <string>
#include <vector>

namespace tsm::test {

struct RunResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
  std::vector<std::string> out_lines() const;
};

// An environment value that sets the variable to the empty string (a "" value removes it).
inline const std::string kEmptyValue = "\x01<empty>";

struct RunOptions {
  std::string cwd;                           // empty: current directory
  std::map<std::string, std::string> env;    // added to (or, with "" value, removed from) the environment
  int timeout_seconds = 120;
};

// Runs TSM_BINARY with `args`. Never throws for a non-zero exit; throws if it cannot start.
RunResult run_tool(const std::vector<std::string>& args, const RunOptions& options = {});

// Path of the binary under test and of the source tree (compile definitions).
std::string tool_path();
std::string source_dir();

}  // namespace tsm::test
