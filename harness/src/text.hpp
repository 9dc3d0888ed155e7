#pragma once
// Small text helpers the harness's sources share (internal).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace faultline::detail {

/// FNV-1a of a text: the same value on every platform and in every process.
inline std::uint64_t hash_text(std::string_view s) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

/// The items with `sep` between them.
inline std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string out;
  for (const auto& x : v) out += (out.empty() ? "" : sep) + x;
  return out;
}

}  // namespace faultline::detail
