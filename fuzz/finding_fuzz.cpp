// libFuzzer target: a .finding file, as `faultline replay --finding` reads it.
#include <cstddef>
#include <cstdint>
#include <string>

#include <faultline/error.hpp>
#include <faultline/report.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  try {
    faultline::parse_finding_file(text, "fuzzed.finding");
  } catch (const faultline::Error&) {
  }
  return 0;
}
