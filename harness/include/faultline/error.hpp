#pragma once
/// The one place errors go through: what was wrong, what to do, and the exit status class.
#include <stdexcept>
#include <string>

namespace faultline {

/// Exit-status class of an error (2 usage, 3 internal; README "Command line").
enum class ErrorClass { usage = 2, internal = 3 };

/// A user-facing error. what() reads "what was wrong: what to do".
class Error : public std::runtime_error {
 public:
  Error(ErrorClass cls, const std::string& what_was_wrong, const std::string& what_to_do);
  ErrorClass error_class() const noexcept { return class_; }
  int exit_status() const noexcept { return static_cast<int>(class_); }

 private:
  ErrorClass class_;
};

/// Throws a usage error (bad flag, bad schedule text, unknown scenario): exit status 2.
[[noreturn]] void usage_error(const std::string& what_was_wrong, const std::string& what_to_do);
/// Throws an internal error (fork failed, disk full): exit status 3.
[[noreturn]] void internal_error(const std::string& what_was_wrong, const std::string& what_to_do);

}  // namespace faultline
