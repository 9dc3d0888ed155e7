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

#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include "cli_args.hpp"
#include "json_text.hpp"

using namespace faultline;

namespace {

std::string program_name = "faultline";  // argv[0] as typed: replay commands name this binary
std::atomic<bool> stop_requested{false};  // NOTE: lock-free, so safe to set in a signal handler
volatile sig_atomic_t stop_signal = 0;
extern "C" void on_stop_signal(int signo) {
  stop_signal = signo;
  stop_requested = true;
}

bool is_tty() { return isatty(STDERR_FILENO) != 0; }

int cmd_list(bool json) {
  Worker worker(ExecMode::forked);
  std::ostringstream out;
  boost::json::array scenarios;
  for (const Scenario& s : Registry::instance().all()) {
    RunRequest req{&s, {}, Schedule{}, 5000};
    worker.run(req);
    std::uint64_t points = worker.record().await_points;
    if (json) {
      boost::json::array flaws;
      for (const auto& f : s.flaws)
        flaws.push_back(boost::json::object{{"name", f.flaw}, {"oracle", f.oracle}, {"expect", f.oracle.empty() ? "clean" : "finding"}});
      scenarios.push_back(boost::json::object{
          {"name", s.name}, {"description", s.description}, {"trap", s.trap}, {"twin", s.twin}, {"await_points", points},
          {"deterministic", s.deterministic}, {"expect", s.expected_oracle.empty() ? "clean" : "finding"},
          {"oracle", s.expected_oracle}, {"flaws", std::move(flaws)}});
    } else {
      out << s.name << "  (" << points << " await points" << (s.deterministic ? "" : ", real threads/sockets") << ")\n    "
          << s.description << "\n    expect: " << (s.expected_oracle.empty() ? "clean" : "finding by " + s.expected_oracle) << "\n";
      if (!s.trap.empty()) out << "    trap: " << s.trap << "\n";
      for (const auto& f : s.flaws)
        out << "    --flaw " << f.flaw << ": " << (f.oracle.empty() ? "stays clean" : "finding by " + f.oracle) << "\n";
    }
  }
  if (json) {
    const auto& names = Registry::instance().flaw_names();
    out << detail::indented_json(boost::json::object{{"schema_version", 1},
                                                     {"flaws", boost::json::array(names.begin(), names.end())},
                                                     {"scenarios", std::move(scenarios)}});
  }
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

/// `faultline run`'s options as typed; checked and converted by cmd_run.
struct RunArgs {
  std::vector<std::string> scenarios, flaws;
  std::string mode = "all", budget, runs, seed, shard, jobs = "1", max_faults = "3", timeout = "2s", replays = "5",
              check_determinism = "1", report = "reports/latest", corpus;
  bool forked = false;
};

int cmd_run(const RunArgs& args) {
  CampaignOptions opt;
  opt.program = program_name;
  if (args.mode == "sweep") opt.random = false;
  else if (args.mode == "random") opt.sweep = false;
  else if (args.mode != "all") usage_error("bad --mode '" + args.mode + "'", "use sweep, random or all");
  if (!args.budget.empty()) opt.budget_s = parse_duration_s(args.budget, "--budget", 0.001);
  if (!args.runs.empty()) {
    opt.random_runs = parse_uint(args.runs, "--runs");
  } else {
    if (!opt.budget_s) opt.budget_s = 60;  // NOTE: a depth-3 tree may not end: with neither, a minute
    opt.random_runs = UINT64_MAX;          // --budget alone: explore until the budget
  }
  opt.jobs = static_cast<int>(parse_uint(args.jobs, "--jobs", 1, 256));
  opt.max_faults = static_cast<int>(parse_uint(args.max_faults, "--max-faults", 1, 16));
  opt.timeout_ms = static_cast<int>(parse_duration_s(args.timeout, "--timeout", 0.001, 86400) * 1000);
  opt.replays = static_cast<int>(parse_uint(args.replays, "--replays", 1, 1000));
  opt.check_determinism = parse_uint(args.check_determinism, "--check-determinism", 0, 100) / 100.0;
  opt.flaws = args.flaws;
  opt.exec = args.forked ? ExecMode::forked : ExecMode::persistent;
  const std::string& report_dir = args.report;
  opt.corpus_dir = args.corpus;
  parse_shard(args.shard.empty() ? std::nullopt : std::optional<std::string>(args.shard), opt.shard_index, opt.shard_count);
  opt.scenarios = args.scenarios;
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
  if (!args.seed.empty()) {
    opt.seed = parse_uint(args.seed, "--seed");
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

/// `faultline replay`'s options as typed.
struct ReplayArgs {
  std::vector<std::string> scenarios, flaws;
  std::string finding, schedule, times = "1", timeout = "5s";
  bool has_schedule = false, trace = false, no_fork = false;
};

int cmd_replay(const ReplayArgs& args) {
  std::optional<std::string> finding_path, schedule_text;
  if (!args.finding.empty()) finding_path = args.finding;
  if (args.has_schedule) schedule_text = args.schedule;
  std::vector<std::string> flaws = args.flaws;
  bool trace = args.trace, no_fork = args.no_fork;
  int times = static_cast<int>(parse_uint(args.times, "--times", 1, 100000));
  int timeout_ms = static_cast<int>(parse_duration_s(args.timeout, "--timeout", 0.001, 86400) * 1000);
  const std::vector<std::string>& pos = args.scenarios;
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

const char* const kExitStatuses =
    "Exit status: 0 nothing found, 1 a violation found, 2 usage error, 3 internal error, 128+S\n"
    "interrupted by signal S (reports written, marked partial).";

const char* const kListHelp =
    "Lists scenarios: description, await points in a fault-free run, what is expected (clean, or the\n"
    "oracle that must fire) and the runtime flaws each exercises.";

const char* const kRunHelp =
    "Explores faults at every await point of each scenario (all when none is named): corpus replay,\n"
    "discovery, the fault tree breadth-first (the single-fault sweep: every ordinal x kind x timing; then\n"
    "every run that survived a fault gets one more at each later await point, to --max-faults), then\n"
    "random schedules aimed at rarely reached sites where the tree was not exhausted; shrinks and\n"
    "confirms one finding per distinct bucket (oracle, what broke, fault).";

CLI::App* add_run_options(CLI::App& app, RunArgs& a) {
  CLI::App* run = app.add_subcommand("run", kRunHelp);
  auto option = [run](const char* name, std::string& into, const char* type, const char* help) {
    run->add_option(name, into, help)->type_name(type);
  };
  run->add_option("scenario", a.scenarios, "scenarios to explore (default: all)")->type_name("SCENARIO");
  option("--mode", a.mode, "MODE", "phases to run: sweep, random or all (default all)");
  option("--budget", a.budget, "DURATION",
         "wall-clock budget, e.g. 60s, 5m, 8h (default 60s unless --runs is given; --runs alone runs the whole tree)");
  option("--runs", a.runs, "N", "random schedules per scenario after the tree (default 2000; with --budget alone: until the budget)");
  option("--seed", a.seed, "S", "the campaign's 64-bit seed (default: drawn once and printed first)");
  option("--jobs", a.jobs, "N", "workers: scenarios in parallel, one scenario split over several when fewer than jobs (default 1)");
  option("--shard", a.shard, "I/N", "run shard I (0-based) of N; also GTEST_SHARD_INDEX/GTEST_TOTAL_SHARDS");
  option("--max-faults", a.max_faults, "K", "depth of the fault tree, and most faults of a random schedule (default 3)");
  option("--timeout", a.timeout, "DURATION", "per-run watchdog (default 2s)");
  run->add_option("--flaw", a.flaws, "switch a runtime flaw on (repeatable; see 'list')")->allow_extra_args(false)->type_name("NAME");
  option("--report", a.report, "DIR", "write results.json, junit.xml and findings/ there (default reports/latest)");
  option("--corpus", a.corpus, "DIR", "replay past failures from DIR first and add new ones to it");
  run->add_flag("--forked", a.forked, "run every schedule in a forked child (default: persistent worker; findings are always confirmed forked)");
  option("--replays", a.replays, "N", "forked replays of each finding to check its trace (default 5)");
  option("--check-determinism", a.check_determinism, "P", "replay P% of clean runs and compare their paths (default 1; 0 = off)");
  return run;
}

CLI::App* add_replay_options(CLI::App& app, ReplayArgs& a) {
  CLI::App* replay = app.add_subcommand("replay", "Runs one schedule (SCENARIO --schedule TEXT, or --finding FILE) and judges it with every oracle.");
  replay->add_option("scenario", a.scenarios, "the scenario (not with --finding)")->type_name("SCENARIO");
  replay->add_option("--schedule", a.schedule, "faults, e.g. '12:cancel;40+:signal=TERM;7:exit=3' ('' for none)")
      ->type_name("TEXT")
      ->each([&a](const std::string&) { a.has_schedule = true; });
  replay->add_option("--finding", a.finding, "a finding file from REPORT_DIR/findings/")->type_name("FILE");
  replay->add_option("--flaw", a.flaws, "switch a runtime flaw on (repeatable)")->allow_extra_args(false)->type_name("NAME");
  replay->add_flag("--trace", a.trace, "print every await point of the run");
  replay->add_flag("--no-fork", a.no_fork, "run in this process (for a debugger); signals are recorded, not raised");
  replay->add_option("--times", a.times, "replay N times and report whether the trace is the same each time")->type_name("N");
  replay->add_option("--timeout", a.timeout, "per-run watchdog (default 5s)")->type_name("DURATION");
  return replay;
}

}  // namespace

int faultline::main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  if (argc > 0 && argv[0] != nullptr && *argv[0] != '\0') program_name = argv[0];
  std::string command = argc > 1 ? argv[1] : "";
  try {
    CLI::App app{"Fault injection at every await point of the scenarios linked into this binary.", program_name};
    app.footer(kExitStatuses);
    app.require_subcommand(1);
    bool json = false;
    CLI::App* list = app.add_subcommand("list", kListHelp);
    list->add_flag("--json", json, "machine-readable (schema_version 1)");
    RunArgs run_args;
    CLI::App* run = add_run_options(app, run_args);
    ReplayArgs replay_args;
    CLI::App* replay = add_replay_options(app, replay_args);
    if (!command.empty() && command[0] != '-' && command != "list" && command != "run" && command != "replay")
      usage_error("unknown command '" + command + "'", "use list, run or replay");
    try {
      app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
      return app.exit(e);
    } catch (const CLI::ParseError& e) {
      std::string where = command.empty() || command[0] == '-' ? "" : " " + command;
      usage_error(e.what(), "see '" + program_name + where + " --help'");
    }
    if (list->parsed()) return cmd_list(json);
    if (run->parsed()) return cmd_run(run_args);
    if (replay->parsed()) return cmd_replay(replay_args);
    usage_error("no command given", "use list, run or replay");
  } catch (const Error& e) {
    std::fprintf(stderr, "faultline: error: %s\n", e.what());
    if (e.error_class() == ErrorClass::usage && std::string(e.what()).find("--help") == std::string::npos)
      std::fprintf(stderr, "(see '%s --help')\n", program_name.c_str());
    return e.exit_status();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "faultline: internal error: %s\n", e.what());
    return 3;
  }
}
