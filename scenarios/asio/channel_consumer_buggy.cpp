// A channel consumer that loses an item on cancel: cancelled after it received an item and
// before the item is stored (while storing, or just after the receive), it ends and the item
// it holds is gone. Plain Asio, asio::experimental::channel.
#include "channel_consumer_common.hpp"

namespace asio = boost::asio;
using channel_consumer::channel;

asio::awaitable<void> consume_items_until_cancelled(channel& items, bool& failed) {
  try {
    for (;;) {
      auto item = co_await channel_consumer::receive_item(items, failed);
      if (!item) break;
      co_await channel_consumer::store_item(*item);  // BUG: a cancellation before the store ends drops the item
    }
  } catch (const boost::system::system_error& e) {
    failed = true;
    channel_consumer::stop_consuming(items);
    if (e.code() == asio::error::operation_aborted) throw;  // cancelled: end cancelled
    co_return;
  }
  channel_consumer::stop_consuming(items);
}

namespace {
faultline::Scenario make() {
  faultline::Scenario s;
  s.name = "asio_channel_consumer_buggy";
  s.description = "plain Asio: a channel consumer storing each item it receives, cancellable throughout";
  s.trap = "a channel consumer that loses the item it holds when cancelled";
  s.twin = "asio_channel_consumer_fixed";
  s.expected_oracle = "protected-work";
  s.deterministic = false;  // a real timer
  s.spec = channel_consumer::spec();
  s.program = faultline::asio_program(&channel_consumer::produce_and_consume<&consume_items_until_cancelled>);
  return s;
}
faultline::Registration registration(&make);
}  // namespace
