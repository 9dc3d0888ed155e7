#include <faultline/schedule.hpp>

#include <algorithm>
#include <charconv>
#include <csignal>

#include <faultline/error.hpp>

namespace faultline {

namespace {

const char* const kGrammar =
    "write faults as ORDINAL[+]:KIND joined by ';', KIND one of cancel, throw, exit=CODE, "
    "signal=INT|TERM|HUP (e.g. '12:cancel;40+:signal=TERM;7:exit=3')";

[[noreturn]] void bad_token(std::string_view token, const std::string& why) {
  usage_error("bad schedule token '" + std::string(token) + "' (" + why + ")", kGrammar);
}

bool parse_uint(std::string_view s, std::uint64_t& out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

Fault parse_fault(std::string_view token) {
  Fault f;
  auto colon = token.find(':');
  if (colon == std::string_view::npos) bad_token(token, "missing ':' between ordinal and kind");
  std::string_view where = token.substr(0, colon);
  std::string_view kind = token.substr(colon + 1);
  if (!where.empty() && where.back() == '+') {
    f.timing = FaultTiming::after;
    where.remove_suffix(1);
  }
  if (!parse_uint(where, f.ordinal) || f.ordinal == 0) bad_token(token, "ordinal must be a positive integer");
  if (kind == "cancel") {
    f.kind = FaultKind::cancel;
  } else if (kind == "throw") {
    f.kind = FaultKind::throw_error;
  } else if (kind.starts_with("exit=")) {
    std::uint64_t code = 0;
    if (!parse_uint(kind.substr(5), code) || code > 255) bad_token(token, "exit code must be 0..255");
    f.kind = FaultKind::exit;
    f.arg = static_cast<int>(code);
  } else if (kind.starts_with("signal=")) {
    std::string_view name = kind.substr(7);
    f.kind = FaultKind::signal;
    if (name == "INT") f.arg = SIGINT;
    else if (name == "TERM") f.arg = SIGTERM;
    else if (name == "HUP") f.arg = SIGHUP;
    else bad_token(token, "signal must be INT, TERM or HUP");
  } else {
    bad_token(token, "unknown fault kind '" + std::string(kind) + "'");
  }
  return f;
}

}  // namespace

std::string signal_name(int signo) {
  switch (signo) {
    case SIGINT: return "INT";
    case SIGTERM: return "TERM";
    case SIGHUP: return "HUP";
    default: return std::to_string(signo);
  }
}

std::string kind_to_string(FaultKind kind, int arg) {
  switch (kind) {
    case FaultKind::cancel: return "cancel";
    case FaultKind::throw_error: return "throw";
    case FaultKind::exit: return "exit=" + std::to_string(arg);
    case FaultKind::signal: return "signal=" + signal_name(arg);
    case FaultKind::none: break;
  }
  return "none";
}

std::string to_string(const Fault& f) {
  return std::to_string(f.ordinal) + (f.timing == FaultTiming::after ? "+" : "") + ":" + kind_to_string(f.kind, f.arg);
}

std::string to_string(const Schedule& s) {
  std::string out;
  for (const Fault& f : s.faults) {
    if (!out.empty()) out += ';';
    out += to_string(f);
  }
  return out;
}

void normalize(Schedule& s) {
  if (s.faults.size() > kMaxScheduleFaults)
    usage_error("a schedule of " + std::to_string(s.faults.size()) + " faults", "give at most " + std::to_string(kMaxScheduleFaults) + " faults per schedule");
  std::stable_sort(s.faults.begin(), s.faults.end(), [](const Fault& a, const Fault& b) { return a.ordinal < b.ordinal; });
  for (std::size_t i = 1; i < s.faults.size(); ++i)
    if (s.faults[i].ordinal == s.faults[i - 1].ordinal)
      usage_error("two faults at await point " + std::to_string(s.faults[i].ordinal) + " ('" +
                      to_string(s.faults[i - 1]) + "' and '" + to_string(s.faults[i]) + "')",
                  "give at most one fault per ordinal");
}

Schedule parse_schedule(std::string_view text) {
  Schedule s;
  if (text.empty()) return s;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find(';', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view token = text.substr(start, end - start);
    if (token.empty()) bad_token(token, "empty fault between ';'");
    s.faults.push_back(parse_fault(token));
    start = end + 1;
  }
  normalize(s);
  return s;
}

}  // namespace faultline
