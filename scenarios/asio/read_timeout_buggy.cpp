// A timeout with awaitable_operators' `||` that loses a message already read: the read takes
// the length byte, then the timeout (or a failure) cuts it short before the body, and the byte
// it took dies with the cancelled read; the next read starts inside a body. Plain Asio.
#include "read_timeout_common.hpp"

namespace asio = boost::asio;
using read_timeout::stream;

asio::awaitable<std::optional<std::string>> read_message_in_its_own_frame(stream& in, std::string&) {
  unsigned char size = 0;
  try {
    co_await asio::async_read(in, asio::buffer(&size, 1), asio::use_awaitable);
  } catch (const boost::system::system_error& e) {
    if (e.code() == asio::error::eof) co_return std::nullopt;  // the sender is done
    throw;
  }
  std::string body(size, '\0');  // BUG: the length byte lives in this frame: cut short here, it is lost
  co_await asio::async_read(in, asio::buffer(body), asio::use_awaitable);
  co_return body;
}

namespace {
faultline::Scenario make() {
  faultline::Scenario s;
  s.name = "asio_read_timeout_buggy";
  s.description = "plain Asio: a receiver racing each two-step read against a timeout with operator||";
  s.trap = "a timeout with operator|| that loses a message already read";
  s.twin = "asio_read_timeout_fixed";
  s.expected_oracle = "protected-work";
  s.deterministic = false;  // real timers and sockets
  s.spec = read_timeout::spec();
  s.program = faultline::asio_program(&read_timeout::send_and_receive<&read_message_in_its_own_frame>);
  return s;
}
faultline::Registration registration(&make);
}  // namespace
