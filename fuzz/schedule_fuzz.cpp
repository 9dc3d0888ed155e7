// libFuzzer target: schedule text, as the CLI, reports and corpus read it. A parse either gives
// a schedule that prints back to text parsing to the same schedule, or a usage error; nothing
// else (no crash, no other exception, no sanitizer report).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <faultline/error.hpp>
#include <faultline/schedule.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  faultline::Schedule s;
  try {
    s = faultline::parse_schedule(text);
  } catch (const faultline::Error&) {
    return 0;
  }
  if (!(faultline::parse_schedule(faultline::to_string(s)) == s)) std::abort();
  return 0;
}
