#include <rt/tcp.hpp>

#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/write.hpp>

namespace rt {

namespace asio = boost::asio;
using asio::ip::tcp;

Task<TcpStream> TcpStream::connect(std::uint16_t port) {
  tcp::socket socket(Runtime::current()->io().ctx);
  co_await socket.async_connect(tcp::endpoint(asio::ip::address_v4::loopback(), port), asio::deferred);
  co_return TcpStream(std::move(socket));
}

Task<std::optional<std::string>> TcpStream::read_line() {
  for (;;) {
    if (auto nl = buffer_.find('\n'); nl != std::string::npos) {
      std::string line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      co_return line;
    }
    char chunk[512];
    std::size_t n = 0;
    try {
      n = co_await socket_.async_read_some(asio::buffer(chunk), asio::deferred);
    } catch (const boost::system::system_error& e) {
      if (e.code() == asio::error::eof || e.code() == asio::error::connection_reset) co_return std::nullopt;
      throw;
    }
    buffer_.append(chunk, n);
  }
}

Task<void> TcpStream::write(std::string data) {
  co_await asio::async_write(socket_, asio::buffer(data), asio::deferred);
}

void TcpStream::close() {
  boost::system::error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
}

TcpListener TcpListener::bind_loopback(std::uint16_t port) {
  tcp::acceptor acceptor(Runtime::current()->io().ctx, tcp::endpoint(asio::ip::address_v4::loopback(), port));
  return TcpListener(std::move(acceptor));
}

std::uint16_t TcpListener::port() const { return acceptor_.local_endpoint().port(); }

Task<TcpStream> TcpListener::accept() {
  tcp::socket socket = co_await acceptor_.async_accept(asio::deferred);
  co_return TcpStream(std::move(socket));
}

void TcpListener::close() {
  boost::system::error_code ignored;
  acceptor_.close(ignored);
}

}  // namespace rt
