// A correct program whose retries are bounded: a fetch is tried three times, and when every
// attempt fails the program fails (exit 1), as it should. Two failed attempts are tolerated;
// a third may end the run. Its spec says so with `tolerated_up_to`, and the whole tree to
// depth 3 must stay clean.
#include <chrono>
#include <stdexcept>

#include "program.hpp"

using namespace std::chrono_literals;
using faultline::FaultKind;

namespace {

rt::Task<void> fetch() { co_await rt::sleep(20ms); }

rt::Task<int> bounded_main() {
  for (int attempt = 0; attempt < 3; ++attempt) {
    try {
      co_await fetch();
      co_return 0;
    } catch (const faultline::InjectedError&) {
    }
  }
  throw std::runtime_error("the fetch failed three times");  // a correct failure: exit 1
}

faultline::Registration registration(+[] {
  faultline::Scenario s = test_programs::program("bounded_retry_fixed", &bounded_main, "fails, correctly, when three fetches fail");
  s.spec.rules = {faultline::when(FaultKind::throw_error).in_task("main").tolerated_up_to(2, "a failed fetch is tried again, twice")};
  return s;
});

}  // namespace
