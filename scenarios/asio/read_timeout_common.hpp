#pragma once
// What the read-timeout twins share: a sender of three length-prefixed messages (the ledger's
// units: begun when sent, committed when received), a receiver that races each read against a
// 10 ms timeout with awaitable_operators' `||` and polls again when the timeout wins, the main
// and the spec. Only how a message is read differs.
#include <chrono>
#include <optional>
#include <string>
#include <variant>

#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>

#include <faultline/asio/scenario.hpp>

namespace read_timeout {

namespace asio = boost::asio;
using stream = asio::local::stream_protocol::socket;
/// Reads the next message; nullopt at the end of the stream.
using reader = asio::awaitable<std::optional<std::string>> (*)(stream&, std::string& inbox);

/// Sends message-1..3, each as one length byte and its body, then closes its side.
inline asio::awaitable<void> send_messages(stream out, bool& failed) {
  try {
    for (int i = 1; i <= 3; ++i) {
      std::string body = "message-" + std::to_string(i);
      faultline::ledger::begin(body);
      std::string frame = static_cast<char>(body.size()) + body;
      co_await asio::async_write(out, asio::buffer(frame), asio::use_awaitable);
    }
  } catch (const boost::system::system_error& e) {
    failed = true;
    if (e.code() == asio::error::operation_aborted) throw;  // cancelled: end cancelled
  }
}

/// Receives until the end of the stream, each read raced against a 10 ms timeout; a peer quiet
/// for three timeouts in a row is gone.
// NOTE: the receiver cannot count on seeing the end of the stream twice: once a read has taken
// it (and failed, or lost the race), Asio's edge-triggered reactor reports nothing more on that
// socket, and every later read waits. Hence the three quiet timeouts.
template <reader Read>
asio::awaitable<void> receive_with_timeout(stream in) {
  using namespace asio::experimental::awaitable_operators;
  asio::steady_timer timeout(co_await asio::this_coro::executor);
  std::string inbox;  // what the connection has read and not handed out yet
  for (int quiet = 0; quiet < 3;) {
    timeout.expires_after(std::chrono::milliseconds(10));
    std::variant<std::optional<std::string>, std::monostate> raced;
    try {
      raced = co_await (Read(in, inbox) || timeout.async_wait(asio::use_awaitable));
    } catch (const asio::multiple_exceptions&) {
      // NOTE: the read and the timeout both failed: poll again. The receiver's own
      // cancellation ends it at its next co_await (Asio's throw_if_cancelled).
      ++quiet;
      continue;
    }
    if (raced.index() == 1) {  // nothing within the timeout: poll again
      ++quiet;
      continue;
    }
    quiet = 0;
    std::optional<std::string> message = std::get<0>(std::move(raced));
    if (!message) co_return;  // the sender is done
    faultline::ledger::commit(*message);
  }
}

/// The program's main: a sender and a receiver over a socket pair.
template <reader Read>
int send_and_receive() {
  asio::io_context io;
  stream out(io), in(io);
  asio::local::connect_pair(out, in);
  bool failed = false;
  asio::co_spawn(io, send_messages(std::move(out), failed), asio::detached);
  asio::co_spawn(io, receive_with_timeout<Read>(std::move(in)), asio::detached);
  io.run();
  return failed ? 1 : 0;
}

/// What a correct receiver does with each fault.
inline faultline::Spec spec() {
  using faultline::FaultKind;
  faultline::Spec spec;
  spec.rules = {
      // NOTE: `||` waits for one branch to succeed: a read that fails or is cancelled leaves the
      // timeout to win, and the receiver polls again; what the read had taken must not be lost.
      faultline::when(FaultKind::cancel).in_task("read_message").tolerated("a read cut short is read again"),
      faultline::when(FaultKind::throw_error).in_task("read_message").tolerated("a failed read is read again"),
      faultline::when(FaultKind::cancel).in_task("spawned_operation").tolerated("a timeout cut short lets the read win"),
      faultline::when(FaultKind::throw_error).in_task("spawned_operation").tolerated("a failed timeout lets the read win"),
      faultline::when(FaultKind::cancel).in_task("send_messages").losing_own_work().racing_normal_end("a cancelled sender fails the run; the message it was sending is lost, unless it was out"),
      faultline::when(FaultKind::throw_error).in_task("send_messages").losing_own_work().racing_normal_end("a failed send fails the run; its message is lost, unless it was out"),
      faultline::loses_work(FaultKind::signal, "", "a signal with no handler ends the process: the messages in flight are lost"),
      faultline::loses_work(FaultKind::exit, "", "exit() ends the process: the messages in flight are lost"),
  };
  return spec;
}

}  // namespace read_timeout
