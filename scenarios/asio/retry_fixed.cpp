// The fixed retry loop: it retries transient failures and lets its own cancellation end it.
// Plain Asio, no faultline in it but the scenario below.
#include <chrono>

#include <boost/asio.hpp>

#include <faultline/asio/scenario.hpp>

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

int retry_fixed_main() {
  asio::io_context io;
  int attempts = 0;
  asio::co_spawn(io, fetch_retrying_failures(attempts), asio::detached);
  io.run();
  return 0;
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
  s.spec.rules = {
      faultline::tolerated(faultline::FaultKind::throw_error, "fetch", "a failed request is retried"),
      faultline::tolerated(faultline::FaultKind::cancel, "fetch", "a cancelled fetch ends cancelled; nobody waits for it"),
  };
  s.program = faultline::asio_program(&retry_fixed_main);
  return s;
}
faultline::Registration registration(&make);
}  // namespace
