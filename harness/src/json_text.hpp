#pragma once
// JSON text for people and programs alike (results.json, `faultline list --json`).
#include <string>

#include <boost/json/value.hpp>

namespace faultline::detail {

/// `v` serialized by Boost.JSON, indented two spaces per level; an object or array holding only
/// scalars stays on one line. Ends with a newline.
std::string indented_json(const boost::json::value& v);

}  // namespace faultline::detail
