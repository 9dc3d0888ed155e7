// A retry loop that swallows operation_aborted: it retries every failure, its own
// cancellation included, so a cancelled fetch ends normally. Plain Asio, no faultline in it
// but the scenario below.
#include <chrono>

#include "retry_common.hpp"

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

namespace {
faultline::Scenario make() {
  faultline::Scenario s;
  s.name = "asio_retry_buggy";
  s.description = "plain Asio: a fetch retried on every error, its own cancellation included";
  s.trap = "a retry loop that swallows operation_aborted";
  s.twin = "asio_retry_fixed";
  s.expected_oracle = "swallowed-cancel";
  s.deterministic = false;  // real timers
  s.spec = retry::spec();
  s.program = faultline::asio_program(&retry::fetch_once<&fetch_retrying_everything>);
  return s;
}
faultline::Registration registration(&make);
}  // namespace
