#include <rt/tcp.hpp>

#include <gtest/gtest.h>

#include <rt/rt.hpp>

namespace {

rt::Task<void> echo_once(rt::TcpListener& listener) {
  rt::TcpStream conn = co_await listener.accept();
  while (auto line = co_await conn.read_line()) co_await conn.write(*line + "\n");
}
rt::Task<int> echo_roundtrip() {
  auto listener = rt::TcpListener::bind_loopback();
  auto server = rt::spawn(echo_once(listener), "server");
  rt::TcpStream client = co_await rt::TcpStream::connect(listener.port());
  co_await client.write("hello\nworld\n");
  auto a = co_await client.read_line();
  auto b = co_await client.read_line();
  client.close();
  co_await server;
  co_return a == "hello" && b == "world" ? 0 : 1;
}

}  // namespace

TEST(Tcp, EchoOverLoopbackInDeterministicMode) {
  rt::Runtime runtime;
  EXPECT_EQ(runtime.run(echo_roundtrip()), 0);
}

TEST(Tcp, EchoOverLoopbackInRealTimeMode) {
  rt::Options o;
  o.mode = rt::Mode::real_time;
  rt::Runtime runtime(o);
  EXPECT_EQ(runtime.run(echo_roundtrip()), 0);
}
