#pragma once
/// TCP streams over Asio for server scenarios: a loopback listener and a line-oriented stream.
/// Every read, write, accept and connect is an await point.
#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <string>

#include <rt/asio_await.hpp>
#include <rt/task.hpp>

namespace rt {

class TcpStream {
 public:
  explicit TcpStream(boost::asio::ip::tcp::socket socket) : socket_(std::move(socket)) {}
  /// Connects to 127.0.0.1:`port`.
  static Task<TcpStream> connect(std::uint16_t port);
  /// Reads one line without its '\n'; returns std::nullopt at end of stream.
  Task<std::optional<std::string>> read_line();
  /// Writes all of `data`.
  Task<void> write(std::string data);
  /// Closes the stream; a peer's pending read sees end of stream.
  void close();

 private:
  boost::asio::ip::tcp::socket socket_;
  std::string buffer_;
};

class TcpListener {
 public:
  /// Listens on 127.0.0.1:`port` (0 picks a free port).
  static TcpListener bind_loopback(std::uint16_t port = 0);
  std::uint16_t port() const;
  /// Waits for the next connection.
  Task<TcpStream> accept();
  void close();

 private:
  explicit TcpListener(boost::asio::ip::tcp::acceptor acceptor) : acceptor_(std::move(acceptor)) {}
  boost::asio::ip::tcp::acceptor acceptor_;
};

}  // namespace rt
