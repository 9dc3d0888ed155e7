// Spec files: an external program's scenario as data (JSON, read with Boost.JSON).
#include <faultline/external.hpp>

#include <csignal>
#include <filesystem>
#include <cstdio>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <algorithm>
#include <sstream>

#include <boost/json.hpp>

#include <faultline/error.hpp>

namespace faultline {

namespace {

namespace json = boost::json;
namespace fs = std::filesystem;

/// Reads fields of one JSON object, naming the file and the field in every error.
class Fields {
 public:
  Fields(const json::value& v, std::string where) : where_(std::move(where)) {
    if (!v.is_object()) fail("", "must be an object");
    obj_ = &v.get_object();
  }
  std::string text(const char* key, const std::string& fallback = "", bool required = false) const {
    const json::value* v = obj_->if_contains(key);
    if (v == nullptr) {
      if (required) fail(key, "is missing");
      return fallback;
    }
    if (!v->is_string()) fail(key, "must be a string");
    return std::string(v->get_string());
  }
  bool flag(const char* key, bool fallback) const {
    const json::value* v = obj_->if_contains(key);
    if (v == nullptr) return fallback;
    if (!v->is_bool()) fail(key, "must be true or false");
    return v->get_bool();
  }
  std::optional<int> integer(const char* key, int lo, int hi) const {
    const json::value* v = obj_->if_contains(key);
    if (v == nullptr) return std::nullopt;
    if (!v->is_int64() || v->get_int64() < lo || v->get_int64() > hi)
      fail(key, "must be an integer from " + std::to_string(lo) + " to " + std::to_string(hi));
    return static_cast<int>(v->get_int64());
  }
  /// An integer, or a non-empty list of them (each from lo to hi).
  std::vector<int> integers(const char* key, int lo, int hi) const {
    const json::value* v = obj_->if_contains(key);
    if (v == nullptr) return {};
    std::string range = "an integer from " + std::to_string(lo) + " to " + std::to_string(hi);
    auto one = [&](const json::value& x) {
      if (!x.is_int64() || x.get_int64() < lo || x.get_int64() > hi) fail(key, "must be " + range + ", or a list of them");
      return static_cast<int>(x.get_int64());
    };
    if (!v->is_array()) return {one(*v)};
    if (v->get_array().empty()) fail(key, "must be " + range + ", or a list of them");
    std::vector<int> out;
    for (const auto& x : v->get_array()) out.push_back(one(x));
    return out;
  }
  std::vector<std::string> texts(const char* key) const {
    std::vector<std::string> out;
    const json::value* v = obj_->if_contains(key);
    if (v == nullptr) return out;
    if (!v->is_array()) fail(key, "must be a list of strings");
    for (const auto& x : v->get_array()) {
      if (!x.is_string()) fail(key, "must be a list of strings");
      out.emplace_back(x.get_string());
    }
    return out;
  }
  const json::array& list(const char* key) const {
    static const json::array empty;
    const json::value* v = obj_->if_contains(key);
    if (v == nullptr) return empty;
    if (!v->is_array()) fail(key, "must be a list");
    return v->get_array();
  }
  [[noreturn]] void fail(const std::string& key, const std::string& what) const {
    usage_error(where_ + (key.empty() ? "" : ": '" + key + "'") + " " + what, "fix the spec file (docs/external-protocol.md, \"Spec files\")");
  }
  const std::string& where() const { return where_; }

 private:
  std::string where_;
  const json::object* obj_ = nullptr;
};

FaultKind kind_of(const Fields& f) {
  std::string k = f.text("when", "", true);
  if (k == "cancel") return FaultKind::cancel;
  if (k == "throw") return FaultKind::throw_error;
  if (k == "exit") return FaultKind::exit;
  if (k == "signal") return FaultKind::signal;
  f.fail("when", "must be cancel, throw, exit or signal, not '" + k + "'");
}

SpecRule rule_of(const json::value& v, const std::string& where) {
  Fields f(v, where);
  SpecRule r;
  r.kind = kind_of(f);
  r.task = f.text("task");
  r.site = f.text("site");
  r.arg = f.integer("arg", 0, 255);
  if (f.text("shutdown") == "before") r.during_shutdown = false;
  else if (f.text("shutdown") == "during") r.during_shutdown = true;
  else if (!f.text("shutdown").empty()) f.fail("shutdown", "must be before or during");
  r.tolerated = f.flag("tolerated", false);
  r.tolerated_at_most = f.integer("tolerated_up_to", 1, 1000);
  if (r.tolerated_at_most) r.tolerated = true;
  r.racing_end = f.flag("racing_end", false);
  std::vector<int> codes = f.integers("exit_status", 0, 255);
  for (std::size_t i = 0; i < codes.size(); ++i) {
    if (i == 0) r.status = ExitStatus::code(codes[i]);
    else r.also_statuses.push_back(ExitStatus::code(codes[i]));
  }
  if (auto sig = f.integer("killed_by", 1, 64)) r.status = ExitStatus::killed_by(*sig);
  std::string loses = f.text("loses");
  if (loses == "own") r.lost_work = LostWork::held_by_task;
  else if (loses == "any") r.lost_work = LostWork::any;
  else if (!loses.empty()) f.fail("loses", "must be own or any");
  r.why = f.text("why", "", true);
  if (!r.decides() && r.lost_work == LostWork::none)
    f.fail("", "decides nothing: give tolerated, tolerated_up_to, exit_status, killed_by, racing_end or loses");
  return r;
}

/// The interpreter's real executable: `python3` on PATH may be a launcher script (pyenv's shim
/// costs 0.3 s per start), so it is asked once for sys.executable.
std::string resolve_interpreter(const std::string& name) {
  static std::map<std::string, std::string> known;
  if (auto it = known.find(name); it != known.end()) return it->second;
  if (name.empty() || name.find_first_of("'\\\n") != std::string::npos)
    usage_error("bad interpreter name '" + name + "'", "give a command such as python3 or a path, without quotes");
  std::string out;
  std::string cmd = "'" + name + "' -c 'import sys; print(sys.executable)' 2>/dev/null";
  if (FILE* p = ::popen(cmd.c_str(), "r")) {
    char buf[4096];
    while (std::fgets(buf, sizeof buf, p) != nullptr) out += buf;
    if (::pclose(p) != 0) out.clear();
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  if (out.empty()) usage_error("cannot run the interpreter '" + name + "'", "install it or set \"interpreter\" in the spec file");
  return known[name] = out;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  if (!in) usage_error("cannot read spec file " + path, "check the path");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

void register_spec_file(const std::string& path, const std::string& shim_dir) {
  boost::system::error_code ec;
  json::value doc = json::parse(read_text(path), ec);
  if (ec) usage_error(path + " is not valid JSON: " + ec.message(), "fix the spec file");
  Fields f(doc, path);
  Scenario s;
  s.name = f.text("name", "", true);
  s.description = f.text("description", "", true);
  s.trap = f.text("trap");
  s.twin = f.text("twin");
  std::string expect = f.text("expect", "clean");
  s.expected_oracle = expect == "clean" ? "" : expect;
  s.deterministic = f.flag("deterministic", true);
  s.spec.protected_units = f.texts("protected_units");
  const json::array& rules = f.list("rules");
  for (std::size_t i = 0; i < rules.size(); ++i) s.spec.rules.push_back(rule_of(rules[i], path + ": rules[" + std::to_string(i) + "]"));
  // NOTE: asyncio, unlike rt, does not absorb a signal or an exit request that arrives during
  // asyncio.run's cleanup: it ends the process (KeyboardInterrupt, SIGTERM's default action,
  // SystemExit). Either outcome is correct then, as for a fault racing the normal end.
  for (FaultKind k : {FaultKind::signal, FaultKind::exit}) {
    SpecRule r;
    r.kind = k;
    r.during_shutdown = true;
    r.racing_end = true;
    r.why = "asyncio ends the process on a signal or exit request during asyncio.run's cleanup";
    s.spec.rules.push_back(r);
  }
  // NOTE: the shim's exit=C raises SystemExit in the task, which unwinds through the awaits of
  // its finally blocks and __aexit__ methods before it reaches asyncio.run: a cancellation, an
  // error or a signal landing there meanwhile ends the program instead, as it would unfaulted.
  s.spec.exit_can_be_overtaken = true;
  // NOTE: asyncio.run turns a first SIGINT into the main task's cancellation, and ends with
  // KeyboardInterrupt only if nothing else cancelled main: with another fault under way the
  // other fault's status is as correct (a program swallowing it is caught by swallowed-cancel).
  SpecRule sigint;
  sigint.kind = FaultKind::signal;
  sigint.arg = SIGINT;
  sigint.racing_end = true;
  sigint.why = "asyncio.run cancels main on SIGINT; KeyboardInterrupt only if nothing else cancelled it";
  s.spec.rules.push_back(sigint);
  ExternalCommand command;
  fs::path dir = fs::absolute(fs::path(path)).parent_path();
  std::vector<std::string> program = f.texts("program");
  if (program.empty()) f.fail("program", "is missing: the program file (and its arguments), relative to the spec file");
  std::string interpreter = resolve_interpreter(f.text("interpreter", "python3"));
  command.python = interpreter;
  command.argv = {(dir / program[0]).string()};
  command.argv.insert(command.argv.end(), program.begin() + 1, program.end());
  command.directory = dir.string();
  const char* old = std::getenv("PYTHONPATH");
  command.env.push_back("PYTHONPATH=" + shim_dir + (old != nullptr && *old != '\0' ? ":" + std::string(old) : ""));
  command.env.push_back("PYTHONDONTWRITEBYTECODE=1");
  command.env.push_back("PYTHONHASHSEED=0");  // NOTE: the same set/dict order on every run
  const json::array& units = f.list("output_units");
  for (std::size_t i = 0; i < units.size(); ++i) {
    Fields u(units[i], path + ": output_units[" + std::to_string(i) + "]");
    command.output_units.push_back({u.text("unit", "", true), u.text("begin", "", true), u.text("commit", "", true)});
    for (const char* key : {"begin", "commit"}) {
      try {
        std::regex check(u.text(key));
      } catch (const std::regex_error& e) {
        u.fail(key, std::string("is not a valid regular expression: ") + e.what());
      }
    }
    s.spec.protected_units.push_back(command.output_units.back().unit);
  }
  s.program = external_program(std::move(command));
  if (Registry::instance().find(s.name) != nullptr) f.fail("name", "'" + s.name + "' is already a registered scenario");
  Registry::instance().add(std::move(s));
}

void register_spec_files(const std::vector<std::string>& paths, const std::string& shim_dir) {
  for (const auto& p : paths) {
    if (p.empty()) continue;
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<std::string> files;
      for (const auto& e : fs::directory_iterator(p, ec))
        if (e.path().extension() == ".json") files.push_back(e.path().string());
      std::sort(files.begin(), files.end());
      for (const auto& file : files) register_spec_file(file, shim_dir);
    } else {
      register_spec_file(p, shim_dir);
    }
  }
}

}  // namespace faultline
