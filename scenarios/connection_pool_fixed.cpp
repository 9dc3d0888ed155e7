// Connection pool, fixed: the connection is taken synchronously after waiting for one to be
// free (no await between taking it and owning it) and released by a guard on every path.
#include <chrono>
#include <optional>

#include <rt/scenario.hpp>

using namespace std::chrono_literals;
using faultline::FaultKind;

namespace {

/// Gives the connection back to the pool however the request ends.
class Lease {
 public:
  Lease(rt::Queue<int> pool, int conn) : pool_(std::move(pool)), conn_(conn) {}
  ~Lease() { pool_.put_nowait(conn_); }
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;

 private:
  rt::Queue<int> pool_;
  int conn_;
};

rt::Task<void> request(rt::Queue<int> pool) {
  std::optional<int> conn;
  while (!conn) {
    co_await pool.wait_not_empty();  // FIX: nothing is taken at the await
    conn = pool.get_nowait();
  }
  Lease lease(pool, *conn);          // FIX: released on every path
  co_await rt::sleep(100ms);         // use the connection
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
  s.name = "connection_pool_fixed";
  s.description = "four requests share a one-connection pool; a guard releases it";
  s.trap = "fixed: cancel-safe acquire and release on every path";
  s.twin = "connection_pool_buggy";
  s.spec.rules = {faultline::tolerated(FaultKind::cancel, "request", "a cancelled request is answered 503"),
                  faultline::tolerated(FaultKind::throw_error, "request", "a failed request is answered 503")};
  s.program = rt::scenario_program(&pool_main);
  return s;
}

faultline::Registration registration(&make);

}  // namespace
