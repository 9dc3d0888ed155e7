// seed 004, buggy: a TCP echo server on loopback. On cancellation a connection handler spawns
// a task to report the dropped connection (destroyed pending, or never run, at shutdown), and
// an audit job runs on a thread fire-and-forget, outliving main.
#include "echo_server_common.hpp"

using namespace std::chrono_literals;
using faultline::FaultKind;

namespace {

rt::Task<void> handle(rt::TcpStream conn) {
  try {
    while (auto line = co_await conn.read_line()) co_await conn.write(*line + "!\n");
  } catch (const rt::Cancelled&) {
    faultline::ledger::begin("dropped-event");
    rt::spawn(scenarios::echo::send_event(), "send_event");  // BUG: a task created in a cancel handler
    throw;
  }
}

rt::Task<void> serve(rt::TcpListener listener) {  // owns the listener: it may outlive main
  for (;;) {
    rt::TcpStream conn = co_await listener.accept();
    rt::spawn(handle(std::move(conn)), "handler");
  }
}

rt::Task<int> echo_main() {
  auto listener = rt::TcpListener::bind_loopback();
  std::uint16_t port = listener.port();
  rt::spawn(rt::to_thread(&scenarios::echo::audit), "audit");  // BUG: fire-and-forget executor work
  std::vector<rt::Handle<void>> both{rt::spawn(serve(std::move(listener)), "server"), rt::spawn(scenarios::echo::clients(port), "clients")};
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
  s.spec.rules = scenarios::echo::handler_rules();
  s.spec.rules.push_back(faultline::tolerated(FaultKind::cancel, "audit", "nobody waits for the fire-and-forget audit"));
  s.spec.rules.push_back(faultline::tolerated(FaultKind::cancel, "send_event", "nobody waits for the fire-and-forget report"));
  s.program = rt::scenario_program(&echo_main, scenarios::echo::options());
  return s;
}

faultline::Registration registration(&make);

}  // namespace
