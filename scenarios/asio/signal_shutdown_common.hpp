#pragma once
// What the signal-shutdown twins share: a shipper that writes records to its peer one by one
// (the ledger's units: begun when a record is taken, committed when the peer has it), the peer,
// the wait for INT/TERM/HUP, the main and the spec. Only what the program does when a signal
// comes differs.
#include <csignal>
#include <chrono>
#include <string>

#include <boost/asio.hpp>

#include <faultline/asio/scenario.hpp>

namespace signal_shutdown {

namespace asio = boost::asio;
using stream = asio::local::stream_protocol::socket;

/// Ships three records, each after a 1 ms batching delay, and starts no new one once
/// `stopping` is set. When it ends, its socket closes (the peer sees the end of the stream)
/// and the wait for signals is cancelled: there is nothing left to stop.
inline asio::awaitable<void> ship_records(stream out, asio::signal_set& signals, const bool& stopping, bool& failed) {
  asio::steady_timer batch(co_await asio::this_coro::executor);
  try {
    for (int i = 1; i <= 3 && !stopping; ++i) {
      std::string record = "record-" + std::to_string(i);
      faultline::ledger::begin(record);
      batch.expires_after(std::chrono::milliseconds(1));
      co_await batch.async_wait(asio::use_awaitable);
      std::string line = record + "\n";
      co_await asio::async_write(out, asio::buffer(line), asio::use_awaitable);
    }
  } catch (const boost::system::system_error& e) {
    failed = true;
    signals.cancel();
    if (e.code() == asio::error::operation_aborted) throw;  // cancelled: end cancelled
    co_return;
  }
  signals.cancel();
}

/// The peer: commits each record it receives, until the end of the stream.
inline asio::awaitable<void> receive_records(stream in, bool& failed) {
  std::string inbox;
  try {
    for (;;) {
      std::size_t n = co_await asio::async_read_until(in, asio::dynamic_buffer(inbox), '\n', asio::use_awaitable);
      faultline::ledger::commit(inbox.substr(0, n - 1));
      inbox.erase(0, n);
    }
  } catch (const boost::system::system_error& e) {
    if (e.code() == asio::error::eof) co_return;  // the shipper is done
    failed = true;
    if (e.code() == asio::error::operation_aborted) throw;
  }
}

/// True when INT, TERM or HUP came; false when the wait was cancelled (shipping is over) or
/// failed (nothing can stop the shipping then: it runs to its end).
inline asio::awaitable<bool> wait_for_stop_signal(asio::signal_set& signals) {
  try {
    co_await signals.async_wait(asio::use_awaitable);
    co_return true;
  } catch (const boost::system::system_error& e) {
    if (e.code() == asio::error::operation_aborted) throw;  // cancelled: end cancelled
    co_return false;
  }
}

/// The program's main, with `StopOnSignal` as its reaction to a stop signal.
template <asio::awaitable<void> (*StopOnSignal)(asio::signal_set&, asio::io_context&, bool& stopping)>
int ship_until_signalled() {
  asio::io_context io;
  asio::signal_set signals(io, SIGINT, SIGTERM, SIGHUP);
  stream out(io), in(io);
  asio::local::connect_pair(out, in);
  bool stopping = false, failed = false;
  asio::co_spawn(io, StopOnSignal(signals, io, stopping), asio::detached);
  asio::co_spawn(io, ship_records(std::move(out), signals, stopping, failed), asio::detached);
  asio::co_spawn(io, receive_records(std::move(in), failed), asio::detached);
  io.run();
  return failed ? 1 : 0;
}

/// What a correct shipper does with each fault.
inline faultline::Spec spec() {
  using faultline::FaultKind;
  faultline::Spec spec;
  spec.rules = {
      faultline::when(FaultKind::signal).tolerated("INT, TERM and HUP stop the shipping: the record in flight reaches the peer, no new one starts, exit 0"),
      faultline::when(FaultKind::cancel).in_task("wait_for_stop_signal").tolerated("a cancelled wait for signals leaves the shipping to finish"),
      faultline::when(FaultKind::throw_error).in_task("wait_for_stop_signal").tolerated("a failed wait for signals leaves the shipping to finish"),
      faultline::when(FaultKind::cancel).losing_any_work().racing_normal_end("a cancelled shipper or peer fails the run and the records not delivered are lost, unless all were"),
      faultline::when(FaultKind::throw_error).losing_any_work().racing_normal_end("a failed write or read fails the run and the records not delivered are lost, unless all were"),
      faultline::loses_work(FaultKind::exit, "", "exit() ends the process: the record in flight is lost"),
  };
  return spec;
}

}  // namespace signal_shutdown
