#include <faultline/asio/scenario.hpp>

#include <faultline/asio/detail/core.hpp>

namespace faultline {

std::function<int(const RunContext&)> asio_program(int (*main)()) {
  return [main](const RunContext&) {
    struct RunScope {
      RunScope() { asio_detail::begin_run(); }
      ~RunScope() { asio_detail::end_run(); }
    } scope;
    return main();
  };
}

}  // namespace faultline
