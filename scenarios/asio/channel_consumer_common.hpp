#pragma once
// What the channel twins share: a producer handing three items through an unbuffered
// asio::experimental::channel, the main and the spec. The consumer differs. An item is the
// ledger's unit from the moment the consumer receives it until it is stored.
#include <chrono>
#include <optional>
#include <string>

#include <boost/asio.hpp>
#include <boost/asio/experimental/channel.hpp>

#include <faultline/asio/scenario.hpp>

namespace channel_consumer {

namespace asio = boost::asio;
using channel = asio::experimental::channel<void(boost::system::error_code, std::string)>;

/// A terminal cancellation ends a channel operation with channel_cancelled, others with
/// operation_aborted.
inline bool cancelled(const boost::system::error_code& ec) {
  return ec == asio::error::operation_aborted || ec == asio::experimental::channel_errc::channel_cancelled;
}

/// Hands item-1..3 to the consumer, then closes the channel (also when it fails or is cancelled).
inline asio::awaitable<void> produce_items(channel& items, bool& failed) {
  try {
    for (int i = 1; i <= 3; ++i)
      co_await items.async_send(boost::system::error_code{}, "item-" + std::to_string(i), asio::use_awaitable);
  } catch (const boost::system::system_error& e) {
    failed = true;
    items.close();
    if (cancelled(e.code())) throw;  // cancelled: end cancelled
    co_return;
  }
  items.close();
}

/// Receives the next item, which the consumer holds from then on (the ledger's unit begins);
/// nullopt once the producer closed the channel, or on an error (then `failed` is set); throws
/// operation_aborted when cancelled.
inline asio::awaitable<std::optional<std::string>> receive_item(channel& items, bool& failed) {
  auto [ec, item] = co_await items.async_receive(asio::as_tuple(asio::use_awaitable));
  if (cancelled(ec)) throw boost::system::system_error(asio::error::operation_aborted);
  if (ec) {
    if (ec != asio::experimental::channel_errc::channel_closed) failed = true;
    co_return std::nullopt;
  }
  faultline::ledger::begin(item);
  co_return item;
}

/// The consumer's end: no item is taken any more. NOTE: close() completes waiting receivers
/// only; cancel() ends a send that waits for a receiver, which would otherwise wait forever.
inline void stop_consuming(channel& items) {
  items.cancel();
  items.close();
}

/// Stores an item: 1 ms on disk, then it is safe (the ledger's unit is committed).
inline asio::awaitable<void> store_item(std::string item) {
  asio::steady_timer disk(co_await asio::this_coro::executor, std::chrono::milliseconds(1));
  co_await disk.async_wait(asio::use_awaitable);
  faultline::ledger::commit(item);
}

/// The program's main: a producer and a consumer around one unbuffered channel. The consumer
/// closes the channel however it ends, so that the producer never waits for nobody.
template <asio::awaitable<void> (*Consume)(channel&, bool&)>
int produce_and_consume() {
  asio::io_context io;
  channel items(io);
  bool failed = false;
  asio::co_spawn(io, produce_items(items, failed), asio::detached);
  asio::co_spawn(io, Consume(items, failed), asio::detached);
  io.run();
  return failed ? 1 : 0;
}

/// What a correct consumer does with each fault.
inline faultline::Spec spec() {
  using faultline::FaultKind;
  faultline::Spec spec;
  spec.rules = {
      faultline::when(FaultKind::cancel).racing_normal_end("a cancelled producer or consumer fails the run (items are left unhandled), unless all were handled; an item received is stored first"),
      faultline::when(FaultKind::throw_error).losing_any_work().racing_normal_end("a failed send, receive or store fails the run (a failed store loses its item), unless all items were handled"),
      faultline::loses_work(FaultKind::signal, "", "a signal with no handler ends the process: the item held is lost"),
      faultline::loses_work(FaultKind::exit, "", "exit() ends the process: the item held is lost"),
  };
  return spec;
}

}  // namespace channel_consumer
