#pragma once
// Every failure the tool reports maps to one exit code of the CLI contract.
// Core and dialects throw these; cli/ turns them into `error:` lines and codes.
#include <stdexcept>
#include <string>

namespace tsm {

enum class ExitCode : int {
  ok = 0,
  migration_failed = 1,  // a revision failed while running
  usage = 2,             // bad option, URL, target, revision unit, several heads…
  connect = 3,           // unreachable, auth failed, no such database, missing file
  lock_timeout = 4,
  needs_attention = 5,   // unknown revision in version table, incomplete revision, legacy mismatch
  drift = 6,             // `check` found differences
  lint_findings = 7,     // `lint` found a finding of severity error
};

// `what()` is the one-line message; `details` are extra lines printed after it.
class Error : public std::runtime_error {
 public:
  Error(ExitCode code, const std::string& message, std::string details = {})
      : std::runtime_error(message), code_(code), details_(std::move(details)) {}
  ExitCode code() const { return code_; }
  const std::string& details() const { return details_; }

 private:
  ExitCode code_;
  std::string details_;
};

struct UsageError : Error {
  explicit UsageError(const std::string& m, std::string d = {}) : Error(ExitCode::usage, m, std::move(d)) {}
};
struct ConnectError : Error {
  explicit ConnectError(const std::string& m, std::string d = {}) : Error(ExitCode::connect, m, std::move(d)) {}
};
struct MigrationError : Error {
  explicit MigrationError(const std::string& m, std::string d = {})
      : Error(ExitCode::migration_failed, m, std::move(d)) {}
};
struct LockTimeoutError : Error {
  explicit LockTimeoutError(const std::string& m, std::string d = {}) : Error(ExitCode::lock_timeout, m, std::move(d)) {}
};
struct AttentionError : Error {
  explicit AttentionError(const std::string& m, std::string d = {})
      : Error(ExitCode::needs_attention, m, std::move(d)) {}
};

// A statement failed inside a dialect. The executor adds the revision id.
struct StatementError : std::runtime_error {
  StatementError(const std::string& message, std::string sql)
      : std::runtime_error(message), sql(std::move(sql)) {}
  std::string sql;
};

}  // namespace tsm
