// seed 004, fixed: the same echo server; a cancelled handler reports the dropped connection
// itself, awaited before it re-raises the cancellation, and the audit job is awaited.
#include "echo_server_common.hpp"

using namespace std::chrono_literals;
using faultline::FaultKind;

namespace {

rt::Task<void> handle(rt::TcpStream conn) {
  bool dropped = false;
  try {
    while (auto line = co_await conn.read_line()) co_await conn.write(*line + "!\n");
  } catch (const rt::Cancelled&) {
    dropped = true;
  }
  if (dropped) {
    faultline::ledger::begin("dropped-event");
    co_await scenarios::echo::send_event();  // FIX: the cleanup is awaited, then the cancellation re-raised
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

rt::Task<int> echo_main() {
  auto listener = rt::TcpListener::bind_loopback();
  std::uint16_t port = listener.port();
  auto audit_job = rt::spawn(rt::to_thread(&scenarios::echo::audit), "audit");  // FIX: awaited below
  std::vector<rt::Handle<void>> both{rt::spawn(serve(std::move(listener)), "server"), rt::spawn(scenarios::echo::clients(port), "clients")};
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
  s.spec.rules = scenarios::echo::handler_rules();
  s.program = rt::scenario_program(&echo_main, scenarios::echo::options());
  return s;
}

faultline::Registration registration(&make);

}  // namespace
