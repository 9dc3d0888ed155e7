#include <inventory/service.hpp>

#include <chrono>
#include <exception>
#include <string>

#include <faultline/ledger.hpp>

using namespace std::chrono_literals;

namespace inventory {

// The storage layer: everything here runs inside the retry loop.
namespace storage {

/// One write to the database: connect, then write (here, simulated latencies).
rt::Task<void> database_write(int /*order*/) {
  co_await rt::sleep(20ms);
  co_await rt::sleep(50ms);
}

/// Writes an order, retrying transient failures: three attempts, 100 ms apart.
rt::Task<void> store_with_retry(int order) {
  for (int attempt = 1;; ++attempt) {
    try {
      if (attempt > 1) co_await rt::sleep(100ms);  // back off before trying again
      co_await database_write(order);
      co_return;
#ifdef INVENTORY_FIXED
    } catch (const std::exception&) {  // the fix: errors only; a cancellation or an exit goes on
#else
    } catch (...) {  // PLANTED BUG: also catches rt::Cancelled and rt::ExitRequest, and retries
#endif
      if (attempt == 3) throw;
    }
  }
}

}  // namespace storage

rt::Task<int> serve(int orders) {
  for (int n = 1; n <= orders; ++n) {
    std::string unit = "order-" + std::to_string(n);
    faultline::ledger::begin(unit);  // accepted: from here on it must not be lost
    co_await storage::store_with_retry(n);
    faultline::ledger::commit(unit);  // stored
  }
  co_return 0;
}

}  // namespace inventory
