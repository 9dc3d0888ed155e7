// A signal_set shutdown that stops the io_context at once, as Asio's own examples do: the
// record being written and the peer's read of it are dropped with the handlers io.stop()
// leaves behind. Plain Asio over a socket pair; the signals are real.
#include "signal_shutdown_common.hpp"

namespace asio = boost::asio;

asio::awaitable<void> stop_at_once(asio::signal_set& signals, asio::io_context& io, bool&) {
  bool signalled = co_await signal_shutdown::wait_for_stop_signal(signals);
  if (signalled) io.stop();  // BUG: drops the work in flight
}

namespace {
faultline::Scenario make() {
  faultline::Scenario s;
  s.name = "asio_signal_shutdown_buggy";
  s.description = "plain Asio: a log shipper that stops its io_context when INT, TERM or HUP comes";
  s.trap = "a signal_set shutdown that drops in-flight writes (io.stop())";
  s.twin = "asio_signal_shutdown_fixed";
  s.expected_oracle = "protected-work";
  s.deterministic = false;  // real timers and signals
  s.spec = signal_shutdown::spec();
  s.program = faultline::asio_program(&signal_shutdown::ship_until_signalled<&stop_at_once>);
  return s;
}
faultline::Registration registration(&make);
}  // namespace
