// A retry loop that swallows operation_aborted: it retries every failure, its own
// cancellation included, so a cancelled fetch ends normally. Plain Asio, no faultline in it
// but the scenario below.
#include <chrono>

#include <boost/asio.hpp>

#include <faultline/asio/scenario.hpp>

namespace asio = boost::asio;

asio::awaitable<void> fetch_retrying_everything(int& attempts) {
  asio::steady_timer request(co_await asio::this_coro::executor);
  for (;;) {
    try {
      ++attempts;
      request.expires_after(std::chrono::milliseconds(1));  // the request's round trip
      co_await request.async_wait(asio::use_awaitable);
      co_return;
    } catch (const boost::system::system_error&) {
      if (attempts >= 5) co_return;  // gives up; BUG: operation_aborted is retried like any transient error
    }
  }
}

int retry_buggy_main() {
  asio::io_context io;
  int attempts = 0;
  asio::co_spawn(io, fetch_retrying_everything(attempts), asio::detached);
  io.run();
  return 0;
}

namespace {
faultline::Scenario make() {
  faultline::Scenario s;
  s.name = "asio_retry_buggy";
  s.description = "plain Asio: a fetch retried on every error, its own cancellation included";
  s.trap = "a retry loop that swallows operation_aborted";
  s.twin = "asio_retry_fixed";
  s.expected_oracle = "swallowed-cancel";
  s.deterministic = false;  // real timers
  s.spec.rules = {
      faultline::tolerated(faultline::FaultKind::throw_error, "fetch", "a failed request is retried"),
      faultline::tolerated(faultline::FaultKind::cancel, "fetch", "a cancelled fetch ends cancelled; nobody waits for it"),
  };
  s.program = faultline::asio_program(&retry_buggy_main);
  return s;
}
faultline::Registration registration(&make);
}  // namespace
