#include <faultline/asio/instrument.hpp>

#include <csignal>
#include <cstdlib>
#include "symbols.hpp"

#include <deque>
#include <map>
#include <tuple>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/experimental/channel_error.hpp>
#include <boost/system/system_error.hpp>

#include <faultline/observer.hpp>

namespace faultline::asio_detail {
namespace {

/// "ns::session(tcp::socket) [clone .actor]" -> "session"; a lambda keeps its enclosing name.
std::string short_function(std::string full) {
  if (auto clone = full.find(" [clone"); clone != std::string::npos) full.resize(clone);
  auto cut_arguments = [](std::string& s) {  // the last top-level "(...)" and what follows it
    int depth = 0;
    for (std::size_t i = s.size(); i-- > 0;) {
      if (s[i] == ')') ++depth;
      if (s[i] == '(' && depth > 0 && --depth == 0) {
        s.resize(i);
        return;
      }
    }
  };
  cut_arguments(full);
  if (auto lambda = full.find("::{lambda"); lambda != std::string::npos) {
    full.resize(lambda);
    cut_arguments(full);
  }
  if (!full.empty() && full.back() == '>') {  // "f<T, U>": the template's arguments go
    int depth = 0;
    for (std::size_t i = full.size(); i-- > 0;) {
      if (full[i] == '>') ++depth;
      if (full[i] == '<' && --depth == 0) {
        full.resize(i);
        break;
      }
    }
  }
  if (auto colon = full.rfind("::"); colon != std::string::npos) full.erase(0, colon + 2);
  if (auto space = full.rfind(' '); space != std::string::npos) full.erase(0, space + 1);
  return full.empty() ? "coroutine" : full;
}

struct Coroutine {
  std::string name;            ///< the function of its first co_await ("" until then)
  std::string waiting_at;      ///< the site of its last co_await
  state_access state;          ///< its cancellation state as of its last co_await
  bool announced = false;      ///< task_created was reported
  bool cancel_delivered = false;  ///< an injected terminal cancellation reached its state
  /// It saw that cancellation: an operation of it completed with operation_aborted. NOTE: a
  /// coroutine that turned throw_if_cancelled off checks its state itself, and may end
  /// normally on another path (an error) with the cancellation still pending: not a swallow.
  bool cancel_noticed = false;
};

struct Scope {
  std::uint32_t coroutine = 0;
  std::uint32_t previous_current = 0;
  std::uint64_t ordinal = 0;   ///< the await point (0: co_spawn's own step)
  bool op_attached = false;
  int fault = -1;              ///< index into faults
  bool hooked = false;         ///< the hook was called for it
  void* thread = nullptr;      ///< the coroutine thread the co_await runs on
  post_fn post = nullptr;      ///< queues work on its executor
};

struct FaultInFlight {
  FaultAction action;
  std::uint32_t coroutine = 0;
  state_access state;
  bool op_pending = false;     ///< its operation started and has not completed
  bool delivered = false;      ///< it reached the pending operation through its slot
  bool done = false;           ///< it took effect (or can no longer)
};

class Core {
 public:
  std::vector<Coroutine> coroutines;  // id = index + 1
  std::unordered_map<const void*, std::uint32_t> by_entry;
  std::vector<int> spawn_first_lines;  // the line of co_spawn_entry_point's first dispatch
  std::vector<Scope> scopes;
  std::vector<std::uint32_t> invocations;  // current coroutine before each invocation
  std::uint32_t current = 0;
  std::vector<FaultInFlight> faults;
  struct {
    bool valid = false;
    std::uint64_t ordinal = 0;
    std::uint32_t coroutine = 0;
  } completing;
  std::uint64_t unresolved = 0;  // stamped operations neither invoked nor destroyed
  std::unordered_map<std::uint64_t, std::string> site_text;  // by (file pointer, line)
  std::deque<boost::asio::cancellation_signal> spawn_signals;

  Coroutine* coroutine(std::uint32_t id) { return id == 0 || id > coroutines.size() ? nullptr : &coroutines[id - 1]; }

  void set_current(std::uint32_t id) {
    current = id;
    faultline::set_current_task(id);
  }

  std::uint32_t register_coroutine(const void* entry, const state_access& state) {
    coroutines.push_back(Coroutine{});
    coroutines.back().state = state;
    auto id = static_cast<std::uint32_t>(coroutines.size());
    by_entry[entry] = id;
    return id;
  }

  std::unordered_map<const void*, std::string> names;  // by resume function
  std::map<std::tuple<const char*, const char*, std::string>, std::string> op_texts;

  /// "socket.async_receive (session)": the site of an await whose co_await has no location.
  const std::string& op_text(const char* object_type, const char* op_name, const std::string& coroutine) {
    auto key = std::make_tuple(object_type, op_name, coroutine);
    auto it = op_texts.find(key);
    if (it != op_texts.end()) return it->second;
    return op_texts[key] = std::string(object_type ? object_type : "?") + "." + (op_name ? op_name : "?") + " (" + coroutine + ")";
  }

  /// The coroutine function whose resume function is `resume`, as the symbol table names it.
  const std::string& name_of(const void* resume) {
    auto it = names.find(resume);
    if (it != names.end()) return it->second;
    std::string full = function_name_at(resume);
    return names[resume] = full.empty() ? "coroutine" : short_function(full);
  }

  const std::string& text_of(const source_site& site) {
    std::uint64_t key = reinterpret_cast<std::uintptr_t>(site.file) * 131 + static_cast<std::uint64_t>(site.line);
    auto it = site_text.find(key);
    if (it != site_text.end()) return it->second;
    std::string function = short_function(site.function ? site.function : "?");
    std::string file = site.file ? site.file : "?";
    if (auto slash = file.rfind('/'); slash != std::string::npos) file.erase(0, slash + 1);
    return site_text[key] = file + ":" + std::to_string(site.line) + " (" + function + ")";
  }

  /// An operation ended without its handler running (its io_context destroyed it).
  void destroyed(std::uint32_t coroutine_id) {
    if (unresolved > 0) --unresolved;
    Coroutine* c = coroutine(coroutine_id);
    if (c == nullptr) return;
    if (RuntimeObserver* o = observer())
      o->task_destroyed_pending(coroutine_id, c->name.empty() ? "coroutine" : c->name.c_str(), c->waiting_at.c_str());
  }

  void flush_completion() {
    if (!completing.valid) return;
    completing.valid = false;
    destroyed(completing.coroutine);
  }

  void reset() {
    coroutines.clear();
    by_entry.clear();
    scopes.clear();
    invocations.clear();
    faults.clear();
    completing = {};
    unresolved = 0;
    current = 0;
    // NOTE: the signals go last: co_spawn's cancellation handlers live inside them.
    spawn_signals.clear();
  }
};

thread_local Core core;


class InjectedCategory : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "faultline"; }
  std::string message(int) const override { return "faultline: injected error"; }
};

/// The error an operation completes with when a terminal cancellation ends it.
bool is_cancellation(const boost::system::error_code& ec) {
  return ec == boost::asio::error::operation_aborted || ec == boost::asio::experimental::error::channel_cancelled;
}

void took_effect(FaultInFlight& f) {
  f.done = true;
  fault_took_effect(f.action);
}

/// Delivers a pending operation's `at` fault through its cancellation slot (posted, so that the
/// operation has really started: a reactor operation registers only after its initiation).
void deliver_pending(std::size_t index) {
  if (index >= core.faults.size()) return;
  FaultInFlight& f = core.faults[index];
  if (f.done) return;
  if (f.action.kind == FaultKind::signal) {
    took_effect(f);
    std::raise(f.action.arg);
    return;
  }
  if (!f.op_pending || f.state.impl == nullptr) return;  // completed meanwhile: applied at its invocation
  bool cancel = f.action.kind == FaultKind::cancel;
  if (cancel) {
    if (Coroutine* c = core.coroutine(f.coroutine)) c->cancel_delivered = true;
  }
  f.delivered = true;
  f.state.emit(f.state.impl, cancel);
}

}  // namespace

const boost::system::error_category& injected_category() noexcept {
  static const InjectedCategory category;
  return category;
}

boost::asio::cancellation_slot detached_spawn_slot() noexcept {
  if (!active()) return {};
  return core.spawn_signals.emplace_back().slot();
}

void begin_run() noexcept { core.reset(); }

void end_run() noexcept {
  core.flush_completion();
  // NOTE: what is still unresolved here was neither invoked nor destroyed: the program returned
  // and left its io_context (or a coroutine) alive. Counted only here, when the program returned:
  // a process a signal ended leaves its operations pending by design.
  if (RuntimeObserver* o = observer())
    for (std::uint64_t k = 0; k < core.unresolved; ++k) o->future_created(0);
  core.reset();
}

running_scope::running_scope(const void* entry, const void* resume) noexcept {
  if (!active()) [[likely]] return;
  auto it = core.by_entry.find(entry);
  if (it == core.by_entry.end()) return;  // a new thread: its first step registers it
  previous_ = core.current;
  set_ = true;
  core.set_current(it->second);
  Coroutine& c = core.coroutines[it->second - 1];
  if (c.name.empty()) {
    const std::string& name = core.name_of(resume);
    if (name != "co_spawn_entry_point") c.name = name;
  }
}

running_scope::~running_scope() {
  if (set_ && active()) core.set_current(previous_);
}

void begin_spawn_step(const void* entry, const source_site& site, const state_access& state) noexcept {
  auto it = core.by_entry.find(entry);
  bool known_first_line = false;
  for (int l : core.spawn_first_lines) known_first_line = known_first_line || l == site.line;
  std::uint32_t id;
  if (it == core.by_entry.end()) {
    if (!known_first_line) core.spawn_first_lines.push_back(site.line);
    id = core.register_coroutine(entry, state);
  } else if (known_first_line) {
    id = core.register_coroutine(entry, state);  // a new coroutine in a reused frame
  } else {
    id = it->second;  // the entry point's last step
  }
  core.scopes.push_back(Scope{id, core.current, 0, false, -1});
  core.set_current(id);
}

/// Calls the hook for the await point of `scope`, whose site reads `text`.
void hook(Scope& scope, const std::string& text) {
  Coroutine& c = core.coroutines[scope.coroutine - 1];
  if (!c.announced) {
    c.announced = true;
    if (RuntimeObserver* o = observer()) o->task_created(scope.coroutine, c.name.c_str());
  }
  c.waiting_at = text;
  scope.hooked = true;
  FaultAction action = at_await_point_text(text, scope.coroutine, c.name.c_str());
  // NOTE: an await point past the schedule gets no ordinal back; it still starts an operation.
  scope.ordinal = action.ordinal != 0 ? action.ordinal : ~std::uint64_t{0};
  if (!action) return;
  FaultInFlight f;
  f.action = action;
  f.coroutine = scope.coroutine;
  f.state = c.state;
  scope.fault = static_cast<int>(core.faults.size());
  core.faults.push_back(std::move(f));
  if (action.kind == FaultKind::exit && action.timing == FaultTiming::at) {
    took_effect(core.faults.back());
    std::exit(action.arg);  // NOTE: exit=C in plain Asio code: a fatal path calls exit(C) before the operation starts
  }
}

void begin_await(const void* entry, const void* resume, const source_site& site, const state_access& state,
                 void* thread, post_fn post) noexcept {
  auto it = core.by_entry.find(entry);
  std::uint32_t id = it != core.by_entry.end() ? it->second : core.register_coroutine(entry, state);
  Coroutine& c = core.coroutines[id - 1];
  c.name = core.name_of(resume);
  // NOTE: an operation handed to co_spawn (or to awaitable_operators) as it is, with no
  // coroutine of the program around it: Asio's entry point awaits it.
  if (c.name == "co_spawn_entry_point") c.name = "spawned_operation";
  c.state = state;
  Scope scope{id, core.current, 0, false, -1};
  scope.thread = thread;
  scope.post = post;
  core.set_current(id);
  if (site.file != nullptr && site.line > 0) {
    hook(scope, core.text_of(site));
  } else {
    scope.ordinal = ~std::uint64_t{0};  // hooked when its operation is created, by its name
  }
  core.scopes.push_back(std::move(scope));
}

void end_location() noexcept {
  if (core.scopes.empty()) return;
  Scope scope = core.scopes.back();
  core.scopes.pop_back();
  core.set_current(scope.previous_current);
  if (scope.fault < 0) return;
  FaultInFlight& f = core.faults[static_cast<std::size_t>(scope.fault)];
  if (f.action.timing != FaultTiming::at || f.done) return;
  if (f.action.kind == FaultKind::cancel || f.action.kind == FaultKind::throw_error || f.action.kind == FaultKind::signal) {
    auto index = static_cast<std::size_t>(scope.fault);
    if (scope.post != nullptr) scope.post(scope.thread, &deliver_pending, index);
  }
}

void stamp_op(tracked_op& op, const char* object_type, const char* op_name) noexcept {
  if (!core.scopes.empty()) {
    Scope& s = core.scopes.back();
    op.faultline_coroutine = s.coroutine;
    if (s.ordinal != 0 && !s.hooked) hook(s, core.op_text(object_type, op_name, core.coroutines[s.coroutine - 1].name));
    if (s.ordinal != 0 && !s.op_attached) {
      s.op_attached = true;
      op.faultline_ordinal = s.ordinal;
      if (s.fault >= 0) core.faults[static_cast<std::size_t>(s.fault)].op_pending = true;
    }
  } else {
    op.faultline_coroutine = core.current;
  }
  if (op.faultline_coroutine != 0) ++core.unresolved;
}

void on_completion(const tracked_op& op) noexcept {
  if (!active()) [[likely]] return;
  core.flush_completion();  // a completion with no invocation since: that operation was destroyed
  if (op.faultline_coroutine == 0) return;
  core.completing = {true, op.faultline_ordinal, op.faultline_coroutine};
}

/// Applies the fault of await point `ordinal`, if any, to the invocation about to start.
void apply_fault_at_invocation(std::uint64_t ordinal, void* ec, void (*set_error)(void*, int, int)) {
  for (FaultInFlight& f : core.faults) {
    if (f.action.ordinal != ordinal) continue;
    f.op_pending = false;
    if (f.done) return;
    Coroutine* c = core.coroutine(f.coroutine);
    switch (f.action.kind) {
      case FaultKind::cancel:
        // NOTE: as a real terminal cancellation: one that reached the pending operation made it
        // complete as it does when cancelled (operation_aborted for Asio's own operations); one
        // that lands after the completion (`after`, or an `at` whose operation completed inside
        // its initiation) leaves the result as it is and marks the state, so the coroutine gets
        // its result and its next co_await throws operation_aborted.
        if (f.state.impl == nullptr) {  // no slot: nothing can cancel this coroutine (as Asio)
          f.done = true;
          return;
        }
        if (!f.delivered) f.state.emit(f.state.impl, true);
        if (c != nullptr) c->cancel_delivered = true;
        took_effect(f);
        break;
      case FaultKind::throw_error: {
        // NOTE: an operation that failed on its own (the end of a stream, a reset) keeps its
        // error: the first failure stands, and replacing an end of stream would lose it for
        // good (Asio's edge-triggered reactor reports it once). Only a success, or the abort
        // the fault itself caused through the slot (operation_aborted, channel_cancelled),
        // becomes the injected error.
        const auto* code = static_cast<const boost::system::error_code*>(ec);
        bool failed_on_its_own = code != nullptr && *code && !f.delivered;
        if (code == nullptr || failed_on_its_own) {  // the fault cannot act
          f.done = true;
          return;
        }
        set_error(ec, 1, injected_throw);
        took_effect(f);
        break;
      }
      case FaultKind::signal:
        took_effect(f);
        std::raise(f.action.arg);
        break;
      case FaultKind::exit:
        took_effect(f);
        std::exit(f.action.arg);
      case FaultKind::none:
        break;
    }
    return;
  }
}

void begin_invocation(void* ec, void (*set_error)(void*, int, int)) noexcept {
  core.invocations.push_back(core.current);
  if (!core.completing.valid) return;
  core.completing.valid = false;
  if (core.unresolved > 0) --core.unresolved;
  core.set_current(core.completing.coroutine);
  if (core.completing.ordinal != 0) apply_fault_at_invocation(core.completing.ordinal, ec, set_error);
  Coroutine* c = core.coroutine(core.completing.coroutine);
  if (c != nullptr && c->cancel_delivered && ec != nullptr && is_cancellation(*static_cast<const boost::system::error_code*>(ec)))
    c->cancel_noticed = true;
}

void on_invocation_end() noexcept {
  if (!active()) [[likely]] return;
  if (core.invocations.empty()) return;
  core.set_current(core.invocations.back());
  core.invocations.pop_back();
}

void detached_end(const std::exception_ptr& error) noexcept {
  if (!active()) return;
  std::uint32_t id = core.current;
  Coroutine* c = core.coroutine(id);
  const char* name = c != nullptr && !c->name.empty() ? c->name.c_str() : "coroutine";
  RuntimeObserver* o = observer();
  if (o == nullptr) return;
  bool cancelled = c != nullptr && c->cancel_delivered;
  if (!error) {
    // NOTE: swallowed only if the coroutine saw the cancellation and went on to end normally
    // with its state still cancelled: one that landed after its last operation (nothing left to
    // cancel) is not. A catch that swallows the throw of a later co_await is not seen here, but
    // the same catch swallows the `at` cancel of the same await point, which is explored too.
    bool still_cancelled = cancelled && c->cancel_noticed && c->state.impl != nullptr && c->state.cancelled(c->state.impl);
    if (still_cancelled) o->cancel_swallowed(id, name);
    o->task_finished(id, TaskEnd::value);
    return;
  }
  std::string what = "unknown exception";
  bool aborted = false;
  try {
    std::rethrow_exception(error);
  } catch (const boost::system::system_error& e) {
    what = e.what();
    aborted = is_cancellation(e.code());
  } catch (const std::exception& e) {
    what = e.what();
  } catch (...) {
  }
  // NOTE: operation_aborted (channel_cancelled for a channel) ending a detached coroutine is how
  // a program stops it (a close, a cancel(), a terminal cancellation): its cancelled end, not an
  // error someone should see.
  if (aborted) {
    o->task_finished(id, TaskEnd::cancelled);
    return;
  }
  o->task_finished(id, TaskEnd::error);
  o->exception_lost(id, name, (c != nullptr ? c->waiting_at : std::string()).c_str(), what.c_str());
}

}  // namespace faultline::asio_detail
