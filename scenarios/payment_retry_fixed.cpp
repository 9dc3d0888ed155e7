// Payment retry, fixed: each attempt runs under rt::wait_for, which on timeout cancels the
// attempt and waits for it to end before the retry starts, and every attempt carries the same
// idempotency key, so an attempt whose answer was lost after it charged is not charged again.
#include <chrono>

#include <rt/scenario.hpp>

using namespace std::chrono_literals;
using faultline::FaultKind;

namespace {

/// The payment gateway remembers idempotency keys it has charged.
struct Gateway {
  bool charged = false;
};

rt::Task<void> charge(Gateway& gateway) {
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
  if (!gateway.charged) {  // FIX: the idempotency key makes a repeated charge a no-op
    gateway.charged = true;
    faultline::ledger::commit("payment");
  }
}

/// Charges the card, retrying failed or slow attempts; returns whether it was charged.
rt::Task<bool> pay(Gateway& gateway) {
  bool paid = false;
  for (int attempt = 0; attempt < 10 && !paid; ++attempt) {
    try {
      co_await rt::wait_for(charge(gateway), 3s, "charge");  // FIX: a timed-out attempt is cancelled and awaited
      paid = true;
    } catch (const std::exception&) {  // rt::Timeout or a failed attempt: try again
    } catch (const rt::Cancelled&) {
      if (rt::cancelling() > 0) throw;  // our own cancellation goes on (seed 001)
      // else only the attempt was cancelled: try again
    }
  }
  co_return paid;
}

rt::Task<int> payment_main() {
  faultline::ledger::begin("payment");
  Gateway gateway;
  bool paid = co_await pay(gateway);
  co_await rt::sleep(10s);  // send the receipt, ship the order
  co_return paid ? 0 : 1;
}

faultline::Scenario make() {
  faultline::Scenario s;
  s.name = "payment_retry_fixed";
  s.description = "a payment retried under rt::wait_for with an idempotency key";
  s.trap = "fixed: wait_for cancels the slow attempt before the retry";
  s.twin = "payment_retry_buggy";
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
