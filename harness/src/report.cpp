#include <faultline/report.hpp>

#include <cstdio>
#include <sstream>

#include <boost/json.hpp>

#include <faultline/atomic_file.hpp>
#include <faultline/error.hpp>
#include <faultline/oracle.hpp>

#include "json_text.hpp"
#include "text.hpp"

namespace faultline {

namespace json = boost::json;

namespace {

std::string xml_escape(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        if (c < 0x20 && c != '\n' && c != '\t') out += ' ';
        else out += static_cast<char>(c);
    }
  }
  return out;
}

std::string num(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", x);
  return buf;
}

std::string suite_name(const ScenarioResult& s) {
  std::string n = s.scenario;
  for (const auto& f : s.flaws) n += "+" + f;
  return n;
}

json::array strings(const std::vector<std::string>& v) { return json::array(v.begin(), v.end()); }

json::object finding_json(const Finding& f) {
  return {{"oracle", f.oracle}, {"bucket", f.bucket}, {"hits", f.hits}, {"schedule", to_string(f.schedule)},
          {"faults", f.schedule.faults.size()}, {"original_schedule", to_string(f.original)},
          {"explanation", f.explanation}, {"expected", f.expected}, {"actual", f.actual}, {"replay", f.replay_command},
          {"runs_until_found", f.runs_until_found}, {"seconds_until_found", f.seconds_until_found},
          {"shrink_runs", f.shrink_runs}, {"confirmed_forked", f.confirmed_forked}, {"replays", f.replays},
          {"replays_same_trace", f.replays_same_trace}, {"divergence", f.divergence}, {"trace_tail", strings(f.trace_tail)},
          {"file", "findings/" + finding_file_name(f)}};
}

json::object scenario_json(const ScenarioResult& s) {
  json::array health, findings, coverage, curve;
  for (const auto& w : s.health) health.push_back(json::object{{"id", w.id}, {"message", w.message}});
  for (const auto& f : s.findings) findings.push_back(finding_json(f));
  for (const auto& [site, st] : s.coverage) {
    json::object faults;
    for (const auto& [key, fs] : st.faults)
      faults[key] = json::object{{"injected", fs.injected}, {"handled", fs.handled}, {"finding", fs.finding}};
    coverage.push_back(json::object{{"site", site}, {"hits", st.hits}, {"faults", std::move(faults)}});
  }
  for (const auto& [run, pairs] : s.coverage_curve) curve.push_back(json::array{run, pairs});
  json::array tree;  // schedules per depth, from depth 1
  for (std::size_t d = 1; d < s.tree_schedules.size(); ++d) tree.push_back(s.tree_schedules[d]);
  return {{"name", s.scenario}, {"flaws", strings(s.flaws)}, {"expected_oracle", s.expected_oracle},
          {"await_points", s.await_points}, {"runs", s.runs}, {"corpus_runs", s.corpus_runs}, {"sweep_runs", s.sweep_runs},
          {"sweep_planned", s.sweep_planned}, {"deeper_runs", s.deeper_runs}, {"random_runs", s.random_runs},
          {"complete", s.complete}, {"worker_restarts", s.worker_restarts}, {"unconfirmed", s.unconfirmed},
          {"exhausted", s.exhausted}, {"exhausted_depth", s.exhausted_depth}, {"tree_schedules", std::move(tree)},
          {"further_findings", s.further_findings}, {"repeats_skipped", s.repeats_skipped}, {"mutation_pool", s.mutation_pool},
          {"determinism_checks", s.determinism_checks}, {"watchdog_kills", s.watchdog_kills}, {"seconds", s.seconds},
          {"errors", strings(s.errors)}, {"health", std::move(health)}, {"findings", std::move(findings)},
          {"coverage", std::move(coverage)}, {"coverage_curve", std::move(curve)}};
}

}  // namespace

std::string results_json(const CampaignResult& r) {
  const CampaignOptions& opt = r.options;
  json::array scenarios;
  for (const auto& s : r.scenarios) scenarios.push_back(scenario_json(s));
  json::object o{{"schema_version", kResultsSchemaVersion}, {"tool", "faultline"}, {"seed", opt.seed},
                 {"shard", json::object{{"index", opt.shard_index}, {"count", opt.shard_count}}}, {"flaws", strings(opt.flaws)},
                 {"mode", opt.sweep && opt.random ? "all" : opt.sweep ? "sweep" : "random"},
                 {"exec", opt.exec == ExecMode::forked ? "forked" : "persistent"}, {"random_runs", opt.random_runs},
                 {"max_faults", opt.max_faults}, {"partial", r.partial}, {"seconds", r.seconds}, {"runs", r.runs()},
                 {"findings", r.findings()}, {"scenarios", std::move(scenarios)}};
  return detail::indented_json(o);
}

std::string junit_xml(const CampaignResult& r) {
  std::ostringstream o;
  std::size_t tests = 0, failures = 0;
  for (const auto& s : r.scenarios) {
    tests += all_oracles().size();
    failures += s.findings.size();
  }
  o << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"faultline\" tests=\"" << tests << "\" failures=\""
    << failures << "\" time=\"" << num(r.seconds) << "\">\n";
  for (const auto& s : r.scenarios) {
    std::string suite = suite_name(s);
    std::size_t suite_failures = s.findings.size();
    o << "  <testsuite name=\"" << xml_escape(suite) << "\" tests=\"" << all_oracles().size() << "\" failures=\""
      << suite_failures << "\" time=\"" << num(s.seconds) << "\">\n";
    std::uint64_t schedules = 0;
    for (auto n : s.tree_schedules) schedules += n;
    o << "    <properties><property name=\"exhausted\" value=\"" << (s.exhausted ? "true" : "false")
      << "\"/><property name=\"exhausted_depth\" value=\"" << s.exhausted_depth << "\"/><property name=\"tree_schedules\" value=\""
      << schedules << "\"/></properties>\n";
    std::vector<std::string> oracles = all_oracles();
    for (const auto& f : s.findings)
      if (f.oracle == oracle_id::nondeterminism) oracles.push_back(f.oracle);
    for (const auto& oracle : oracles) {
      o << "    <testcase classname=\"" << xml_escape(suite) << "\" name=\"" << xml_escape(oracle) << "\">";
      bool failed = false;
      for (const auto& f : s.findings) {
        if (f.oracle != oracle) continue;
        failed = true;
        o << "\n      <failure message=\"" << xml_escape(f.explanation + " | replay: " + f.replay_command) << "\" type=\""
          << xml_escape(oracle) << "\">" << xml_escape(finding_text(f)) << "</failure>\n    ";
      }
      if (!failed && !s.complete) o << "<skipped message=\"campaign stopped before this scenario finished\"/>";
      o << "</testcase>\n";
    }
    if (s.exhausted)
      o << "    <system-out>exhausted: every schedule of &lt;= " << s.exhausted_depth << " faults was run: " << schedules
        << " schedules</system-out>\n";
    if (!s.health.empty()) {
      std::string text;
      for (const auto& w : s.health) text += "health warning " + w.id + ": " + w.message + "\n";
      o << "    <system-err>" << xml_escape(text) << "</system-err>\n";
    }
    o << "  </testsuite>\n";
  }
  o << "</testsuites>\n";
  return o.str();
}

std::string finding_file_name(const Finding& f) {
  std::string n = f.scenario;
  for (const auto& x : f.flaws) n += "+" + x;
  // NOTE: one file per bucket: several distinct findings of one oracle must not overwrite each other.
  std::uint64_t h = detail::hash_text(f.bucket);  // the same name on every platform
  char tag[20];
  std::snprintf(tag, sizeof tag, "%08llx", static_cast<unsigned long long>(h & 0xffffffffu));
  return n + "-" + f.oracle + "-" + tag + ".finding";
}

std::string finding_text(const Finding& f) {
  std::ostringstream o;
  std::string flaws;
  for (const auto& x : f.flaws) flaws += (flaws.empty() ? "" : ",") + x;
  o << "scenario: " << f.scenario << "\nflaws: " << flaws << "\noracle: " << f.oracle << "\nbucket: " << f.bucket << "\nschedule: " << to_string(f.schedule)
    << "\noriginal: " << to_string(f.original) << "\nexpected: " << f.expected << "\nactual: " << f.actual
    << "\nexplanation: " << f.explanation << "\nreplay: " << f.replay_command << "\nruns_until_found: " << f.runs_until_found
    << "\nreplays_same_trace: " << f.replays_same_trace << "/" << f.replays;
  if (!f.divergence.empty()) o << "\ndivergence: " << f.divergence;
  o << "\ntrace:\n";
  for (const auto& line : f.trace_tail) o << "  " << line << "\n";
  return o.str();
}

void write_reports(const std::string& dir, const CampaignResult& r) {
  write_file_atomic(dir + "/results.json", results_json(r));
  write_file_atomic(dir + "/junit.xml", junit_xml(r));
}

void write_finding(const std::string& dir, const Finding& f) {
  write_file_atomic(dir + "/findings/" + finding_file_name(f), finding_text(f));
}

FindingFile parse_finding_file(const std::string& text, const std::string& path) {
  FindingFile out;
  bool have_scenario = false, have_schedule = false;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    auto colon = line.find(": ");
    std::string key = line.substr(0, colon), value = colon == std::string::npos ? "" : line.substr(colon + 2);
    if (colon == std::string::npos && line.back() == ':') key = line.substr(0, line.size() - 1);
    if (key == "scenario") out.scenario = value, have_scenario = true;
    else if (key == "schedule") out.schedule = value, have_schedule = true;
    else if (key == "oracle") out.oracle = value;
    else if (key == "flaws") {
      std::istringstream fl(value);
      for (std::string x; std::getline(fl, x, ',');)
        if (!x.empty()) out.flaws.push_back(x);
    }
  }
  if (!have_scenario || !have_schedule)
    usage_error(path + " is not a finding file (no 'scenario:' or 'schedule:' line)", "pass a file from REPORT_DIR/findings/");
  return out;
}

}  // namespace faultline
