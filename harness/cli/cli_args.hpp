#pragma once
// Checking the CLI's option values (CLI11 parses the command line; these turn its strings into
// numbers, durations and shards, each error a usage error naming the option and a fix).
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include <faultline/error.hpp>

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
