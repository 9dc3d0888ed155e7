#pragma once
/// rt's control-flow exceptions. Cancelled, ExitRequest and Interrupt deliberately do not derive
/// from std::exception (seed 001): `catch (const std::exception&)` cannot swallow them.
#include <cstdint>
#include <exception>
#include <stdexcept>

#include <faultline/hook.hpp>

namespace rt {

/// Thrown at an await point of a task that was cancelled (asyncio.CancelledError).
struct Cancelled {};

/// Asks the runtime to shut down gracefully and exit with `code` (sys.exit / SystemExit).
struct ExitRequest {
  int code = 0;
  std::uint64_t injected_at = 0;  ///< the ordinal of the faultline fault that raised it (0: the program did)
};

/// An interrupt by signal `signo` raised in task code (KeyboardInterrupt): the runtime shuts
/// down as if the signal had arrived.
struct Interrupt {
  int signo = 0;
};

/// `wait_for` ran out of time; the inner work was cancelled and awaited.
class Timeout : public std::runtime_error {
 public:
  Timeout() : std::runtime_error("rt::Timeout: the operation did not finish in time") {}
};

/// The runtime is closed, or closed before a submitted coroutine could finish.
class RuntimeClosed : public std::runtime_error {
 public:
  RuntimeClosed() : std::runtime_error("rt::RuntimeClosed: the runtime is shut down") {}
};

/// A handle's result was read before the task finished (asyncio.InvalidStateError).
class InvalidState : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

/// The error faultline injects at an await point (a std::runtime_error).
using faultline::InjectedError;

namespace detail {
/// rt drops `error` on purpose (an outcome already under way wins): if a faultline fault
/// raised it, the fault is reported superseded, since the program never sees it.
void drop_error(const std::exception_ptr& error) noexcept;
}  // namespace detail

/// Raises ExitRequest{code} from task code, like sys.exit(code). While it propagates, a
/// signal that arrives waits for it (asyncio: SystemExit in flight beats a signal callback).
[[noreturn]] void exit(int code);

}  // namespace rt
