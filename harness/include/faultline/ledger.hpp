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

 protected:
  ~LedgerSink() = default;
};

namespace detail {
inline std::atomic<LedgerSink*> current_ledger{nullptr};
}  // namespace detail

namespace ledger {
/// Protected unit `unit` has begun: it must be committed exactly once by process end.
inline void begin(std::string_view unit) noexcept {
  if (auto* l = detail::current_ledger.load(std::memory_order_acquire)) l->begin(unit);
}
/// Protected unit `unit` is done (the message sent, the row written).
inline void commit(std::string_view unit) noexcept {
  if (auto* l = detail::current_ledger.load(std::memory_order_acquire)) l->commit(unit);
}
}  // namespace ledger

}  // namespace faultline
