// The fixed retry loop: it retries transient failures and lets its own cancellation end it.
// Plain Asio, no faultline in it but the scenario below.
#include <chrono>

#include "retry_common.hpp"

namespace asio = boost::asio;

asio::awaitable<void> fetch_retrying_failures(int& attempts) {
  asio::steady_timer request(co_await asio::this_coro::executor);
  for (;;) {
    try {
      ++attempts;
      request.expires_after(std::chrono::milliseconds(1));  // the request's round trip
      co_await request.async_wait(asio::use_awaitable);
      co_return;
    } catch (const boost::system::system_error& e) {
      if (e.code() == asio::error::operation_aborted) throw;  // a cancellation ends the fetch
      if (attempts >= 5) co_return;  // gives up
    }
  }
}

namespace {
faultline::Scenario make() {
  faultline::Scenario s;
  s.name = "asio_retry_fixed";
  s.description = "plain Asio: a fetch retried on transient errors, ended by its cancellation";
  s.trap = "fixed: operation_aborted is rethrown, not retried";
  s.twin = "asio_retry_buggy";
  s.expected_oracle = "";
  s.deterministic = false;  // real timers
  s.spec = retry::spec();
  s.program = faultline::asio_program(&retry::fetch_once<&fetch_retrying_failures>);
  return s;
}
faultline::Registration registration(&make);
}  // namespace
