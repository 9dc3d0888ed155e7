#pragma once
/// Scenarios on plain Boost.Asio (target faultline::asio): everything a scenario file includes
/// to put an unmodified Asio program under faultline. The program's sources are compiled with
/// `faultline_instrument_asio(target)`; the only change to them is the ledger's begin/commit
/// around work that must not be lost.
///
///   int run_my_server();  // the program's main, as it is
///   faultline::Scenario make() {
///     faultline::Scenario s;
///     s.name = "my_server";
///     s.deterministic = false;  // real sockets, real timers
///     s.program = faultline::asio_program(&run_my_server);
///     return s;
///   }
///   faultline::Registration registration(&make);
#include <functional>

#include <faultline/ledger.hpp>
#include <faultline/scenario.hpp>
#include <faultline/spec_rows.hpp>

namespace faultline {

/// The program of an Asio scenario: runs `main` on this thread (its io_context's run() must be
/// called here: faultline hooks the thread a run is on) and returns its status. What it leaves
/// behind (operations its io_context never ran nor destroyed) is counted when it returns.
std::function<int(const RunContext&)> asio_program(int (*main)());

}  // namespace faultline
