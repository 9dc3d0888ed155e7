#pragma once
// Command-line parsing for the faultline CLI: options are taken by name, what is left must be
// positionals; anything unknown is a usage error naming it.
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include <faultline/error.hpp>

class Args {
 public:
  Args(int argc, char** argv) {
    if (argc > 1) command_ = argv[1];
    for (int i = 2; i < argc; ++i) tokens_.emplace_back(argv[i]);
  }
  const std::string& command() const { return command_; }

  bool flag(const std::string& name) {
    for (std::size_t i = 0; i < tokens_.size(); ++i)
      if (tokens_[i] == name) {
        tokens_.erase(tokens_.begin() + static_cast<std::ptrdiff_t>(i));
        return true;
      }
    return false;
  }
  std::optional<std::string> optional_value(const std::string& name) {
    std::optional<std::string> out;
    for (std::size_t i = 0; i < tokens_.size();) {
      if (tokens_[i] == name) {
        if (i + 1 >= tokens_.size()) faultline::usage_error(name + " needs a value", "see --help");
        out = tokens_[i + 1];
        tokens_.erase(tokens_.begin() + static_cast<std::ptrdiff_t>(i), tokens_.begin() + static_cast<std::ptrdiff_t>(i) + 2);
      } else if (tokens_[i].rfind(name + "=", 0) == 0) {
        out = tokens_[i].substr(name.size() + 1);
        tokens_.erase(tokens_.begin() + static_cast<std::ptrdiff_t>(i));
      } else {
        ++i;
      }
    }
    return out;
  }
  std::string value(const std::string& name, const std::string& fallback) { return optional_value(name).value_or(fallback); }
  std::vector<std::string> values(const std::string& name) {
    std::vector<std::string> out;
    while (auto v = optional_value(name)) out.push_back(*v);
    return out;
  }
  std::vector<std::string> positionals() const {
    std::vector<std::string> out;
    for (const auto& t : tokens_)
      if (t.rfind("--", 0) != 0) out.push_back(t);
    return out;
  }
  void finish() const {
    for (const auto& t : tokens_)
      if (t.rfind("--", 0) == 0) faultline::usage_error("unknown option '" + t + "' for '" + command_ + "'", "see 'faultline " + command_ + " --help'");
  }

 private:
  std::string command_;
  std::vector<std::string> tokens_;
};

inline std::uint64_t parse_uint(const std::string& text, const std::string& what, std::uint64_t min = 0,
                                std::uint64_t max = UINT64_MAX) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos)
    faultline::usage_error("bad " + what + " '" + text + "'", "give a non-negative integer");
  errno = 0;
  unsigned long long v = std::strtoull(text.c_str(), nullptr, 10);
  if (errno == ERANGE || v < min || v > max)
    faultline::usage_error("bad " + what + " '" + text + "'", "give a value between " + std::to_string(min) + " and " + std::to_string(max));
  return v;
}

/// "60s", "500ms", "5m", "8h", or plain seconds; returns seconds.
/// A duration ("500ms", "60s", "5m", "8h"; bare numbers are seconds) within [min_s, max_s].
inline double parse_duration_s(const std::string& text, const std::string& what, double min_s = 0, double max_s = 30 * 86400.0) {
  std::size_t digits = text.find_first_not_of("0123456789.");
  std::string number = text.substr(0, digits), unit = digits == std::string::npos ? "" : text.substr(digits);
  char* end = nullptr;
  double v = number.empty() ? -1 : std::strtod(number.c_str(), &end);
  double scale = unit.empty() || unit == "s" ? 1 : unit == "ms" ? 0.001 : unit == "m" ? 60 : unit == "h" ? 3600 : -1;
  if (v < 0 || scale < 0 || (end != nullptr && *end != '\0'))
    faultline::usage_error("bad " + what + " '" + text + "'", "give a duration such as 500ms, 60s, 5m or 8h");
  double seconds = v * scale;
  if (!(seconds >= min_s && seconds <= max_s))
    faultline::usage_error(what + " '" + text + "' is out of range",
                           "give a duration from " + std::to_string(static_cast<long long>(min_s * 1000)) + "ms to " +
                               std::to_string(static_cast<long long>(max_s / 3600)) + "h");
  return seconds;
}

/// --shard I/N, else GTEST_SHARD_INDEX/GTEST_TOTAL_SHARDS, else 0/1.
inline void parse_shard(const std::optional<std::string>& text, int& index, int& count) {
  std::string spec;
  if (text) {
    spec = *text;
  } else if (const char* i = std::getenv("GTEST_SHARD_INDEX"); i != nullptr) {
    const char* n = std::getenv("GTEST_TOTAL_SHARDS");
    spec = std::string(i) + "/" + (n != nullptr ? n : "");
  } else {
    index = 0;
    count = 1;
    return;
  }
  auto slash = spec.find('/');
  if (slash == std::string::npos) faultline::usage_error("bad shard '" + spec + "'", "write it as I/N, e.g. --shard 0/4");
  count = static_cast<int>(parse_uint(spec.substr(slash + 1), "shard count", 1, 100000));
  index = static_cast<int>(parse_uint(spec.substr(0, slash), "shard index", 0, static_cast<std::uint64_t>(count - 1)));
}

inline std::string quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}
