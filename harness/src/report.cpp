#include <faultline/report.hpp>

#include <cstdio>
#include <sstream>

#include <faultline/atomic_file.hpp>
#include <faultline/error.hpp>
#include <faultline/oracle.hpp>

#include "text.hpp"

namespace faultline {

namespace {

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

std::string json_strings(const std::vector<std::string>& v) {
  std::string out = "[";
  for (std::size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + json_string(v[i]);
  return out + "]";
}

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

std::string finding_json(const Finding& f, const std::string& indent) {
  std::ostringstream o;
  o << indent << "{\"oracle\": " << json_string(f.oracle) << ", \"bucket\": " << json_string(f.bucket) << ", \"hits\": " << f.hits
    << ", \"schedule\": " << json_string(to_string(f.schedule))
    << ", \"faults\": " << f.schedule.faults.size() << ", \"original_schedule\": " << json_string(to_string(f.original))
    << ",\n" << indent << " \"explanation\": " << json_string(f.explanation) << ", \"expected\": " << json_string(f.expected)
    << ", \"actual\": " << json_string(f.actual) << ",\n" << indent << " \"replay\": " << json_string(f.replay_command)
    << ", \"runs_until_found\": " << f.runs_until_found << ", \"seconds_until_found\": " << num(f.seconds_until_found)
    << ", \"shrink_runs\": " << f.shrink_runs << ", \"confirmed_forked\": " << (f.confirmed_forked ? "true" : "false")
    << ", \"replays\": " << f.replays << ", \"replays_same_trace\": " << f.replays_same_trace << ",\n"
    << indent << " \"divergence\": " << json_string(f.divergence) << ", \"trace_tail\": " << json_strings(f.trace_tail) << ", \"file\": " << json_string("findings/" + finding_file_name(f)) << "}";
  return o.str();
}

}  // namespace

std::string results_json(const CampaignResult& r) {
  const CampaignOptions& opt = r.options;
  std::ostringstream o;
  o << "{\n  \"schema_version\": " << kResultsSchemaVersion << ",\n  \"tool\": \"faultline\",\n"
    << "  \"seed\": " << opt.seed << ",\n  \"shard\": {\"index\": " << opt.shard_index << ", \"count\": " << opt.shard_count << "},\n"
    << "  \"flaws\": " << json_strings(opt.flaws) << ",\n  \"mode\": " << json_string(opt.sweep && opt.random ? "all" : opt.sweep ? "sweep" : "random")
    << ",\n  \"exec\": " << json_string(opt.exec == ExecMode::forked ? "forked" : "persistent") << ",\n"
    << "  \"random_runs\": " << opt.random_runs << ",\n  \"max_faults\": " << opt.max_faults << ",\n"
    << "  \"partial\": " << (r.partial ? "true" : "false") << ",\n  \"seconds\": " << num(r.seconds) << ",\n"
    << "  \"runs\": " << r.runs() << ",\n  \"findings\": " << r.findings() << ",\n  \"scenarios\": [";
  for (std::size_t i = 0; i < r.scenarios.size(); ++i) {
    const ScenarioResult& s = r.scenarios[i];
    o << (i ? "," : "") << "\n    {\"name\": " << json_string(s.scenario) << ", \"flaws\": " << json_strings(s.flaws)
      << ", \"expected_oracle\": " << json_string(s.expected_oracle) << ",\n     \"await_points\": " << s.await_points
      << ", \"runs\": " << s.runs << ", \"corpus_runs\": " << s.corpus_runs << ", \"sweep_runs\": " << s.sweep_runs
      << ", \"sweep_planned\": " << s.sweep_planned << ", \"deeper_runs\": " << s.deeper_runs << ", \"random_runs\": " << s.random_runs
      << ", \"complete\": " << (s.complete ? "true" : "false") << ", \"worker_restarts\": " << s.worker_restarts << ", \"unconfirmed\": " << s.unconfirmed
      << ", \"exhausted\": " << (s.exhausted ? "true" : "false") << ", \"exhausted_depth\": " << s.exhausted_depth
      << ", \"tree_schedules\": [";
    for (std::size_t d = 1; d < s.tree_schedules.size(); ++d) o << (d > 1 ? ", " : "") << s.tree_schedules[d];
    o << "], \"further_findings\": " << s.further_findings << ", \"repeats_skipped\": " << s.repeats_skipped
      << ", \"mutation_pool\": " << s.mutation_pool
      << ", \"determinism_checks\": " << s.determinism_checks << ", \"watchdog_kills\": " << s.watchdog_kills
      << ", \"seconds\": " << num(s.seconds) << ",\n     \"errors\": " << json_strings(s.errors) << ",\n     \"health\": [";
    for (std::size_t k = 0; k < s.health.size(); ++k)
      o << (k ? ", " : "") << "{\"id\": " << json_string(s.health[k].id) << ", \"message\": " << json_string(s.health[k].message) << "}";
    o << "],\n     \"findings\": [";
    for (std::size_t k = 0; k < s.findings.size(); ++k) o << (k ? "," : "") << "\n" << finding_json(s.findings[k], "       ");
    o << "],\n     \"coverage\": [";
    bool first_site = true;
    for (const auto& [site, st] : s.coverage) {
      o << (first_site ? "" : ",") << "\n       {\"site\": " << json_string(site) << ", \"hits\": " << st.hits << ", \"faults\": {";
      first_site = false;
      bool first = true;
      for (const auto& [key, fs] : st.faults) {
        o << (first ? "" : ", ") << json_string(key) << ": {\"injected\": " << fs.injected << ", \"handled\": " << fs.handled
          << ", \"finding\": " << fs.finding << "}";
        first = false;
      }
      o << "}}";
    }
    o << "],\n     \"coverage_curve\": [";
    for (std::size_t k = 0; k < s.coverage_curve.size(); ++k)
      o << (k ? ", " : "") << "[" << s.coverage_curve[k].first << ", " << s.coverage_curve[k].second << "]";
    o << "]}";
  }
  o << "\n  ]\n}\n";
  return o.str();
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
