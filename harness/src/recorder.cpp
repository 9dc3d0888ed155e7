#include <faultline/recorder.hpp>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <set>
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

/// A spin lock over an atomic_flag in the shared record (runs may call from several threads).
class SpinLock {
 public:
  explicit SpinLock(std::atomic_flag& f) : f_(f) {
    while (f_.test_and_set(std::memory_order_acquire)) {
    }
  }
  ~SpinLock() { f_.clear(std::memory_order_release); }
  SpinLock(const SpinLock&) = delete;
  SpinLock& operator=(const SpinLock&) = delete;

 private:
  std::atomic_flag& f_;
};

constexpr std::uint16_t kOtherSites = static_cast<std::uint16_t>(kMaxSites - 1);

}  // namespace

Recorder::Recorder(RunRecord& record, const Schedule& schedule, RunLimits limits)
    : r_(record), schedule_(schedule), limits_(limits) {
  reset(r_);
  if (!schedule_.faults.empty()) last_fault_ordinal_ = schedule_.faults.back().ordinal;
}

std::uint16_t Recorder::site_id(const std::source_location& site) noexcept {
  SiteKey key{site.file_name(), site.line(), site.column()};
  auto it = site_ids_.find(key);
  if (it != site_ids_.end()) return it->second;
  std::uint16_t id = new_site(r_.site_count < kOtherSites ? describe(site) : std::string());
  site_ids_.emplace(key, id);
  return id;
}

std::uint16_t Recorder::site_id(std::string_view text) noexcept {
  std::string key(text.substr(0, sizeof(SiteEntry::text) - 1));
  auto it = text_site_ids_.find(key);
  if (it != text_site_ids_.end()) return it->second;
  std::uint16_t id = new_site(key);
  text_site_ids_.emplace(std::move(key), id);
  return id;
}

std::uint16_t Recorder::new_site(const std::string& text) noexcept {
  // NOTE: the last slot gathers every site past the limit, so that no other site's counts
  // are polluted; the record's overflow count makes it a health warning.
  bool fresh = r_.site_count <= kOtherSites;
  std::uint16_t id = r_.site_count < kOtherSites ? static_cast<std::uint16_t>(r_.site_count) : kOtherSites;
  if (fresh) {
    std::string shown = id < kOtherSites ? text : "(sites past the first " + std::to_string(kOtherSites) + ")";
    SiteEntry& e = r_.sites[id];
    copy_text(e.text, sizeof e.text, shown);
    e.hits = 0;
    e.first_past_faults[0] = e.first_past_faults[1] = 0;
    site_hashes_.push_back(fnv(1469598103934665603ull, shown.data(), shown.size()));
    ++r_.site_count;
  }
  return id;
}

void Recorder::keep(const TraceEntry& e) noexcept {
  if (r_.kept_count > 0 && r_.kept[r_.kept_count - 1].ordinal >= e.ordinal) return;
  if (r_.kept_count < kKeptEntries) r_.kept[r_.kept_count++] = e;
}

FaultAction Recorder::on_await(const std::source_location& site, std::uint64_t task_id, const char* task_name) noexcept {
  return await_at(site_id(site), task_id, task_name);
}

FaultAction Recorder::on_await_text(std::string_view site, std::uint64_t task_id, const char* task_name) noexcept {
  return await_at(site_id(site), task_id, task_name);
}

FaultAction Recorder::await_at(std::uint16_t sid, std::uint64_t task_id, const char* task_name) noexcept {
  std::uint64_t ordinal = ++r_.await_points;
  if (ordinal > limits_.max_await_points) [[unlikely]]
    stop_run(RunLimitHit::awaits, "the run passed " + std::to_string(limits_.max_await_points) + " await points");
  if (sid == kOtherSites) ++r_.overflow.sites;
  SiteEntry& se = r_.sites[sid];
  ++se.hits;
  if (ordinal > last_fault_ordinal_) {
    std::uint64_t& first = se.first_past_faults[r_.shutdown_began != 0];
    if (first == 0) first = ordinal;
  }
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
  TraceEntry e{ordinal, tid, sid, static_cast<std::uint8_t>(action.kind), static_cast<std::uint8_t>(action.timing),
               static_cast<std::int16_t>(action.arg), static_cast<std::uint8_t>(r_.shutdown_began != 0),
               static_cast<std::uint8_t>(action ? FaultState::pending : FaultState::none)};
  r_.tail[(ordinal - 1) % kTraceTail] = e;
  if (ordinal <= kMaxSteps) r_.steps[ordinal - 1] = (std::uint32_t{sid} << 16) | (tid & 0xffffu);
  else ++r_.overflow.steps;
  if (action) [[unlikely]] {
    // The window before the fault comes from the ring; the one after is kept as it happens.
    std::uint64_t from = ordinal > kFaultWindow ? ordinal - kFaultWindow : 1;
    for (std::uint64_t o = from; o < ordinal; ++o) keep(r_.tail[(o - 1) % kTraceTail]);
    r_.keep_until = ordinal + kFaultWindow;
    if (r_.injected_count < kMaxInjected) {
      InjectedFault& inj = r_.injected[r_.injected_count++];
      inj = InjectedFault{ordinal, tid, sid, e.fault_kind, e.fault_timing, e.fault_arg,
                          static_cast<std::uint8_t>(FaultState::pending), 0, 0, {}};
      copy_text(inj.task_name, sizeof inj.task_name, task_name != nullptr ? task_name : "");
    }
  }
  if (ordinal <= r_.keep_until) keep(e);
  return action;
}

InjectedFault* Recorder::injected(std::uint64_t ordinal) noexcept {
  for (std::uint32_t i = 0; i < r_.injected_count; ++i)
    if (r_.injected[i].ordinal == ordinal) return &r_.injected[i];
  return nullptr;
}

void Recorder::on_fault_effect(std::uint64_t ordinal) noexcept {
  InjectedFault* f = injected(ordinal);
  if (f == nullptr || f->state != static_cast<std::uint8_t>(FaultState::pending)) return;
  f->state = static_cast<std::uint8_t>(FaultState::took_effect);
  f->effect_seq = ++r_.effects;
  // NOTE: judged when the fault takes effect: an `after` fault may land after shutdown began.
  f->during_shutdown = static_cast<std::uint8_t>(r_.shutdown_began != 0);
}

void Recorder::on_fault_superseded(std::uint64_t ordinal) noexcept {
  InjectedFault* f = injected(ordinal);
  if (f != nullptr && f->state == static_cast<std::uint8_t>(FaultState::took_effect))
    f->state = static_cast<std::uint8_t>(FaultState::superseded);
}

void Recorder::stop_run(RunLimitHit why, const std::string& what) noexcept {
  // Name the tasks and sites the run kept going through lately: the loop.
  std::set<std::string> seen;
  std::string looping;
  std::uint64_t n = std::min<std::uint64_t>(r_.await_points - 1, 64);
  for (std::uint64_t k = 0; k < n; ++k) {
    const TraceEntry& e = r_.tail[(r_.await_points - 2 - k) % kTraceTail];
    std::string item = task_name(r_, e.task_id) + " at " + (e.site < site_count(r_) ? r_.sites[e.site].text : "?");
    if (seen.insert(item).second) looping += (looping.empty() ? "" : "; ") + item;
  }
  std::string report = "livelock: " + what + " (virtual clock at " + std::to_string(r_.clock_ns / 1'000'000) +
                       " ms); still looping: " + looping;
  copy_text(r_.limit_report, sizeof r_.limit_report, report);
  r_.limit_hit = static_cast<std::uint8_t>(why);
  std::fprintf(stderr, "faultline: run stopped: %s\n", r_.limit_report);
  std::fflush(stderr);
  // NOTE: nothing of the program may run on (it would loop on); the record is in shared
  // memory and says why, so the supervisor judges the run a hang, not a crash.
  _exit(kLimitExitStatus);
}

void Recorder::note(const std::string& line) noexcept {
  SpinLock lock(r_.problems_lock);
  std::size_t room = kProblemsBytes - 1 - r_.problems_len;
  std::size_t n = std::min(room, line.size() + 1);
  if (n < line.size() + 1) ++r_.overflow.problems;
  if (n > 0) {
    std::memcpy(r_.problems + r_.problems_len, line.data(), std::min(n, line.size()));
    if (n > line.size()) r_.problems[r_.problems_len + line.size()] = '\n';
    r_.problems_len += static_cast<std::uint32_t>(n);
    r_.problems[r_.problems_len] = '\0';
  }
}

void Recorder::task_created(std::uint64_t id, const char* name) {
  r_.tasks_created.fetch_add(1, std::memory_order_relaxed);
  if (r_.task_name_count < kMaxTaskNames) {
    auto& slot = r_.task_names[r_.task_name_count++];
    slot.id = static_cast<std::uint32_t>(id);
    copy_text(slot.name, sizeof slot.name, name);
  } else {
    ++r_.overflow.task_names;
  }
}
void Recorder::task_finished(std::uint64_t, TaskEnd) { r_.tasks_finished.fetch_add(1, std::memory_order_relaxed); }
void Recorder::task_destroyed_pending(std::uint64_t id, const char* name, const char* waiting_at) {
  r_.destroyed_pending.fetch_add(1, std::memory_order_relaxed);
  note("task " + std::string(name) + "#" + std::to_string(id) + " destroyed while pending" +
       (waiting_at[0] != '\0' ? std::string(" (waiting at ") + waiting_at + ")" : std::string(" (never started)")));
}
void Recorder::exception_lost(std::uint64_t id, const char* name, const char* waiting_at, const char* what) {
  r_.lost_exceptions.fetch_add(1, std::memory_order_relaxed);
  note("task " + std::string(name) + "#" + std::to_string(id) + " ended by an exception nobody sees (" + what + ")" +
       (waiting_at[0] != '\0' ? std::string(", last awaiting at ") + waiting_at : std::string()));
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
  if (r_.cut_task_count < kMaxCutTasks) r_.cut_tasks[r_.cut_task_count++] = static_cast<std::uint32_t>(id);
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
void Recorder::clock_advanced(std::int64_t now_ns) {
  r_.clock_ns = now_ns;
  if (now_ns > limits_.max_virtual_ns) [[unlikely]]
    stop_run(RunLimitHit::virtual_time,
             "the runtime's clock passed " + std::to_string(limits_.max_virtual_ns / 1'000'000) + " ms of virtual time");
}

LedgerUnit* Recorder::unit(std::string_view name) noexcept {
  std::uint64_t key = fnv(1469598103934665603ull, name.data(), name.size());
  SpinLock lock(r_.ledger_lock);
  for (std::size_t probe = 0; probe < kMaxUnits; ++probe) {
    std::size_t slot = (key + probe) % kMaxUnits;
    LedgerUnit& u = r_.units[slot];
    if (u.generation.load(std::memory_order_relaxed) != r_.generation) {
      u.generation.store(r_.generation, std::memory_order_relaxed);
      u.key = key;
      u.owner_task = 0;
      u.begun.store(0, std::memory_order_relaxed);
      u.committed.store(0, std::memory_order_relaxed);
      copy_text(u.name, sizeof u.name, name);
      std::uint32_t n = r_.unit_count.load(std::memory_order_relaxed);
      r_.unit_order[n] = static_cast<std::uint16_t>(slot);
      r_.unit_count.store(n + 1, std::memory_order_release);
      return &u;
    }
    if (u.key == key) return &u;
  }
  ++r_.overflow.units;
  return nullptr;
}

void Recorder::begin(std::string_view name) noexcept {
  if (LedgerUnit* u = unit(name)) {
    u->begun.fetch_add(1);
    if (std::uint64_t t = current_task()) u->owner_task = static_cast<std::uint32_t>(t);
  }
}
void Recorder::commit(std::string_view name) noexcept {
  if (LedgerUnit* u = unit(name)) u->committed.fetch_add(1);
}
void Recorder::own(std::string_view name) noexcept {
  if (LedgerUnit* u = unit(name))
    if (std::uint64_t t = current_task()) u->owner_task = static_cast<std::uint32_t>(t);
}

ScopedRecorder::ScopedRecorder(Recorder& r)
    : sink_(&r), observer_(&r), previous_ledger_(detail::current_ledger.exchange(&r)) {}
ScopedRecorder::~ScopedRecorder() { detail::current_ledger.store(previous_ledger_); }

}  // namespace faultline
