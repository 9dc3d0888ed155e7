// The inventory service under faultline: what a correct service does with each fault.
#include <rt/scenario.hpp>

#include <inventory/service.hpp>

using faultline::FaultKind;

namespace {

rt::Task<int> inventory_main() { return inventory::serve(3); }

faultline::Scenario make() {
  faultline::Scenario s;
  s.name = "inventory_service";
  s.description = "stores three orders in a database, retrying transient errors";
  s.spec.protected_units = {"order-1", "order-2", "order-3"};
  s.spec.rules = {
      // The storage layer retries a failed write: two failures in a run leave no trace (a third
      // may hit one order three times and fail the service: the rows below).
      faultline::when(FaultKind::throw_error).at_site("storage::").tolerated_up_to(2, "transient errors are retried"),
      // Stopping the service (cancel, exit, a signal) may leave orders unstored: the client
      // resends what was not acknowledged. The status is each kind's default.
      faultline::loses_work(FaultKind::cancel, "", "a cancelled service stops storing"),
      faultline::loses_work(FaultKind::throw_error, "", "an error the retries do not absorb stops the service"),
      faultline::loses_work(FaultKind::exit, "", "an exit request stops the service"),
      faultline::loses_work(FaultKind::signal, "", "a signal stops the service"),
  };
  s.program = rt::scenario_program(&inventory_main);
  return s;
}

faultline::Registration registration(&make);

}  // namespace
