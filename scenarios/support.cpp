#include "support.hpp"

#include <algorithm>

namespace scenarios {

const std::vector<FlawInfo>& rt_flaws() {
  static const std::vector<FlawInfo> flaws = {
      {"unretrieved_exit_zero", &rt::Flaws::unretrieved_exit_zero, "an exception nobody retrieved leaves exit status 0 (seed 000)"},
      {"shutdown_cancels_all", &rt::Flaws::shutdown_cancels_all, "shutdown cancels protected and shielded work too (seed 002)"},
      {"threadsafe_drops_exit", &rt::Flaws::threadsafe_drops_exit, "submit()'s future never resolves when the coroutine exits (seed 003)"},
      {"close_before_executor", &rt::Flaws::close_before_executor, "the loop closes before to_thread work finishes (seed 004)"},
      {"spawn_in_shutdown_destroyed", &rt::Flaws::spawn_in_shutdown_destroyed, "a task spawned during shutdown is destroyed pending (seed 004)"},
  };
  return flaws;
}

namespace {
struct RegisterFlaws {
  RegisterFlaws() {
    for (const auto& f : rt_flaws()) faultline::Registry::instance().add_flaw(f.name);
  }
} register_flaws;
}  // namespace

rt::Flaws flaws_from(const std::vector<std::string>& names) {
  rt::Flaws out;
  for (const auto& f : rt_flaws())
    if (std::find(names.begin(), names.end(), f.name) != names.end()) out.*(f.field) = true;
  return out;
}

std::function<int(const faultline::RunContext&)> on_rt(MainFn main, rt::Options base) {
  return [main, base](const faultline::RunContext& ctx) {
    rt::Options options = base;
    options.flaws = flaws_from(ctx.flaws);
    rt::Runtime runtime(options);
    return runtime.run(main());
  };
}

}  // namespace scenarios
