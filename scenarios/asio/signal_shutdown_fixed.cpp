// The fixed shutdown: a stop signal only tells the shipper to start no new record; the record
// in flight reaches the peer, the stream ends, and io.run() returns when the work is done.
#include "signal_shutdown_common.hpp"

namespace asio = boost::asio;

asio::awaitable<void> stop_after_the_record_in_flight(asio::signal_set& signals, asio::io_context&, bool& stopping) {
  bool signalled = co_await signal_shutdown::wait_for_stop_signal(signals);
  if (signalled) stopping = true;  // the shipper starts no new record
}

namespace {
faultline::Scenario make() {
  faultline::Scenario s;
  s.name = "asio_signal_shutdown_fixed";
  s.description = "plain Asio: a log shipper that finishes the record in flight when INT, TERM or HUP comes";
  s.trap = "fixed: a stop signal lets the work in flight finish";
  s.twin = "asio_signal_shutdown_buggy";
  s.expected_oracle = "";
  s.deterministic = false;  // real timers and signals
  s.spec = signal_shutdown::spec();
  s.program = faultline::asio_program(&signal_shutdown::ship_until_signalled<&stop_after_the_record_in_flight>);
  return s;
}
faultline::Registration registration(&make);
}  // namespace
