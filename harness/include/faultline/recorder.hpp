#pragma once
/// The in-run side of the harness: applies a schedule at await points and writes the trace,
/// the runtime's events and the ledger into a RunRecord. One per run.
#include <cstdint>
#include <source_location>
#include <unordered_map>
#include <vector>

#include <faultline/hook.hpp>
#include <faultline/ledger.hpp>
#include <faultline/observer.hpp>
#include <faultline/run_record.hpp>
#include <faultline/schedule.hpp>

namespace faultline {

class Recorder final : public AwaitSink, public RuntimeObserver, public LedgerSink {
 public:
  /// Resets `record` and prepares to inject `schedule`. A run that passes `limits` is stopped
  /// at once (the process ends with kLimitExitStatus and the record says why).
  Recorder(RunRecord& record, const Schedule& schedule, RunLimits limits = {});

  // AwaitSink
  FaultAction on_await(const std::source_location& site, std::uint64_t task_id, const char* task_name) noexcept override;
  FaultAction on_await_text(std::string_view site, std::uint64_t task_id, const char* task_name) noexcept override;
  void on_fault_effect(std::uint64_t ordinal) noexcept override;
  void on_fault_superseded(std::uint64_t ordinal) noexcept override;
  // RuntimeObserver
  void task_created(std::uint64_t id, const char* name) override;
  void task_finished(std::uint64_t id, TaskEnd how) override;
  void task_destroyed_pending(std::uint64_t id, const char* name, const char* waiting_at) override;
  void cancel_swallowed(std::uint64_t id, const char* name) override;
  void exception_lost(std::uint64_t id, const char* name, const char* waiting_at, const char* what) override;
  void future_created(std::uint64_t id) override;
  void future_resolved(std::uint64_t id) override;
  void protected_begun(std::uint64_t id, const char* name) override;
  void protected_committed(std::uint64_t id) override;
  void protected_cut(std::uint64_t id, const char* name) override;
  void shutdown_began(ShutdownCause cause, int detail) override;
  void shutdown_ended(int exit_status) override;
  void posted_after_close(const char* what) override;
  void deadlock(const char* report) override;
  void clock_advanced(std::int64_t now_ns) override;
  // LedgerSink
  void begin(std::string_view unit) noexcept override;
  void commit(std::string_view unit) noexcept override;
  void own(std::string_view unit) noexcept override;

 private:
  std::uint16_t site_id(const std::source_location& site) noexcept;
  std::uint16_t site_id(std::string_view text) noexcept;
  std::uint16_t new_site(const std::string& text) noexcept;
  FaultAction await_at(std::uint16_t sid, std::uint64_t task_id, const char* task_name) noexcept;
  LedgerUnit* unit(std::string_view name) noexcept;
  void note(const std::string& line) noexcept;
  void keep(const TraceEntry& e) noexcept;
  InjectedFault* injected(std::uint64_t ordinal) noexcept;
  [[noreturn]] void stop_run(RunLimitHit why, const std::string& what) noexcept;

  RunRecord& r_;
  const Schedule& schedule_;
  RunLimits limits_;
  std::uint64_t last_fault_ordinal_ = 0;
  std::size_t next_fault_ = 0;
  struct SiteKey {
    const char* file;
    std::uint32_t line, column;
    bool operator==(const SiteKey&) const = default;
  };
  struct SiteKeyHash {
    std::size_t operator()(const SiteKey& k) const noexcept {
      return std::hash<const void*>()(k.file) ^ (std::size_t(k.line) << 16) ^ k.column;
    }
  };
  std::unordered_map<SiteKey, std::uint16_t, SiteKeyHash> site_ids_;
  std::unordered_map<std::string, std::uint16_t> text_site_ids_;  // sites given as text
  std::vector<std::uint64_t> site_hashes_;  // FNV of each site's text, computed once per site
};

/// Installs a Recorder as the thread's await sink, the runtime observer and the ledger.
class ScopedRecorder {
 public:
  explicit ScopedRecorder(Recorder& r);
  ~ScopedRecorder();
  ScopedRecorder(const ScopedRecorder&) = delete;
  ScopedRecorder& operator=(const ScopedRecorder&) = delete;

 private:
  ScopedSink sink_;
  ScopedObserver observer_;
  LedgerSink* previous_ledger_;
};

}  // namespace faultline
