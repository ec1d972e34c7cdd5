#pragma once
// Runs the real binary asynchronously: several processes released at the same instant (to race
// for a lock), or one process that a test SIGKILLs part-way through.
#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "tests/support/run.h"

namespace tsm::test {

// One tool process; stdout/stderr go to files in a temp dir so nothing blocks on a full pipe.
class ToolProcess {
 public:
  // Forks and execs TSM_BINARY. With a gate pipe (read end, write end) the child waits until
  // the parent closes the write end before exec, so a group of processes can start together.
  ToolProcess(const std::vector<std::string>& args, const RunOptions& options, const int* gate = nullptr);
  ~ToolProcess();  // kills (SIGKILL) and reaps a process still running
  ToolProcess(const ToolProcess&) = delete;
  ToolProcess& operator=(const ToolProcess&) = delete;

  pid_t pid() const { return pid_; }
  // True once the process has exited (reaps it).
  bool finished();
  void kill_now();  // SIGKILL
  // Waits for the exit (SIGKILL after options.timeout_seconds) and returns what it printed.
  RunResult wait();

 private:
  pid_t pid_ = -1;
  int status_ = 0;
  bool reaped_ = false;
  int timeout_seconds_;
  std::string out_path_, err_path_, dir_;
};

// Starts one process per argument list, releases them together, waits for all.
std::vector<RunResult> run_parallel(const std::vector<std::vector<std::string>>& args, const RunOptions& options);

// Starts a process, SIGKILLs it after `delay` (if it is still running) and returns what it
// printed; `killed` tells whether the kill landed before the process ended by itself.
RunResult run_and_kill(const std::vector<std::string>& args, const RunOptions& options,
                       std::chrono::milliseconds delay, bool& killed);

}  // namespace tsm::test
