// The fixed echo server: a session ends on its own errors by reporting them (a peer's close
// included) and lets its cancellation end it. Plain Asio over socket pairs.
#include <string>

#include <boost/asio.hpp>

#include <faultline/asio/scenario.hpp>

namespace asio = boost::asio;
using stream = asio::local::stream_protocol::socket;

asio::awaitable<void> echo_session_guarded(stream socket, bool& failed) {
  char buf[64];
  try {
    for (;;) {
      std::size_t n = co_await socket.async_read_some(asio::buffer(buf), asio::use_awaitable);
      co_await asio::async_write(socket, asio::buffer(buf, n), asio::use_awaitable);
    }
  } catch (const boost::system::system_error& e) {
    if (e.code() == asio::error::operation_aborted) throw;  // cancelled: end cancelled
    if (e.code() != asio::error::eof) failed = true;       // the client closing is the normal end
  }
}

asio::awaitable<void> echo_client_of_fixed(stream socket, int id, bool& failed) {
  std::string unit = "echo-" + std::to_string(id);
  try {
    faultline::ledger::begin(unit);
    co_await asio::async_write(socket, asio::buffer(unit), asio::use_awaitable);
    std::string reply(unit.size(), '\0');
    co_await asio::async_read(socket, asio::buffer(reply), asio::use_awaitable);
    if (reply == unit) faultline::ledger::commit(unit);
  } catch (const boost::system::system_error& e) {
    failed = true;  // reported by the exit status
    if (e.code() == asio::error::operation_aborted) throw;  // cancelled: end cancelled
  }
}

int echo_detached_fixed_main() {
  asio::io_context io;
  bool failed = false;
  for (int id = 1; id <= 2; ++id) {
    stream server(io), client(io);
    asio::local::connect_pair(server, client);
    asio::co_spawn(io, echo_session_guarded(std::move(server), failed), asio::detached);
    asio::co_spawn(io, echo_client_of_fixed(std::move(client), id, failed), asio::detached);
  }
  io.run();
  return failed ? 1 : 0;
}

namespace {
faultline::Scenario make() {
  faultline::Scenario s;
  s.name = "asio_echo_detached_fixed";
  s.description = "plain Asio: echo sessions spawned detached, each handling its own errors";
  s.trap = "fixed: the session catches and reports its errors";
  s.twin = "asio_echo_detached_buggy";
  s.expected_oracle = "";
  s.deterministic = false;  // real sockets
  // NOTE: a fault in a session fails its exchange (the client sees the close and exits 1)
  // unless the echo was already sent: a write to a socket pair completes inside its initiation.
  using faultline::FaultKind;
  s.spec.rules = {
      faultline::when(FaultKind::throw_error).losing_any_work().racing_normal_end("a failed exchange fails the run, unless its echo was already out"),
      faultline::when(FaultKind::cancel).losing_any_work().racing_normal_end("a cancelled exchange fails the run, unless its echo was already out"),
      faultline::loses_work(FaultKind::signal, "", "a signal with no handler ends the process: the echoes in flight are lost"),
      faultline::loses_work(FaultKind::exit, "", "exit() ends the process: the echoes in flight are lost"),
  };
  s.program = faultline::asio_program(&echo_detached_fixed_main);
  return s;
}
faultline::Registration registration(&make);
}  // namespace
