#pragma once
/// The protected-work ledger: scenario code records each protected unit when it begins and
/// when it is committed. It lives in shared memory, so it survives the run's process and is
/// something the runtime cannot fake. Safe to call from any thread; a no-op outside a run.
#include <atomic>
#include <string_view>

namespace faultline {

class LedgerSink {
 public:
  virtual void begin(std::string_view unit) noexcept = 0;
  virtual void commit(std::string_view unit) noexcept = 0;
  virtual void own(std::string_view /*unit*/) noexcept {}

 protected:
  ~LedgerSink() = default;
};

namespace detail {
inline std::atomic<LedgerSink*> current_ledger{nullptr};
}  // namespace detail

namespace ledger {
/// Protected unit `unit` has begun: it must be committed exactly once by process end. The
/// task calling it (as its runtime reports through faultline::set_current_task) holds it.
inline void begin(std::string_view unit) noexcept {
  if (auto* l = detail::current_ledger.load(std::memory_order_acquire)) l->begin(unit);
}
/// Protected unit `unit` is done (the message sent, the row written).
inline void commit(std::string_view unit) noexcept {
  if (auto* l = detail::current_ledger.load(std::memory_order_acquire)) l->commit(unit);
}
/// The calling task now holds `unit` (e.g. a worker took the job off a queue): a spec row that
/// excuses the work a faulted task loses then covers this unit for faults in this task.
inline void own(std::string_view unit) noexcept {
  if (auto* l = detail::current_ledger.load(std::memory_order_acquire)) l->own(unit);
}
}  // namespace ledger

}  // namespace faultline
