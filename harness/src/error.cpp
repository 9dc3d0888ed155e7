#include <faultline/error.hpp>

namespace faultline {

Error::Error(ErrorClass cls, const std::string& what_was_wrong, const std::string& what_to_do)
    : std::runtime_error(what_to_do.empty() ? what_was_wrong : what_was_wrong + ": " + what_to_do), class_(cls) {}

void usage_error(const std::string& what_was_wrong, const std::string& what_to_do) {
  throw Error(ErrorClass::usage, what_was_wrong, what_to_do);
}

void internal_error(const std::string& what_was_wrong, const std::string& what_to_do) {
  throw Error(ErrorClass::internal, what_was_wrong, what_to_do);
}

}  // namespace faultline
