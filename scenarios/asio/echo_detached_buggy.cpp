// An echo server whose per-connection coroutine is co_spawn'ed detached and handles only the
// client's close: any other error (a reset, a failed write) ends the session by an exception
// that Asio's detached drops. Plain Asio over socket pairs.
#include "echo_detached_common.hpp"

namespace asio = boost::asio;
using echo_detached::stream;

asio::awaitable<void> echo_session_unguarded(stream socket, bool&) {
  char buf[64];
  try {
    for (;;) {
      std::size_t n = co_await socket.async_read_some(asio::buffer(buf), asio::use_awaitable);
      co_await asio::async_write(socket, asio::buffer(buf, n), asio::use_awaitable);
    }
  } catch (const boost::system::system_error& e) {
    if (e.code() != asio::error::eof) throw;  // BUG: every other error escapes to detached, which drops it
  }
}

namespace {
faultline::Scenario make() {
  faultline::Scenario s;
  s.name = "asio_echo_detached_buggy";
  s.description = "plain Asio: echo sessions spawned detached, only the client's close handled";
  s.trap = "seed 000 in Asio: co_spawn(..., detached) drops the exception that ends a session";
  s.twin = "asio_echo_detached_fixed";
  s.expected_oracle = "lost-exception";
  s.deterministic = false;  // real sockets
  s.spec = echo_detached::spec();
  s.program = faultline::asio_program(&echo_detached::serve_two_clients<&echo_session_unguarded>);
  return s;
}
faultline::Registration registration(&make);
}  // namespace
