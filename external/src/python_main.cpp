// faultline-python: the whole CLI over Python asyncio programs described by spec files.
//   faultline-python [--spec FILE|DIR]... list | run | replay ...
// Spec files come from --spec (before the command) and FAULTLINE_SPECS (colon-separated);
// with neither, the Python zoo this binary was built with.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <faultline/cli.hpp>
#include <faultline/error.hpp>
#include <faultline/external.hpp>

int main(int argc, char** argv) {
  std::vector<std::string> specs;
  std::vector<char*> rest{argv[0]};
  int i = 1;
  for (; i + 1 < argc && std::string(argv[i]) == "--spec"; i += 2) specs.emplace_back(argv[i + 1]);
  for (; i < argc; ++i) rest.push_back(argv[i]);
  if (const char* env = std::getenv("FAULTLINE_SPECS"); env != nullptr && *env != '\0') {
    std::string all = env;
    for (std::size_t start = 0, colon; start <= all.size(); start = colon + 1) {
      colon = all.find(':', start);
      if (colon == std::string::npos) colon = all.size();
      specs.push_back(all.substr(start, colon - start));
    }
  }
  if (specs.empty()) specs.emplace_back(FAULTLINE_PYTHON_ZOO);
  try {
    faultline::register_spec_files(specs, FAULTLINE_PYTHON_SHIM_DIR);
  } catch (const faultline::Error& e) {
    std::fprintf(stderr, "faultline: error: %s\n", e.what());
    return e.exit_status();
  }
  rest.push_back(nullptr);
  return faultline::main(static_cast<int>(rest.size()) - 1, rest.data());
}
