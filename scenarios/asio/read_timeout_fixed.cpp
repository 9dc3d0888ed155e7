// The fixed timeout: what a read takes goes into the connection's inbox, which outlives the
// race; a read cut short leaves it there and the next one goes on from it.
#include "read_timeout_common.hpp"

namespace asio = boost::asio;
using read_timeout::stream;

asio::awaitable<std::optional<std::string>> read_message_into_inbox(stream& in, std::string& inbox) {
  try {
    if (inbox.empty()) co_await asio::async_read(in, asio::dynamic_buffer(inbox), asio::transfer_exactly(1), asio::use_awaitable);
    std::size_t whole = 1 + static_cast<unsigned char>(inbox[0]);
    if (inbox.size() < whole)
      co_await asio::async_read(in, asio::dynamic_buffer(inbox), asio::transfer_exactly(whole - inbox.size()), asio::use_awaitable);
  } catch (const boost::system::system_error& e) {
    if (e.code() == asio::error::eof) co_return std::nullopt;  // the sender is done (and reports a message it cut)
    throw;
  }
  std::size_t whole = 1 + static_cast<unsigned char>(inbox[0]);
  std::string body = inbox.substr(1, whole - 1);
  inbox.erase(0, whole);
  co_return body;
}

namespace {
faultline::Scenario make() {
  faultline::Scenario s;
  s.name = "asio_read_timeout_fixed";
  s.description = "plain Asio: a receiver racing each read against a timeout, reading into the connection's inbox";
  s.trap = "fixed: a read cut short keeps what it took";
  s.twin = "asio_read_timeout_buggy";
  s.expected_oracle = "";
  s.deterministic = false;  // real timers and sockets
  s.spec = read_timeout::spec();
  s.program = faultline::asio_program(&read_timeout::send_and_receive<&read_message_into_inbox>);
  return s;
}
faultline::Registration registration(&make);
}  // namespace
