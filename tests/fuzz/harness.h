#pragma once
// The fuzz harnesses: one function per parser, each taking arbitrary bytes. The same function is
// the body of the libFuzzer target fuzz_<name> (fuzz_main.cpp, clang with ASan and UBSan, built
// with -DTSM_FUZZ=ON by bench/fuzz/run) and of the replay test (replay.cpp, any compiler, part of
// the normal test run), which feeds it every file of tests/fuzz/corpus/<name>/ and
// tests/fuzz/crashes/<name>/.
//
// A harness returns normally for any input the code handles: a result, or one of the errors the
// contract expects (tsm::Error and its subclasses, SqlSyntaxError where documented). Anything else
// is a bug: a crash or sanitizer report, a hang, another exception escaping, or an
// InvariantViolation thrown by TSM_FUZZ_CHECK. Under libFuzzer an escaping exception ends in
// std::terminate, so it is reported and saved like a crash; the replay test reports it with the
// input's file name.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace tsm::fuzz {

struct InvariantViolation : std::logic_error {
  using std::logic_error::logic_error;
};

// The harnesses (name: the folder under tests/fuzz/corpus/ and the target fuzz_<name>).
int fuzz_url(const std::uint8_t* data, std::size_t size);            // url: parse_url, redaction
int fuzz_target(const std::uint8_t* data, std::size_t size);         // target: the target grammar
int fuzz_sql_unit(const std::uint8_t* data, std::size_t size);       // sql_unit: parse_sql_unit
int fuzz_split_sql(const std::uint8_t* data, std::size_t size);      // split_sql: every dialect
int fuzz_version_rows(const std::uint8_t* data, std::size_t size);   // version_rows: rows → plans

}  // namespace tsm::fuzz

// Checks a property the code promises; `detail` (a std::string expression) is built only on failure.
#define TSM_FUZZ_CHECK(cond, detail)                                                                    \
  do {                                                                                                  \
    if (!(cond)) throw ::tsm::fuzz::InvariantViolation(std::string("invariant failed: " #cond ": ") + \
                                                       std::string(detail));                           \
  } while (false)
