#include "json_text.hpp"

#include <cmath>
#include <cstdio>

#include <boost/json.hpp>

namespace faultline::detail {

namespace {

bool scalar(const boost::json::value& x) { return !x.is_object() && !x.is_array(); }

bool flat(const boost::json::value& v) {
  if (v.is_object()) {
    for (const auto& kv : v.get_object())
      if (!scalar(kv.value())) return false;
  } else if (v.is_array()) {
    for (const auto& x : v.get_array())
      if (!scalar(x)) return false;
  }
  return true;
}

// NOTE: Boost.JSON 1.81 has no pretty printer. Strings, keys and integers still go through
// serialize(), so escaping stays the library's; doubles are printed as %.6g ("12.5", not
// "1.25E1"), what a person reading seconds wants.
void write_scalar(std::string& out, const boost::json::value& v) {
  if (v.is_double() && std::isfinite(v.get_double())) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6g", v.get_double());
    out += buf;
  } else {
    out += boost::json::serialize(v);
  }
}

void write(std::string& out, const boost::json::value& v, int depth) {
  if (scalar(v)) return write_scalar(out, v);
  bool inline_items = flat(v), first = true;
  std::string pad = inline_items ? "" : "\n" + std::string(2 * (depth + 1), ' ');
  const char* separator = inline_items ? ", " : ",";
  if (v.is_object()) {
    out += '{';
    for (const auto& kv : v.get_object()) {
      out += (first ? "" : separator) + pad + boost::json::serialize(boost::json::string_view(kv.key())) + ": ";
      write(out, kv.value(), depth + 1);
      first = false;
    }
  } else {
    out += '[';
    for (const auto& x : v.get_array()) {
      out += (first ? "" : separator) + pad;
      write(out, x, depth + 1);
      first = false;
    }
  }
  if (!inline_items && !first) out += "\n" + std::string(2 * depth, ' ');
  out += v.is_object() ? '}' : ']';
}

}  // namespace

std::string indented_json(const boost::json::value& v) {
  std::string out;
  write(out, v, 0);
  return out + '\n';
}

}  // namespace faultline::detail
