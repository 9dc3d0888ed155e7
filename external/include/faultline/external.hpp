#pragma once
/// External programs under faultline (target faultline::external): a scenario whose program is
/// a child process — a Python asyncio program run through faultline's shim, or any language
/// whose shim speaks the await protocol (docs/external-protocol.md). Each await point of the
/// child reaches the engine's hook through the protocol, so exploration, shrinking, oracles and
/// reports are the same as for a C++ program.
#include <functional>
#include <string>
#include <vector>

#include <faultline/scenario.hpp>

namespace faultline {

/// A protected unit recognised on the program's output, for programs that must stay
/// unmodified: a line matching `begin` begins it, a line matching `commit` commits it
/// (ECMAScript regular expressions, searched anywhere in the line).
struct OutputUnit {
  std::string unit;    ///< the ledger unit's name
  std::string begin;   ///< pattern of the line that begins it
  std::string commit;  ///< pattern of the line that commits it
};

/// How one run of an external program starts.
struct ExternalCommand {
  std::vector<std::string> argv;                ///< program and arguments; argv[0] is looked up in PATH
  std::vector<std::string> env;                 ///< extra NAME=VALUE entries for the child
  std::string directory;                        ///< working directory of the child ("" = inherited)
  std::vector<OutputUnit> output_units;         ///< protected units read from its output lines
  /// For a Python program: the interpreter; `argv` is then the program and its arguments, run
  /// by the shim (`-m faultline_asyncio`) through a fork server (python/faultline_asyncio/
  /// server.py) that this process keeps across runs. "" runs `argv` as it is.
  std::string python;
};

/// The program of a scenario that runs `command` as a child speaking the await protocol on
/// fds 3 (events, child to harness) and 4 (decisions, harness to child), and returns its exit
/// status; a child killed by a signal ends this process by that signal (faultline's seam).
std::function<int(const RunContext&)> external_program(ExternalCommand command);

/// Reads a scenario spec file (JSON, docs/external-protocol.md "Spec files") and registers its
/// scenario; `shim_dir` is where the Python shim lives. Throws faultline::Error (usage) naming
/// the file and the field when it is malformed.
void register_spec_file(const std::string& path, const std::string& shim_dir);

/// Registers every spec file named by `paths` (files, or directories whose *.json are read),
/// as given to FAULTLINE_SPECS (colon-separated).
void register_spec_files(const std::vector<std::string>& paths, const std::string& shim_dir);

}  // namespace faultline
