// Connection pool, buggy: a request acquires the pool's only connection and releases it by
// hand after using it. A request cancelled (or failing) mid-use never releases it; every
// later request waits for a connection forever.
#include <chrono>

#include <rt/scenario.hpp>

using namespace std::chrono_literals;
using faultline::FaultKind;

namespace {

rt::Task<void> request(rt::Queue<int> pool) {
  int conn = co_await pool.get();  // acquire
  co_await rt::sleep(100ms);       // use the connection
  pool.put_nowait(conn);           // BUG: skipped when the request is cancelled or fails
}

rt::Task<int> pool_main() {
  rt::Queue<int> pool;
  pool.put_nowait(1);  // one connection
  std::vector<rt::Handle<void>> requests;
  for (int i = 0; i < 4; ++i) requests.push_back(rt::spawn(request(pool), "request"));
  co_await rt::wait(requests);
  for (auto& r : requests) (void)r.exception();  // a failed request is answered 503 and logged
  co_return 0;
}

faultline::Scenario make() {
  faultline::Scenario s;
  s.name = "connection_pool_buggy";
  s.description = "four requests share a one-connection pool; release is done by hand";
  s.trap = "a cancelled request leaks its pooled connection and starves the others";
  s.twin = "connection_pool_fixed";
  s.expected_oracle = "hung-future";
  s.spec.rules = {faultline::tolerated(FaultKind::cancel, "request", "a cancelled request is answered 503"),
                  faultline::tolerated(FaultKind::throw_error, "request", "a failed request is answered 503")};
  s.program = rt::scenario_program(&pool_main);
  return s;
}

faultline::Registration registration(&make);

}  // namespace
