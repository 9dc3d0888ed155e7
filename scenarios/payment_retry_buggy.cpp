// Payment retry, buggy: each attempt is waited for at most 3 s with rt::wait; on timeout the
// program retries without cancelling the slow attempt, which may still charge the card
// later: the customer pays twice.
#include <chrono>

#include <rt/scenario.hpp>

using namespace std::chrono_literals;
using faultline::FaultKind;

namespace {

rt::Task<void> charge() {
  for (int tries = 0;; ++tries) {
    bool failed = false;
    try {
      co_await rt::sleep(1s);  // call the payment gateway
    } catch (const std::exception&) {
      if (tries == 2) throw;
      failed = true;
    }
    if (!failed) break;
    co_await rt::sleep(5s);  // the gateway client's own back-off
  }
  faultline::ledger::commit("payment");
}

/// Charges the card, retrying failed or slow attempts; returns whether it was charged.
rt::Task<bool> pay() {
  bool paid = false;
  for (int attempt = 0; attempt < 10 && !paid; ++attempt) {
    std::vector<rt::Handle<void>> just(1, rt::spawn(charge(), "charge"));
    auto [done, pending] = co_await rt::wait(just, rt::WaitMode::all_completed, std::chrono::nanoseconds(3s));
    if (!done.empty()) {
      try {
        done[0].result();
        paid = true;
      } catch (const std::exception&) {  // a failed attempt: try again
      } catch (const rt::Cancelled&) {
        if (rt::cancelling() > 0) throw;  // our own cancellation goes on (seed 001)
      }
    }
    // BUG: on timeout the slow attempt keeps running and may still charge
  }
  co_return paid;
}

rt::Task<int> payment_main() {
  faultline::ledger::begin("payment");
  bool paid = co_await pay();
  co_await rt::sleep(10s);  // send the receipt, ship the order
  co_return paid ? 0 : 1;
}

faultline::Scenario make() {
  faultline::Scenario s;
  s.name = "payment_retry_buggy";
  s.description = "a payment retried after a 3 s timeout without cancelling the slow attempt";
  s.trap = "retry without cancel: a timed-out attempt still completes and charges twice";
  s.twin = "payment_retry_fixed";
  s.expected_oracle = "protected-work";
  s.spec.protected_units = {"payment"};
  s.spec.rules = {faultline::tolerated(FaultKind::throw_error, "charge", "the gateway client retries, the caller times out and retries"),
                  faultline::tolerated_at(FaultKind::throw_error, "::pay)", "a failed attempt is retried"),
                  faultline::tolerated_at(FaultKind::throw_error, "(rt::wait_for)", "a failed attempt is retried"),
                  faultline::tolerated(FaultKind::cancel, "charge", "a cancelled attempt is retried"),
                  faultline::loses_work(FaultKind::cancel, "", "a cancelled payment is not charged (and never twice)"),
                  faultline::loses_work(FaultKind::throw_error, "main", "a failed checkout is not charged"),
                  faultline::loses_work(FaultKind::exit, "", "an exit before the charge leaves it uncharged"),
                  faultline::loses_work(FaultKind::signal, "", "a payment interrupted by shutdown is retried by the next run")};
  s.program = rt::scenario_program(&payment_main);
  return s;
}

faultline::Registration registration(&make);

}  // namespace
