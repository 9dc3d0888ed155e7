#pragma once
// What echo_server_buggy and echo_server_fixed share: the monitoring event a dropped
// connection must produce, the clients (which reconnect when dropped), the audit job, and
// their spec rows. The twins differ in their handlers, server loop and main.
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>

#include <rt/tcp.hpp>
#include <rt/thread.hpp>

#include <rt/scenario.hpp>

namespace scenarios::echo {

using namespace std::chrono_literals;

inline rt::Task<void> send_event() {
  co_await rt::sleep(1s);  // report "Connection dropped!" to the monitoring system
  faultline::ledger::commit("dropped-event");
}

/// One exchange; a connection dropped by the server (its handler was cancelled) is retried.
inline rt::Task<void> client(std::uint16_t port, std::string word) {
  for (int attempt = 0; attempt < 3; ++attempt) {
    rt::TcpStream conn = co_await rt::TcpStream::connect(port);
    co_await conn.write(word + "\n");
    auto echo = co_await conn.read_line();
    conn.close();
    if (!echo) continue;  // dropped: reconnect
    if (*echo != word + "!") throw std::runtime_error("bad echo");
    co_return;
  }
  throw std::runtime_error("the server keeps dropping the connection");
}

inline rt::Task<void> clients(std::uint16_t port) {
  co_await client(port, "hello");
  co_await client(port, "world");
}

inline void audit() {
  std::this_thread::sleep_for(2ms);  // a blocking write of the audit log
}

/// Spec rows of both twins: two cancelled handlers are tolerated (a client retries twice); the report of a dropped
/// connection is legitimately lost when the fault hits the handler running it.
inline std::vector<faultline::SpecRule> handler_rules() {
  using faultline::FaultKind;
  return {faultline::when(FaultKind::cancel).in_task("handler").tolerated_up_to(2, "a client reconnects after a dropped connection, twice; a third drop fails it"),
          loses_work(FaultKind::cancel, "handler", "the report itself was cancelled"),
          loses_work(FaultKind::throw_error, "handler", "the report itself failed"),
          loses_work(FaultKind::exit, "handler", "the report itself asked to exit")};
}

/// Real sockets: the loop gives them 2 ms of real time before moving the virtual clock.
inline rt::Options options() {
  rt::Options o;
  o.io_settle = 2ms;
  return o;
}

}  // namespace scenarios::echo
