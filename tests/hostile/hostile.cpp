// Programs that attack the harness, one attack each (tests/harness/hostile_test.cpp):
//  - forge_fds:        writes a forged answer on every descriptor from 3 to 1023, then ends clean
//  - close_fds:        closes every descriptor from 3 up, then ends clean
//  - escape:           lets an exception escape the program
//  - exit_mid_run:     calls exit(0) in the middle of the run; _exit_mid_run: _exit(3)
//  - grandchild_holds_output / setsid_grandchild / flooding_grandchild: start a process that
//    outlives the run (holding the output pipe, in a session of its own, or writing for ever)
//  - leak_64k:         leaks 64 KiB per run
//  - alloc_6gb:        allocates and touches 6 GiB
//  - sleep_forever:    blocks in a real sleep
// Pids of the processes they start go to $FAULTLINE_HOSTILE_PIDS (one per line), so the tests
// can check that none survived.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <stdexcept>
#include <vector>

#include <faultline/scenario.hpp>

namespace {

void note_pid(pid_t pid) {
  const char* path = std::getenv("FAULTLINE_HOSTILE_PIDS");
  if (path == nullptr) return;
  int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return;
  char line[32];
  int n = std::snprintf(line, sizeof line, "%d\n", static_cast<int>(pid));
  (void)!write(fd, line, static_cast<std::size_t>(n));
  close(fd);
}

/// Starts a process that does `body` and never ends by itself.
template <class Body>
void start_survivor(Body body) {
  pid_t pid = fork();
  if (pid == 0) {
    body();
    for (;;) pause();
  }
  if (pid > 0) note_pid(pid);
}

int forge_fds(const faultline::RunContext&) {
  // What a header looks like to a reader that trusts it: a huge length, then garbage.
  unsigned char forged[64];
  std::memset(forged, 0xff, sizeof forged);
  for (int fd = 3; fd < 1024; ++fd) (void)!write(fd, forged, sizeof forged);
  return 0;
}

int close_fds(const faultline::RunContext&) {
  for (int fd = 3; fd < 1024; ++fd) close(fd);
  return 0;
}

int escape(const faultline::RunContext&) { throw std::runtime_error("hostile: escaped the program"); }

int exit_mid_run(const faultline::RunContext&) { std::exit(0); }

int underscore_exit_mid_run(const faultline::RunContext&) { _exit(3); }

int grandchild_holds_output(const faultline::RunContext&) {
  start_survivor([] { sleep(3600); });
  std::abort();  // a crash, which must not become a hang because of the grandchild
}

int setsid_grandchild(const faultline::RunContext&) {
  start_survivor([] {
    setsid();
    sleep(3600);
  });
  return 0;
}

int flooding_grandchild(const faultline::RunContext&) {
  start_survivor([] {
    static char block[65536];
    std::memset(block, 'x', sizeof block);
    for (;;) (void)!write(STDOUT_FILENO, block, sizeof block);
  });
  return 0;
}

char* volatile last_leaked = nullptr;  // NOTE: escapes, so the compiler cannot drop the allocation

int leak_64k(const faultline::RunContext&) {
  auto* p = static_cast<char*>(std::malloc(64 * 1024));
  if (p != nullptr) std::memset(p, 1, 64 * 1024);  // touched: resident
  last_leaked = p;
  return 0;
}

int alloc_6gb(const faultline::RunContext&) {
  std::vector<char> big(6ull << 30, 1);
  return big[12345] == 1 ? 0 : 1;
}

int sleep_forever(const faultline::RunContext&) {
  for (;;) sleep(3600);
}

faultline::Scenario make(const char* name, int (*program)(const faultline::RunContext&)) {
  faultline::Scenario s;
  s.name = name;
  s.description = "hostile: attacks the harness";
  s.program = program;
  return s;
}

faultline::Registration r1(+[] { return make("hostile_forge_fds", &forge_fds); });
faultline::Registration r2(+[] { return make("hostile_close_fds", &close_fds); });
faultline::Registration r3(+[] { return make("hostile_escape", &escape); });
faultline::Registration r4(+[] { return make("hostile_exit_mid_run", &exit_mid_run); });
faultline::Registration r5(+[] { return make("hostile__exit_mid_run", &underscore_exit_mid_run); });
faultline::Registration r6(+[] { return make("hostile_grandchild_holds_output", &grandchild_holds_output); });
faultline::Registration r7(+[] { return make("hostile_setsid_grandchild", &setsid_grandchild); });
faultline::Registration r8(+[] { return make("hostile_flooding_grandchild", &flooding_grandchild); });
faultline::Registration r9(+[] { return make("hostile_leak_64k", &leak_64k); });
faultline::Registration r10(+[] { return make("hostile_alloc_6gb", &alloc_6gb); });
faultline::Registration r11(+[] { return make("hostile_sleep_forever", &sleep_forever); });

}  // namespace
