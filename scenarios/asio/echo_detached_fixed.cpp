// The fixed echo server: a session ends on its own errors by reporting them (the client's
// close is the normal end) and lets its cancellation end it. Plain Asio over socket pairs.
#include "echo_detached_common.hpp"

namespace asio = boost::asio;
using echo_detached::stream;

asio::awaitable<void> echo_session_guarded(stream socket, bool& failed) {
  char buf[64];
  try {
    for (;;) {
      std::size_t n = co_await socket.async_read_some(asio::buffer(buf), asio::use_awaitable);
      co_await asio::async_write(socket, asio::buffer(buf, n), asio::use_awaitable);
    }
  } catch (const boost::system::system_error& e) {
    if (e.code() == asio::error::operation_aborted) throw;  // cancelled: end cancelled
    if (e.code() != asio::error::eof) failed = true;       // reported by the exit status
  }
}

namespace {
faultline::Scenario make() {
  faultline::Scenario s;
  s.name = "asio_echo_detached_fixed";
  s.description = "plain Asio: echo sessions spawned detached, each reporting its own errors";
  s.trap = "fixed: the session catches and reports its errors";
  s.twin = "asio_echo_detached_buggy";
  s.expected_oracle = "";
  s.deterministic = false;  // real sockets
  s.spec = echo_detached::spec();
  s.program = faultline::asio_program(&echo_detached::serve_two_clients<&echo_session_guarded>);
  return s;
}
faultline::Registration registration(&make);
}  // namespace
