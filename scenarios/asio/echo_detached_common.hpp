#pragma once
// What the echo twins share: two clients that each wait for the echo of one message (the
// ledger's unit), the main that serves them over socket pairs, and the spec. Only the session
// differs between the twins.
#include <string>

#include <boost/asio.hpp>

#include <faultline/asio/scenario.hpp>

namespace echo_detached {

namespace asio = boost::asio;
using stream = asio::local::stream_protocol::socket;

/// Sends its message and waits for the echo; a failed exchange fails the run (exit 1).
inline asio::awaitable<void> echo_client(stream socket, int id, bool& failed) {
  std::string unit = "echo-" + std::to_string(id);
  try {
    faultline::ledger::begin(unit);
    co_await asio::async_write(socket, asio::buffer(unit), asio::use_awaitable);
    std::string reply(unit.size(), '\0');
    co_await asio::async_read(socket, asio::buffer(reply), asio::use_awaitable);
    if (reply == unit) faultline::ledger::commit(unit);
  } catch (const boost::system::system_error& e) {
    failed = true;
    if (e.code() == asio::error::operation_aborted) throw;  // cancelled: end cancelled
  }
}

/// The server's main: one session per client, each co_spawn'ed detached.
template <asio::awaitable<void> (*Session)(stream, bool&)>
int serve_two_clients() {
  asio::io_context io;
  bool failed = false;
  for (int id = 1; id <= 2; ++id) {
    stream server(io), client(io);
    asio::local::connect_pair(server, client);
    asio::co_spawn(io, Session(std::move(server), failed), asio::detached);
    asio::co_spawn(io, echo_client(std::move(client), id, failed), asio::detached);
  }
  io.run();
  return failed ? 1 : 0;
}

/// What a correct echo server does with each fault.
inline faultline::Spec spec() {
  using faultline::FaultKind;
  faultline::Spec spec;
  // NOTE: a fault in a session fails its exchange (the client sees the close and exits 1)
  // unless the echo was already sent: a write to a socket pair completes inside its initiation.
  spec.rules = {
      faultline::when(FaultKind::throw_error).losing_any_work().racing_normal_end("a failed exchange fails the run, unless its echo was already out"),
      faultline::when(FaultKind::cancel).losing_any_work().racing_normal_end("a cancelled exchange fails the run, unless its echo was already out"),
      faultline::loses_work(FaultKind::signal, "", "a signal with no handler ends the process: the echoes in flight are lost"),
      faultline::loses_work(FaultKind::exit, "", "exit() ends the process: the echoes in flight are lost"),
  };
  return spec;
}

}  // namespace echo_detached
