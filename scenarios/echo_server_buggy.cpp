// seed 004, buggy: a TCP echo server on loopback. On cancellation a connection handler spawns
// a task to report the dropped connection (destroyed pending, or never run, at shutdown), and
// an audit job runs on a thread fire-and-forget, outliving main.
#include <chrono>
#include <string>
#include <thread>

#include <rt/tcp.hpp>
#include <rt/thread.hpp>

#include "support.hpp"

using namespace std::chrono_literals;
using faultline::FaultKind;

namespace {

rt::Task<void> send_event() {
  co_await rt::sleep(1s);  // report "Connection dropped!" to the monitoring system
  faultline::ledger::commit("dropped-event");
}

rt::Task<void> handle(rt::TcpStream conn) {
  try {
    while (auto line = co_await conn.read_line()) co_await conn.write(*line + "!\n");
  } catch (const rt::Cancelled&) {
    faultline::ledger::begin("dropped-event");
    rt::spawn(send_event(), "send_event");  // BUG: a task created in a cancel handler
    throw;
  }
}

rt::Task<void> serve(rt::TcpListener listener) {  // owns the listener: it may outlive main
  for (;;) {
    rt::TcpStream conn = co_await listener.accept();
    rt::spawn(handle(std::move(conn)), "handler");
  }
}

/// One exchange; a connection dropped by the server (its handler was cancelled) is retried.
rt::Task<void> client(std::uint16_t port, std::string word) {
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

rt::Task<void> clients(std::uint16_t port) {
  co_await client(port, "hello");
  co_await client(port, "world");
}

void audit() {
  std::this_thread::sleep_for(2ms);  // a blocking write of the audit log
}

rt::Task<int> echo_main() {
  auto listener = rt::TcpListener::bind_loopback();
  std::uint16_t port = listener.port();
  rt::spawn(rt::to_thread(&audit), "audit");  // BUG: fire-and-forget executor work
  std::vector<rt::Handle<void>> both{rt::spawn(serve(std::move(listener)), "server"), rt::spawn(clients(port), "clients")};
  auto [done, pending] = co_await rt::wait(both, rt::WaitMode::first_completed);
  for (auto& h : done) h.result();  // the server or a client failing fails the process
  co_return 0;
}

faultline::Scenario make() {
  faultline::Scenario s;
  s.name = "echo_server_buggy";
  s.description = "TCP echo server on loopback whose handlers spawn a task when cancelled; fire-and-forget thread work";
  s.trap = "seed 004: create_task in a cancel handler; executor work outliving the loop";
  s.twin = "echo_server_fixed";
  s.deterministic = false;
  s.expected_oracle = "protected-work";
  s.flaws = {{"spawn_in_shutdown_destroyed", "leaked-task"}, {"close_before_executor", "leaked-task"}};
  s.spec.rules = {scenarios::tolerated(FaultKind::cancel, "audit", "nobody waits for the fire-and-forget audit"),
                  scenarios::tolerated(FaultKind::cancel, "send_event", "nobody waits for the fire-and-forget report"),
                  scenarios::tolerated(FaultKind::cancel, "handler", "one connection handler cancelled is tolerated"),
                  scenarios::loses_work(FaultKind::cancel, "handler", "the report itself was cancelled"),
                  scenarios::loses_work(FaultKind::throw_error, "handler", "the report itself failed"),
                  scenarios::loses_work(FaultKind::exit, "handler", "the report itself asked to exit")};
  rt::Options options;
  options.io_settle = 2ms;
  s.program = scenarios::on_rt(&echo_main, options);
  return s;
}

faultline::Registration registration(&make);

}  // namespace
