#include <faultline/recorder.hpp>

#include <algorithm>
#include <cstring>
#include <string>

namespace faultline {

namespace {

void copy_text(char* dst, std::size_t cap, std::string_view src) {
  std::size_t n = std::min(cap - 1, src.size());
  std::memcpy(dst, src.data(), n);
  dst[n] = '\0';
}

std::uint64_t fnv(std::uint64_t h, const void* data, std::size_t n) {
  auto* p = static_cast<const unsigned char*>(data);
  for (std::size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ull;
  return h;
}

std::string describe(const std::source_location& site) {
  std::string function = site.function_name();
  if (auto paren = function.find('('); paren != std::string::npos) function.resize(paren);
  if (auto space = function.rfind(' '); space != std::string::npos) function.erase(0, space + 1);
  std::string file = site.file_name();
  if (auto slash = file.rfind('/'); slash != std::string::npos) file.erase(0, slash + 1);
  return file + ":" + std::to_string(site.line()) + " (" + function + ")";
}

}  // namespace

Recorder::Recorder(RunRecord& record, const Schedule& schedule) : r_(record), schedule_(schedule) { reset(r_); }

std::uint16_t Recorder::site_id(const std::source_location& site) noexcept {
  SiteKey key{site.file_name(), site.line(), site.column()};
  auto it = site_ids_.find(key);
  if (it != site_ids_.end()) return it->second;
  std::uint16_t id = static_cast<std::uint16_t>(std::min<std::size_t>(r_.site_count, kMaxSites - 1));
  if (r_.site_count < kMaxSites) {
    std::string text = describe(site);
    copy_text(r_.sites[r_.site_count], sizeof(r_.sites[0]), text);
    site_hashes_.push_back(fnv(1469598103934665603ull, text.data(), text.size()));
    ++r_.site_count;
  }
  site_ids_.emplace(key, id);
  return id;
}

FaultAction Recorder::on_await(const std::source_location& site, std::uint64_t task_id, const char*) noexcept {
  std::uint64_t ordinal = ++r_.await_points;
  std::uint16_t sid = site_id(site);
  FaultAction action{};
  if (next_fault_ < schedule_.faults.size() && schedule_.faults[next_fault_].ordinal == ordinal) {
    const Fault& f = schedule_.faults[next_fault_++];
    action = FaultAction{f.kind, f.timing, f.arg, ordinal};
  }
  // The hash covers the site's text (stable across processes, hashed once per site), the
  // task and the fault.
  std::uint64_t h = fnv(r_.trace_hash, &site_hashes_[sid], sizeof(std::uint64_t));
  std::uint32_t tid = static_cast<std::uint32_t>(task_id);
  h = fnv(h, &tid, sizeof tid);
  h = fnv(h, &action.kind, 1);
  r_.trace_hash = h;
  std::uint32_t index = r_.trace_len;
  if (index < kMaxTrace) {
    r_.trace[index] = TraceEntry{ordinal, tid, sid, static_cast<std::uint8_t>(action.kind),
                                 static_cast<std::uint8_t>(action.timing), static_cast<std::int16_t>(action.arg),
                                 static_cast<std::uint8_t>(r_.shutdown_began), 0};
    r_.trace_len = index + 1;
    if (action) pending_.push_back(index);
  }
  return action;
}

void Recorder::fire(std::uint32_t index) noexcept {
  TraceEntry& e = r_.trace[index];
  e.took_effect = 1;
  if (r_.fired_count >= kMaxFired) return;
  // NOTE: judged when the fault takes effect: an `after` fault may land after shutdown began.
  r_.fired[r_.fired_count++] = FiredEntry{e.ordinal, e.task_id, e.site, e.fault_kind, e.fault_timing, e.fault_arg,
                                          static_cast<std::uint8_t>(r_.shutdown_began)};
}

void Recorder::on_fault_effect(std::uint64_t ordinal) noexcept {
  for (std::size_t i = 0; i < pending_.size(); ++i) {
    if (r_.trace[pending_[i]].ordinal != ordinal) continue;
    fire(pending_[i]);
    pending_.erase(pending_.begin() + static_cast<std::ptrdiff_t>(i));
    return;
  }
}

void Recorder::note(const std::string& line) noexcept {
  while (r_.problems_lock.test_and_set(std::memory_order_acquire)) {
  }
  std::size_t room = kProblemsBytes - 1 - r_.problems_len;
  std::size_t n = std::min(room, line.size() + 1);
  if (n > 0) {
    std::memcpy(r_.problems + r_.problems_len, line.data(), std::min(n, line.size()));
    if (n > line.size()) r_.problems[r_.problems_len + line.size()] = '\n';
    r_.problems_len += static_cast<std::uint32_t>(n);
    r_.problems[r_.problems_len] = '\0';
  }
  r_.problems_lock.clear(std::memory_order_release);
}

void Recorder::task_created(std::uint64_t id, const char* name) {
  r_.tasks_created.fetch_add(1, std::memory_order_relaxed);
  if (r_.task_name_count < kMaxTaskNames) {
    auto& slot = r_.task_names[r_.task_name_count++];
    slot.id = static_cast<std::uint32_t>(id);
    copy_text(slot.name, sizeof slot.name, name);
  }
}
void Recorder::task_finished(std::uint64_t, TaskEnd) { r_.tasks_finished.fetch_add(1, std::memory_order_relaxed); }
void Recorder::task_destroyed_pending(std::uint64_t id, const char* name, const char* waiting_at) {
  r_.destroyed_pending.fetch_add(1, std::memory_order_relaxed);
  note("task " + std::string(name) + "#" + std::to_string(id) + " destroyed while pending" +
       (waiting_at[0] != '\0' ? std::string(" (waiting at ") + waiting_at + ")" : std::string(" (never started)")));
}
void Recorder::cancel_swallowed(std::uint64_t id, const char* name) {
  r_.swallowed.fetch_add(1, std::memory_order_relaxed);
  note("task " + std::string(name) + "#" + std::to_string(id) + " was cancelled but finished normally (no uncancel)");
}
void Recorder::future_created(std::uint64_t) { r_.futures_created.fetch_add(1, std::memory_order_relaxed); }
void Recorder::future_resolved(std::uint64_t) { r_.futures_resolved.fetch_add(1, std::memory_order_relaxed); }
void Recorder::protected_begun(std::uint64_t, const char*) { r_.protected_begun.fetch_add(1, std::memory_order_relaxed); }
void Recorder::protected_committed(std::uint64_t) { r_.protected_committed.fetch_add(1, std::memory_order_relaxed); }
void Recorder::protected_cut(std::uint64_t id, const char* name) {
  r_.protected_cut.fetch_add(1, std::memory_order_relaxed);
  note("protected task " + std::string(name) + "#" + std::to_string(id) + " was cut at the end of the grace period");
}
void Recorder::shutdown_began(ShutdownCause, int) {
  r_.shutdown_began = 1;
  r_.shutdown_began_at = r_.await_points;
}
void Recorder::shutdown_ended(int exit_status) { r_.runtime_exit_status = exit_status; }
void Recorder::posted_after_close(const char* what) {
  r_.posted_after_close.fetch_add(1, std::memory_order_relaxed);
  note(std::string(what) + " was posted to a closed loop");
}
void Recorder::deadlock(const char* report) {
  r_.deadlocks.fetch_add(1, std::memory_order_relaxed);
  note(report);
}

LedgerUnit* Recorder::unit(std::string_view name) noexcept {
  std::uint32_t n = r_.unit_count.load(std::memory_order_acquire);
  for (std::uint32_t i = 0; i < n; ++i)
    if (name == r_.units[i].name) return &r_.units[i];
  while (r_.problems_lock.test_and_set(std::memory_order_acquire)) {
  }
  n = r_.unit_count.load(std::memory_order_acquire);
  LedgerUnit* found = nullptr;
  for (std::uint32_t i = 0; i < n && found == nullptr; ++i)
    if (name == r_.units[i].name) found = &r_.units[i];
  if (found == nullptr && n < kMaxUnits) {
    found = &r_.units[n];
    copy_text(found->name, sizeof found->name, name);
    found->begun.store(0);
    found->committed.store(0);
    r_.unit_count.store(n + 1, std::memory_order_release);
  }
  r_.problems_lock.clear(std::memory_order_release);
  return found;
}

void Recorder::begin(std::string_view name) noexcept {
  if (LedgerUnit* u = unit(name)) u->begun.fetch_add(1);
}
void Recorder::commit(std::string_view name) noexcept {
  if (LedgerUnit* u = unit(name)) u->committed.fetch_add(1);
}

ScopedRecorder::ScopedRecorder(Recorder& r)
    : sink_(&r), observer_(&r), previous_ledger_(detail::current_ledger.exchange(&r)) {}
ScopedRecorder::~ScopedRecorder() { detail::current_ledger.store(previous_ledger_); }

}  // namespace faultline
