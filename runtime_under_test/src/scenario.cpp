#include <rt/scenario.hpp>

#include <algorithm>

namespace rt {

const std::vector<FlawInfo>& flaw_infos() {
  static const std::vector<FlawInfo> flaws = {
      {"unretrieved_exit_zero", &Flaws::unretrieved_exit_zero, "an exception nobody retrieved leaves exit status 0 (seed 000)"},
      {"shutdown_cancels_all", &Flaws::shutdown_cancels_all, "shutdown cancels protected and shielded work too (seed 002)"},
      {"threadsafe_drops_exit", &Flaws::threadsafe_drops_exit, "submit()'s future never resolves when the coroutine exits (seed 003)"},
      {"close_before_executor", &Flaws::close_before_executor, "the loop closes before to_thread work finishes (seed 004)"},
      {"spawn_in_shutdown_destroyed", &Flaws::spawn_in_shutdown_destroyed, "a task spawned during shutdown is destroyed pending (seed 004)"},
  };
  return flaws;
}

namespace {
// NOTE: lives in the same file as scenario_program, so that any scenario linking this static
// library pulls the flaws' registration in with it.
struct RegisterFlaws {
  RegisterFlaws() {
    for (const auto& f : flaw_infos()) faultline::Registry::instance().add_flaw(f.name);
  }
} register_flaws;
}  // namespace

Flaws flaws_from(const std::vector<std::string>& names) {
  Flaws out;
  for (const auto& f : flaw_infos())
    if (std::find(names.begin(), names.end(), f.name) != names.end()) out.*(f.field) = true;
  return out;
}

std::function<int(const faultline::RunContext&)> scenario_program(ScenarioMain main, Options base) {
  return [main, base](const faultline::RunContext& ctx) {
    Options options = base;
    options.flaws = flaws_from(ctx.flaws);
    Runtime runtime(options);
    return runtime.run(main());
  };
}

}  // namespace rt
