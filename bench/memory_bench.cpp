// Memory over a long campaign (README "Reliability"): 100,000 persistent runs of a clean zoo
// scenario and of a program leaking 64 KiB per run; the harness's own RSS before and after,
// the worker's peak, how much it grew and how often it was replaced.
// Usage: memory_bench [RUNS]   (default 100000)
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include <faultline/sandbox.hpp>
#include <faultline/scenario.hpp>

using namespace faultline;

namespace {

std::uint64_t self_rss_kib() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind("VmRSS:", 0) == 0) return std::strtoull(line.c_str() + 6, nullptr, 10);
  return 0;
}

void measure(const char* scenario, std::uint64_t runs) {
  std::uint64_t before = self_rss_kib();
  Worker w(ExecMode::persistent);
  RunRequest req{&Registry::instance().get(scenario), {}, parse_schedule("2:throw"), 2000};
  for (std::uint64_t i = 0; i < runs; ++i) w.run(req);
  const MemoryStats& m = w.memory();
  std::printf("| %s | %llu | %llu KiB -> %llu KiB | %.1f MiB | %.1f MiB | %llu |\n", scenario, static_cast<unsigned long long>(runs),
              static_cast<unsigned long long>(before), static_cast<unsigned long long>(self_rss_kib()),
              static_cast<double>(m.peak_resident_bytes) / (1 << 20), static_cast<double>(m.grown_bytes) / (1 << 20),
              static_cast<unsigned long long>(m.recycles));
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t runs = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 100000;
  std::printf("| program | runs | harness RSS before -> after | worker peak RSS | worker growth (all) | workers replaced |\n|---|---|---|---|---|---|\n");
  measure("cancel_await_fixed", runs);
  measure("hostile_leak_64k", runs);
  return 0;
}
