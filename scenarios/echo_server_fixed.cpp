// seed 004, fixed: the same echo server; a cancelled handler reports the dropped connection
// itself, awaited before it re-raises the cancellation, and the audit job is awaited.
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
  bool dropped = false;
  try {
    while (auto line = co_await conn.read_line()) co_await conn.write(*line + "!\n");
  } catch (const rt::Cancelled&) {
    dropped = true;
  }
  if (dropped) {
    faultline::ledger::begin("dropped-event");
    co_await send_event();  // FIX: the cleanup is awaited, then the cancellation re-raised
    throw rt::Cancelled{};
  }
}

rt::Task<void> serve(rt::TcpListener listener) {  // owns the listener: it may outlive main
  for (;;) {
    rt::TcpStream conn = co_await listener.accept();
    if (rt::shutting_down()) {  // FIX: no new handlers once the process is going down
      conn.close();
      co_return;
    }
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
  auto audit_job = rt::spawn(rt::to_thread(&audit), "audit");  // FIX: awaited below
  std::vector<rt::Handle<void>> both{rt::spawn(serve(std::move(listener)), "server"), rt::spawn(clients(port), "clients")};
  auto [done, pending] = co_await rt::wait(both, rt::WaitMode::first_completed);
  for (auto& h : done) h.result();  // the server or a client failing fails the process
  co_await audit_job;
  co_return 0;
}

faultline::Scenario make() {
  faultline::Scenario s;
  s.name = "echo_server_fixed";
  s.description = "TCP echo server on loopback whose handlers await their cleanup; thread work awaited";
  s.trap = "seed 004: fixed by awaited cleanup";
  s.twin = "echo_server_buggy";
  s.deterministic = false;
  // NOTE: not close_before_executor: under that flaw executor work whose awaiting task is
  // cancelled from outside is abandoned, and no program-level fix can wait for it.
  s.flaws = {{"spawn_in_shutdown_destroyed", ""}};
  s.spec.rules = {scenarios::tolerated(FaultKind::cancel, "handler", "one connection handler cancelled is tolerated"),
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
