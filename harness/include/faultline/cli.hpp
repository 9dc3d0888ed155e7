#pragma once
/// The whole faultline command line (`list`, `run`, `replay`, reports, corpus, progress, exit
/// statuses) for the scenarios registered in the calling binary. A user's own executable gets
/// it by calling faultline::main from its main, or by linking `faultline::cli_main`, which
/// provides main. Replay commands it prints name argv[0] as typed.

namespace faultline {

/// Runs the CLI on argv; returns the exit status: 0 nothing found, 1 a violation found, 2 usage
/// error, 3 internal error, 128+S interrupted by signal S (reports written, marked partial).
int main(int argc, char** argv);

}  // namespace faultline
