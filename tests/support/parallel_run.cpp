#include "tests/support/parallel_run.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace tsm::test {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The parent's environment with the test's overrides; TURNSTONE_* cleared unless given
// (the same rule as run_tool, so a developer's settings never leak into a test).
std::vector<std::string> child_environment(const RunOptions& options) {
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) {
    std::string kv = *e;
    std::string key = kv.substr(0, kv.find('='));
    if (key.rfind("TURNSTONE_", 0) == 0 || options.env.count(key)) continue;
    env.push_back(kv);
  }
  for (const auto& [k, v] : options.env)
    if (!v.empty()) env.push_back(k + "=" + v);
  return env;
}

}  // namespace

ToolProcess::ToolProcess(const std::vector<std::string>& args, const RunOptions& options, const int* gate)
    : timeout_seconds_(options.timeout_seconds) {
  char tmpl[] = "/tmp/tsm_proc_XXXXXX";
  if (!mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
  dir_ = tmpl;
  out_path_ = dir_ + "/out";
  err_path_ = dir_ + "/err";
  // Everything the child needs is prepared before fork: only async-signal-safe calls after it.
  std::string binary = tool_path();
  std::vector<std::string> env_strings = child_environment(options);
  std::vector<char*> argv{binary.data()};
  std::vector<std::string> arg_copy = args;
  for (auto& a : arg_copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  int out_fd = open(out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  int err_fd = open(err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (out_fd < 0 || err_fd < 0) throw std::runtime_error("cannot create output files in " + dir_);

  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    dup2(out_fd, 1);
    dup2(err_fd, 2);
    int devnull = open("/dev/null", O_RDONLY);
    dup2(devnull, 0);
    if (gate) {
      close(gate[1]);  // else this child's own copy of the write end keeps the pipe open
      char c;
      while (read(gate[0], &c, 1) < 0) {
      }
    }
    if (!options.cwd.empty() && chdir(options.cwd.c_str()) != 0) _exit(126);
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  close(out_fd);
  close(err_fd);
}

ToolProcess::~ToolProcess() {
  if (!reaped_ && pid_ > 0) {
    ::kill(pid_, SIGKILL);
    waitpid(pid_, &status_, 0);
  }
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

bool ToolProcess::finished() {
  if (reaped_) return true;
  if (waitpid(pid_, &status_, WNOHANG) == pid_) reaped_ = true;
  return reaped_;
}

void ToolProcess::kill_now() {
  if (!reaped_) ::kill(pid_, SIGKILL);
}

RunResult ToolProcess::wait() {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds_);
  while (!finished()) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill_now();
      waitpid(pid_, &status_, 0);
      reaped_ = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  RunResult r;
  r.exit_code = WIFEXITED(status_) ? WEXITSTATUS(status_) : 128 + WTERMSIG(status_);
  r.out = read_file(out_path_);
  r.err = read_file(err_path_);
  return r;
}

std::vector<RunResult> run_parallel(const std::vector<std::vector<std::string>>& args, const RunOptions& options) {
  int gate[2];
  if (pipe2(gate, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  std::vector<std::unique_ptr<ToolProcess>> procs;
  for (const auto& a : args) procs.push_back(std::make_unique<ToolProcess>(a, options, gate));
  close(gate[0]);
  close(gate[1]);  // every child's read() returns 0 now: they all exec at once
  std::vector<RunResult> results;
  for (auto& p : procs) results.push_back(p->wait());
  return results;
}

RunResult run_and_kill(const std::vector<std::string>& args, const RunOptions& options,
                       std::chrono::milliseconds delay, bool& killed) {
  ToolProcess p(args, options);
  auto deadline = std::chrono::steady_clock::now() + delay;
  killed = false;
  while (std::chrono::steady_clock::now() < deadline) {
    if (p.finished()) return p.wait();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (!p.finished()) {
    p.kill_now();
    killed = true;
  }
  return p.wait();
}

}  // namespace tsm::test
