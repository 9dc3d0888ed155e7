#pragma once
// The names of the program's own functions, local ones included: a coroutine is named by its
// resume function, which compilers emit as a local symbol (GCC's "....Frame.actor", Clang's
// "[clone .resume]") that dladdr cannot see.
#include <string>

namespace faultline::asio_detail {

/// The demangled name of the function containing `address` in the running executable or a
/// shared object, or "" if neither its dynamic nor its static symbol table names it.
std::string function_name_at(const void* address);

}  // namespace faultline::asio_detail
