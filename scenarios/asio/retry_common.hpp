#pragma once
// What the retry twins share: the main that runs one fetch and the spec. Only how the fetch
// treats its failures differs.
#include <boost/asio.hpp>

#include <faultline/asio/scenario.hpp>

namespace retry {

namespace asio = boost::asio;

/// The program's main: one fetch, spawned detached; `attempts` counts its tries.
template <asio::awaitable<void> (*Fetch)(int& attempts)>
int fetch_once() {
  asio::io_context io;
  int attempts = 0;
  asio::co_spawn(io, Fetch(attempts), asio::detached);
  io.run();
  return 0;
}

/// What a correct fetch does with each fault.
inline faultline::Spec spec() {
  faultline::Spec spec;
  spec.rules = {
      faultline::tolerated(faultline::FaultKind::throw_error, "fetch", "a failed request is retried"),
      faultline::tolerated(faultline::FaultKind::cancel, "fetch", "a cancelled fetch ends cancelled; nobody waits for it"),
  };
  return spec;
}

}  // namespace retry
