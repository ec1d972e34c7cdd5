// The libFuzzer entry point of fuzz_<name>: compiled once per harness with
// -DTSM_FUZZ_HARNESS=fuzz_<name> (tests/fuzz/CMakeLists.txt, TSM_FUZZ=ON, clang only).
#include <spdlog/spdlog.h>

#include "tests/fuzz/harness.h"

#ifndef TSM_FUZZ_HARNESS
#error "compile with -DTSM_FUZZ_HARNESS=fuzz_<name>"
#endif

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  spdlog::set_level(spdlog::level::off);  // warnings of the code under test are no findings
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return tsm::fuzz::TSM_FUZZ_HARNESS(data, size);
}
