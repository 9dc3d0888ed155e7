#pragma once
/// The await-point hook: the one header a runtime under test includes to be fuzzed by faultline.
/// It is free of Asio and of the rest of faultline; with no sink installed a call is one
/// thread-local load and a predictable branch.
#include <csignal>
#include <cstdint>
#include <source_location>
#include <stdexcept>
#include <string>
#include <string_view>

namespace faultline {

/// What a fault does at an await point (docs/architecture.md, "The hook").
enum class FaultKind : std::uint8_t { none, cancel, throw_error, exit, signal };

/// When a fault hits: `at` while the task is suspended before the operation completes,
/// `after` on resumption once the operation completed and its effect stayed.
enum class FaultTiming : std::uint8_t { at, after };

/// The hook's answer for one await point: usually "nothing".
struct FaultAction {
  FaultKind kind = FaultKind::none;    ///< what to inject
  FaultTiming timing = FaultTiming::at;  ///< when, relative to the awaited operation
  int arg = 0;                         ///< exit code for `exit`, signal number for `signal`
  std::uint64_t ordinal = 0;           ///< the await point's ordinal, for fault_took_effect
  explicit operator bool() const noexcept { return kind != FaultKind::none; }
};

/// The error an injected `throw` raises at the await point. It remembers the fault's ordinal,
/// so a runtime that drops it (another outcome already won) can report the fault superseded.
class InjectedError : public std::runtime_error {
 public:
  explicit InjectedError(const std::string& where, std::uint64_t ordinal = 0)
      : std::runtime_error("faultline::InjectedError at " + where), ordinal_(ordinal) {}
  /// The ordinal of the await point whose fault raised it (0 if unknown).
  std::uint64_t ordinal() const noexcept { return ordinal_; }

 private:
  std::uint64_t ordinal_;
};

/// Receives every await point of the runtime on this thread: the harness's injector or a tracer.
class AwaitSink {
 public:
  /// Called once per await point, before the awaited operation starts. Must not throw.
  virtual FaultAction on_await(const std::source_location& site, std::uint64_t task_id,
                               const char* task_name) noexcept = 0;
  /// The same for a program whose await sites are not C++ source locations (a Python program
  /// driven through its shim): `site` is the text a person reads, "file.py:12 (function)".
  virtual FaultAction on_await_text(std::string_view /*site*/, std::uint64_t /*task_id*/,
                                    const char* /*task_name*/) noexcept {
    return {};
  }
  /// The fault returned for `ordinal` took effect now. A runtime reports every fault when it
  /// acts, and not at all when it never does (the task was destroyed, or a cancellation won),
  /// so the sink lists the faults that really happened, in the order they happened.
  virtual void on_fault_effect(std::uint64_t /*ordinal*/) noexcept {}
  /// The fault for `ordinal` took effect earlier, but the program never saw it: the runtime
  /// dropped its error because an outcome already under way won (a cancellation, an exit).
  /// The sink stops counting it as having taken effect.
  virtual void on_fault_superseded(std::uint64_t /*ordinal*/) noexcept {}

 protected:
  ~AwaitSink() = default;
};

namespace detail {
// NOTE: constinit: no dynamic initialisation, so every access is a plain TLS load, not a call.
inline constinit thread_local AwaitSink* current_sink = nullptr;
}  // namespace detail

/// The per-await hook. Call it once per `co_await`, before the operation starts.
inline FaultAction at_await_point(const std::source_location& site, std::uint64_t task_id,
                                  const char* task_name) noexcept {
  AwaitSink* sink = detail::current_sink;
  if (sink == nullptr) [[likely]] return {};
  return sink->on_await(site, task_id, task_name);
}

/// The per-await hook for a site given as text (see AwaitSink::on_await_text).
inline FaultAction at_await_point_text(std::string_view site, std::uint64_t task_id, const char* task_name) noexcept {
  AwaitSink* sink = detail::current_sink;
  if (sink == nullptr) return {};
  return sink->on_await_text(site, task_id, task_name);
}
/// Reports that the fault `action` takes effect now (see AwaitSink::on_fault_effect).
inline void fault_took_effect(const FaultAction& action) noexcept {
  if (AwaitSink* sink = detail::current_sink) sink->on_fault_effect(action.ordinal);
}

/// Reports that the fault for `ordinal` was superseded (see AwaitSink::on_fault_superseded).
inline void fault_superseded(std::uint64_t ordinal) noexcept {
  if (AwaitSink* sink = detail::current_sink; sink != nullptr && ordinal != 0) sink->on_fault_superseded(ordinal);
}

namespace detail {
inline constinit thread_local std::uint64_t current_task_id = 0;
}  // namespace detail

/// The runtime says which of its tasks runs now on this thread (0: none), so that protected
/// work begun or taken over by task code is attributed to the task holding it.
inline void set_current_task(std::uint64_t task_id) noexcept { detail::current_task_id = task_id; }
/// The task running now on this thread, as the runtime last said (0: none or unknown).
inline std::uint64_t current_task() noexcept { return detail::current_task_id; }

/// Installs `sink` for the calling thread for this object's lifetime.
class ScopedSink {
 public:
  explicit ScopedSink(AwaitSink* sink) noexcept : previous_(detail::current_sink) {
    detail::current_sink = sink;
  }
  ~ScopedSink() { detail::current_sink = previous_; }
  ScopedSink(const ScopedSink&) = delete;
  ScopedSink& operator=(const ScopedSink&) = delete;

 private:
  AwaitSink* previous_;
};

/// The process-level seam (docs/architecture.md, "Where runs happen"): how a runtime ends its process by a
/// signal after graceful shutdown. The default re-raises with default disposition; the
/// harness's persistent mode installs one that records the signal and returns.
using TerminateBySignal = void (*)(int signo);

inline void terminate_by_default_signal(int signo) {
  std::signal(signo, SIG_DFL);
  std::raise(signo);
}

namespace detail {
inline constinit thread_local TerminateBySignal terminate_by_signal = &terminate_by_default_signal;
}  // namespace detail

/// Ends the process killed by `signo`, or records it when the harness owns the seam.
inline void terminate_by_signal(int signo) { detail::terminate_by_signal(signo); }

/// Installs a different seam for the calling thread for this object's lifetime.
class ScopedTerminateBySignal {
 public:
  explicit ScopedTerminateBySignal(TerminateBySignal fn) noexcept
      : previous_(detail::terminate_by_signal) {
    detail::terminate_by_signal = fn;
  }
  ~ScopedTerminateBySignal() { detail::terminate_by_signal = previous_; }
  ScopedTerminateBySignal(const ScopedTerminateBySignal&) = delete;
  ScopedTerminateBySignal& operator=(const ScopedTerminateBySignal&) = delete;

 private:
  TerminateBySignal previous_;
};

}  // namespace faultline
