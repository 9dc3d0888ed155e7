// The faultline command line as a library: list scenarios, run fault-injection campaigns,
// replay schedules, for whatever scenarios the binary that calls it registered.
// Exit status: 0 nothing found, 1 a violation found, 2 usage error, 3 internal error,
// 130/143 interrupted.
#include <faultline/cli.hpp>

#include <unistd.h>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <faultline/atomic_file.hpp>
#include <faultline/error.hpp>
#include <faultline/explorer.hpp>
#include <faultline/oracle.hpp>
#include <faultline/report.hpp>
#include <faultline/sandbox.hpp>
#include <faultline/scenario.hpp>

#include "cli_args.hpp"

using namespace faultline;

namespace {

std::string program_name = "faultline";  // argv[0] as typed: replay commands name this binary
std::atomic<bool> stop_requested{false};  // NOTE: lock-free, so safe to set in a signal handler
volatile sig_atomic_t stop_signal = 0;
extern "C" void on_stop_signal(int signo) {
  stop_signal = signo;
  stop_requested = true;
}

const char* const kUsage =
    "usage: faultline list [--json]\n"
    "       faultline run [SCENARIO...] [--mode sweep|random|all] [--budget 60s | --runs N] [--seed S]\n"
    "                     [--jobs N] [--shard I/N] [--max-faults K] [--timeout 2s] [--flaw NAME]...\n"
    "                     [--report DIR] [--corpus DIR] [--forked] [--replays N]\n"
    "       faultline replay SCENARIO --schedule TEXT [--flaw NAME]... [--trace] [--no-fork] [--times N]\n"
    "       faultline replay --finding FILE [--trace] [--no-fork] [--times N]\n"
    "Run 'faultline COMMAND --help' for the options of a command.\n";

const char* const kRunHelp =
    "faultline run [SCENARIO...] [options]\n"
    "  Explores faults at every await point of each scenario (all when none is named):\n"
    "  corpus replay, discovery, the fault tree breadth-first (the single-fault sweep: every ordinal x\n"
    "  kind x timing; then every run that survived a fault gets one more at each later await point,\n"
    "  to --max-faults), then random schedules aimed at rarely reached sites where the tree was not\n"
    "  exhausted; shrinks and confirms one finding per distinct bucket (oracle, what broke, fault).\n"
    "  --mode sweep|random|all   phases to run (default all)\n"
    "  --budget DURATION         wall-clock budget for the campaign, e.g. 60s, 5m, 8h (default: 60s\n"
    "                            unless --runs is given; --runs alone runs the whole tree)\n"
    "  --runs N                  random schedules per scenario after the tree (default 2000; with\n"
    "                            --budget alone: until the budget)\n"
    "  --seed S                  the campaign's 64-bit seed (default: drawn once and printed first)\n"
    "  --jobs N                  workers: scenarios in parallel, one scenario split over several when\n"
    "                            there are fewer scenarios than jobs (default 1)\n"
    "  --shard I/N               run shard I (0-based) of N; also GTEST_SHARD_INDEX/GTEST_TOTAL_SHARDS\n"
    "  --max-faults K            depth of the fault tree, and most faults of a random schedule (default 3)\n"
    "  --timeout DURATION        per-run watchdog (default 2s)\n"
    "  --flaw NAME               switch a runtime flaw on (repeatable; see 'faultline list')\n"
    "  --report DIR              write results.json, junit.xml and findings/ there (default reports/latest)\n"
    "  --corpus DIR              replay past failures from DIR first and add new ones to it\n"
    "  --forked                  run every schedule in a forked child (default: persistent worker,\n"
    "                            findings always confirmed in a forked child)\n"
    "  --replays N               forked replays of each finding to check its trace (default 5)\n"
    "  --check-determinism P     replay P% of clean runs and compare their paths (default 1; 0 = off)\n";

const char* const kReplayHelp =
    "faultline replay SCENARIO --schedule TEXT [options]\n"
    "faultline replay --finding FILE [options]\n"
    "  Runs one schedule and judges it with every oracle.\n"
    "  --schedule TEXT   faults, e.g. '12:cancel;40+:signal=TERM;7:exit=3' ('' for none)\n"
    "  --finding FILE    a finding file from REPORT_DIR/findings/\n"
    "  --flaw NAME       switch a runtime flaw on (repeatable)\n"
    "  --trace           print every await point of the run\n"
    "  --no-fork         run in this process (for a debugger); signals are recorded, not raised\n"
    "  --times N         replay N times and report whether the trace is the same each time\n";

const char* const kListHelp =
    "faultline list [--json]\n"
    "  Lists scenarios: description, await points in a fault-free run, what the zoo expects\n"
    "  (clean, or the oracle that must fire) and the runtime flaws each exercises.\n";

bool is_tty() { return isatty(STDERR_FILENO) != 0; }

int cmd_list(Args& args) {
  if (args.flag("--help")) return std::fputs(kListHelp, stdout), 0;
  bool json = args.flag("--json");
  args.finish();
  Worker worker(ExecMode::forked);
  std::ostringstream out;
  const auto& all = Registry::instance().all();
  if (json) out << "{\"schema_version\": 1, \"flaws\": [";
  if (json) {
    const auto& flaws = Registry::instance().flaw_names();
    for (std::size_t i = 0; i < flaws.size(); ++i) out << (i ? ", " : "") << "\"" << flaws[i] << "\"";
    out << "], \"scenarios\": [";
  }
  for (std::size_t i = 0; i < all.size(); ++i) {
    const Scenario& s = all[i];
    RunRequest req{&s, {}, Schedule{}, 5000};
    worker.run(req);
    std::uint64_t points = worker.record().await_points;
    if (json) {
      out << (i ? "," : "") << "\n  {\"name\": \"" << s.name << "\", \"description\": " << quote(s.description)
          << ", \"trap\": " << quote(s.trap) << ", \"twin\": " << quote(s.twin) << ", \"await_points\": " << points
          << ", \"deterministic\": " << (s.deterministic ? "true" : "false")
          << ", \"expect\": " << quote(s.expected_oracle.empty() ? "clean" : "finding")
          << ", \"oracle\": " << quote(s.expected_oracle) << ", \"flaws\": [";
      for (std::size_t k = 0; k < s.flaws.size(); ++k)
        out << (k ? ", " : "") << "{\"name\": " << quote(s.flaws[k].flaw) << ", \"oracle\": " << quote(s.flaws[k].oracle)
            << ", \"expect\": " << quote(s.flaws[k].oracle.empty() ? "clean" : "finding") << "}";
      out << "]}";
    } else {
      out << s.name << "  (" << points << " await points" << (s.deterministic ? "" : ", real threads/sockets") << ")\n    "
          << s.description << "\n    expect: " << (s.expected_oracle.empty() ? "clean" : "finding by " + s.expected_oracle) << "\n";
      if (!s.trap.empty()) out << "    trap: " << s.trap << "\n";
      for (const auto& f : s.flaws)
        out << "    --flaw " << f.flaw << ": " << (f.oracle.empty() ? "stays clean" : "finding by " + f.oracle) << "\n";
    }
  }
  if (json) out << "\n]}\n";
  std::fputs(out.str().c_str(), stdout);
  return 0;
}

void print_finding(const Finding& f) {
  std::ostringstream o;
  o << "FINDING " << f.oracle << " in " << f.scenario;
  for (const auto& x : f.flaws) o << " +" << x;
  o << "\n  " << f.explanation << "\n  schedule: " << to_string(f.schedule) << "  (shrunk from '" << to_string(f.original)
    << "' in " << f.shrink_runs << " runs; found after " << f.runs_until_found << " runs)\n  trace (the faults' windows, then the tail):\n";
  for (const auto& l : f.trace_tail) o << "    " << l << "\n";
  o << "  same trace in " << f.replays_same_trace << "/" << f.replays << " forked replays";
  if (!f.divergence.empty()) o << " (first divergence: " << f.divergence << ")";
  o << "\n  replay: " << f.replay_command << "\n";
  std::fputs(o.str().c_str(), stdout);
  std::fflush(stdout);
}

/// Creates `dir` if needed; a usage error if it is a file, an internal one if it cannot be written.
void check_writable_dir(const std::string& dir, const char* flag) {
  std::error_code ec;
  if (std::filesystem::exists(dir, ec) && !std::filesystem::is_directory(dir, ec))
    usage_error(std::string(flag) + " " + dir + " is a file, not a directory", "give a directory (it is created if missing)");
  std::filesystem::create_directories(dir, ec);
  if (ec || access(dir.c_str(), W_OK) != 0)
    internal_error("cannot write to " + dir + (ec ? ": " + ec.message() : std::string()),
                   std::string("choose another ") + flag + " DIR or fix its permissions");
}

int cmd_run(Args& args) {
  if (args.flag("--help")) return std::fputs(kRunHelp, stdout), 0;
  CampaignOptions opt;
  opt.program = program_name;
  std::string mode = args.value("--mode", "all");
  if (mode == "sweep") opt.random = false;
  else if (mode == "random") opt.sweep = false;
  else if (mode != "all") usage_error("bad --mode '" + mode + "'", "use sweep, random or all");
  if (auto b = args.optional_value("--budget")) opt.budget_s = parse_duration_s(*b, "--budget", 0.001);
  if (auto r = args.optional_value("--runs")) {
    opt.random_runs = parse_uint(*r, "--runs");
  } else {
    if (!opt.budget_s) opt.budget_s = 60;  // NOTE: a depth-3 tree may not end: with neither, a minute
    opt.random_runs = UINT64_MAX;          // --budget alone: explore until the budget
  }
  std::optional<std::string> seed_text = args.optional_value("--seed");
  opt.jobs = static_cast<int>(parse_uint(args.value("--jobs", "1"), "--jobs", 1, 256));
  opt.max_faults = static_cast<int>(parse_uint(args.value("--max-faults", "3"), "--max-faults", 1, 16));
  opt.timeout_ms = static_cast<int>(parse_duration_s(args.value("--timeout", "2s"), "--timeout", 0.001, 86400) * 1000);
  opt.replays = static_cast<int>(parse_uint(args.value("--replays", "5"), "--replays", 1, 1000));
  opt.check_determinism = parse_uint(args.value("--check-determinism", "1"), "--check-determinism", 0, 100) / 100.0;
  opt.flaws = args.values("--flaw");
  opt.exec = args.flag("--forked") ? ExecMode::forked : ExecMode::persistent;
  std::string report_dir = args.value("--report", "reports/latest");
  opt.corpus_dir = args.value("--corpus", "");
  parse_shard(args.optional_value("--shard"), opt.shard_index, opt.shard_count);
  opt.scenarios = args.positionals();
  args.finish();
  Registry::instance().check_flaws(opt.flaws);
  for (const auto& n : opt.scenarios) Registry::instance().get(n);
  // Fail before spending the budget if the reports or the corpus cannot be written, or the
  // corpus cannot be read: a campaign's results are never lost to an error found at its end.
  // Inputs first, so that a bad one leaves nothing behind; then the directories.
  if (!opt.corpus_dir.empty())
    for (const Scenario& sc : Registry::instance().all())
      read_corpus(opt.corpus_dir, sc.name, opt.flaws);  // throws a usage error naming a bad line
  check_writable_dir(report_dir, "--report");
  if (!opt.corpus_dir.empty()) check_writable_dir(opt.corpus_dir, "--corpus");
  if (seed_text) {
    opt.seed = parse_uint(*seed_text, "--seed");
  } else {
    // NOTE: the only nondeterministic read of a campaign, printed first so it can be replayed.
    std::random_device rd;
    opt.seed = (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
  }
  std::printf("faultline: seed %llu (rerun this campaign with --seed %llu)\n", static_cast<unsigned long long>(opt.seed),
              static_cast<unsigned long long>(opt.seed));
  std::fflush(stdout);

  std::signal(SIGTERM, on_stop_signal);
  std::signal(SIGINT, on_stop_signal);
  bool tty = is_tty();
  ProgressFn progress;
  if (tty) {
    progress = [](const Progress& p) {
      std::string left = p.seconds_left >= 0 ? ", " + std::to_string(static_cast<int>(p.seconds_left)) + "s left" : "";
      std::fprintf(stderr, "\r\033[K[%zu/%zu] %s: %llu runs | campaign: %llu runs (%.0f/s), %zu finding(s), %zu exhausted%s",
                   p.scenario_index, p.scenario_count, p.scenario.c_str(), static_cast<unsigned long long>(p.runs),
                   static_cast<unsigned long long>(p.total_runs), p.runs_per_s, p.findings, p.exhausted, left.c_str());
    };
  }
  FindingFn on_finding = [&](const Finding& f) {
    if (tty) std::fputs("\r\033[K", stderr);
    print_finding(f);
    write_finding(report_dir, f);
    if (!opt.corpus_dir.empty()) add_to_corpus(opt.corpus_dir, f);
  };
  CampaignResult result = run_campaign(opt, progress, on_finding, &stop_requested);
  if (tty) std::fputs("\r\033[K", stderr);
  write_reports(report_dir, result);
  for (const auto& s : result.scenarios) {
    std::uint64_t schedules = 0;
    for (auto n : s.tree_schedules) schedules += n;
    if (s.exhausted)
      std::printf("exhausted %s: every schedule of <= %d faults was run: %llu schedules\n", s.scenario.c_str(),
                  s.exhausted_depth, static_cast<unsigned long long>(schedules));
  }
  for (const auto& s : result.scenarios)
    for (const auto& w : s.health) std::printf("health warning %s: %s: %s\n", s.scenario.c_str(), w.id.c_str(), w.message.c_str());
  std::uint64_t sweep = 0, deeper = 0, random = 0;
  for (const auto& s : result.scenarios) sweep += s.sweep_runs, deeper += s.deeper_runs, random += s.random_runs;
  std::printf("faultline: %zu scenario(s), %llu runs (sweep %llu, deeper %llu, random %llu) in %.2fs, %zu finding(s)%s; reports in %s\n",
              result.scenarios.size(), static_cast<unsigned long long>(result.runs()), static_cast<unsigned long long>(sweep),
              static_cast<unsigned long long>(deeper), static_cast<unsigned long long>(random), result.seconds, result.findings(),
              result.partial ? " (partial: stopped early)" : "", report_dir.c_str());
  // NOTE: interrupted is told apart from finished, as a shell does: 128 + the signal.
  if (stop_requested) return 128 + static_cast<int>(stop_signal);
  return result.findings() > 0 ? 1 : 0;
}

int cmd_replay(Args& args) {
  if (args.flag("--help")) return std::fputs(kReplayHelp, stdout), 0;
  std::optional<std::string> finding_path = args.optional_value("--finding");
  std::optional<std::string> schedule_text = args.optional_value("--schedule");
  std::vector<std::string> flaws = args.values("--flaw");
  bool trace = args.flag("--trace");
  bool no_fork = args.flag("--no-fork");
  int times = static_cast<int>(parse_uint(args.value("--times", "1"), "--times", 1, 100000));
  int timeout_ms = static_cast<int>(parse_duration_s(args.value("--timeout", "5s"), "--timeout", 0.001, 86400) * 1000);
  std::vector<std::string> pos = args.positionals();
  args.finish();
  std::string scenario_name;
  if (finding_path) {
    FindingFile f = parse_finding_file(read_file(*finding_path), *finding_path);
    scenario_name = f.scenario;
    if (!schedule_text) schedule_text = f.schedule;
    if (flaws.empty()) flaws = f.flaws;
  } else {
    if (pos.size() != 1) usage_error("replay needs exactly one SCENARIO (or --finding FILE)", "see 'faultline replay --help'");
    scenario_name = pos[0];
    if (!schedule_text) usage_error("replay needs --schedule TEXT", "e.g. --schedule '3:cancel' ('' for none)");
  }
  const Scenario& sc = Registry::instance().get(scenario_name);
  Registry::instance().check_flaws(flaws);
  RunRequest req{&sc, flaws, parse_schedule(*schedule_text), timeout_ms};
  std::unique_ptr<Worker> worker;
  RunRecord* local = nullptr;
  TraceFingerprint first;
  std::string divergence;
  int same = 0;
  Verdict verdict;
  for (int i = 0; i < times; ++i) {
    RunOutcome o;
    const RunRecord* rec = nullptr;
    if (no_fork) {
      if (local == nullptr) local = map_shared_record();
      int status = run_in_this_process(req, *local, true);
      o.end = local->recorded_signal ? ProcessEnd{ProcessEnd::Kind::signaled, local->recorded_signal}
                                     : ProcessEnd{ProcessEnd::Kind::exited, status & 0xff};
      rec = local;
    } else {
      if (!worker) worker = std::make_unique<Worker>(ExecMode::forked);
      o = worker->run(req);
      rec = &worker->record();
    }
    Verdict v = judge(sc, *rec, o);
    if (i == 0) {
      first = fingerprint(*rec);
      verdict = v;
      std::printf("scenario %s, schedule '%s'%s\n", sc.name.c_str(), to_string(req.schedule).c_str(),
                  flaws.empty() ? "" : (", flaws " + flaws[0] + (flaws.size() > 1 ? ",..." : "")).c_str());
      std::vector<std::string> lines = trace_excerpt(*rec, trace ? kTraceTail : 12);
      std::printf("trace (%s%llu await points):\n", trace ? "the faults' windows and the last 1024 of " : "the faults' windows and the tail of ",
                  static_cast<unsigned long long>(rec->await_points));
      for (const auto& l : lines) std::printf("  %s\n", l.c_str());
      std::string ev = problems(*rec);
      if (!ev.empty()) std::printf("runtime reported:\n  %s\n", ev.c_str());
      if (!o.output_tail.empty() && trace) std::printf("output (last %zu bytes):\n%s\n", o.output_tail.size(), o.output_tail.c_str());
      std::printf("ended: %s; spec expects %s (%s)\n", v.actual.c_str(), to_string(v.expected.status).c_str(), v.expected.reason.c_str());
      if (std::string limits = record_limits(*rec); !limits.empty()) std::printf("health: record-limit: %s\n", limits.c_str());
      if (v.violations.empty()) std::printf("verdict: clean (every oracle holds)\n");
      for (const auto& x : v.violations) std::printf("VIOLATION %s: %s\n", x.oracle.c_str(), x.explanation.c_str());
    }
    std::string where = i == 0 ? std::string() : first_divergence(first, fingerprint(*rec));
    if (where.empty()) ++same;
    else if (divergence.empty()) divergence = where;
  }
  if (local != nullptr) unmap_shared_record(local);
  if (times > 1) std::printf("determinism: same trace in %d/%d replays\n", same, times);
  bool diverged = same != times;
  if (diverged)
    std::printf("VIOLATION %s: the trace differed between replays, first at %s\n", oracle_id::nondeterminism, divergence.c_str());
  return verdict.violations.empty() && !diverged ? 0 : 1;
}

}  // namespace

int faultline::main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  if (argc > 0 && argv[0] != nullptr && *argv[0] != '\0') program_name = argv[0];
  try {
    Args args(argc, argv);
    std::string cmd = args.command();
    if (cmd == "list") return cmd_list(args);
    if (cmd == "run") return cmd_run(args);
    if (cmd == "replay") return cmd_replay(args);
    if (cmd == "--help" || cmd == "-h" || cmd == "help") return std::fputs(kUsage, stdout), 0;
    if (cmd.empty()) usage_error("no command given", "use list, run or replay");
    usage_error("unknown command '" + cmd + "'", "use list, run or replay");
  } catch (const Error& e) {
    std::fprintf(stderr, "faultline: error: %s\n", e.what());
    if (e.error_class() == ErrorClass::usage) std::fputs("(see 'faultline --help')\n", stderr);
    return e.exit_status();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "faultline: internal error: %s\n", e.what());
    return 3;
  }
}
