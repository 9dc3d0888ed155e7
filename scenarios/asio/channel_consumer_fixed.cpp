// The fixed consumer: a cancellation waits until the item it holds is stored. The store runs
// as a coroutine of its own with no cancellation slot (Asio's shield), the consumer does not
// let its next co_await throw, and it checks its cancellation state between items.
#include "channel_consumer_common.hpp"

namespace asio = boost::asio;
using channel_consumer::channel;

asio::awaitable<void> consume_items_storing_each(channel& items, bool& failed) {
  co_await asio::this_coro::throw_if_cancelled(false);  // NOTE: checked below, between items
  auto ex = co_await asio::this_coro::executor;
  try {
    for (;;) {
      if ((co_await asio::this_coro::cancellation_state).cancelled() != asio::cancellation_type::none)
        throw boost::system::system_error(asio::error::operation_aborted);
      auto item = co_await channel_consumer::receive_item(items, failed);
      if (!item) break;
      co_await asio::co_spawn(ex, channel_consumer::store_item(*item),
                              asio::bind_cancellation_slot(asio::cancellation_slot(), asio::use_awaitable));
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
  s.name = "asio_channel_consumer_fixed";
  s.description = "plain Asio: a channel consumer that stores the item it holds before a cancellation ends it";
  s.trap = "fixed: the store is shielded from cancellation; the consumer stops between items";
  s.twin = "asio_channel_consumer_buggy";
  s.expected_oracle = "";
  s.deterministic = false;  // a real timer
  s.spec = channel_consumer::spec();
  s.program = faultline::asio_program(&channel_consumer::produce_and_consume<&consume_items_storing_each>);
  return s;
}
faultline::Registration registration(&make);
}  // namespace
