// libFuzzer target: a corpus file (SCHEDULE<TAB>FLAWS<TAB>ORACLE per line). Reading it gives
// schedules or a usage error naming the line.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include <faultline/error.hpp>
#include <faultline/explorer.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string dir = [] {
    char tmpl[] = "/tmp/faultline-corpus-fuzz-XXXXXX";
    return std::string(mkdtemp(tmpl));
  }();
  std::FILE* f = std::fopen((dir + "/fuzzed.txt").c_str(), "wb");
  if (f == nullptr) return 0;
  std::fwrite(data, 1, size, f);
  std::fclose(f);
  for (const char* flaws : {"", "a_flaw"}) {
    try {
      std::vector<std::string> fl;
      if (*flaws != '\0') fl.push_back(flaws);
      faultline::read_corpus(dir, "fuzzed", fl);
    } catch (const faultline::Error&) {
    }
  }
  return 0;
}
