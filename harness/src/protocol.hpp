#pragma once
// The harness <-> worker protocol (internal): one frame per request, one checked answer per
// run. The worker may run a hostile program in its own process, which can write anything to
// any descriptor; so every answer carries a magic number, the request's sequence number and a
// check word, its length is bounded, and it is read against a deadline. An answer that fails
// any of these is never trusted.
#include <chrono>
#include <cstdint>
#include <string>

#include <faultline/sandbox.hpp>

namespace faultline::detail {

/// Writes all of `n` bytes (retrying on EINTR); false on any error.
bool write_all(int fd, const void* data, std::size_t n);

/// A request: which scenario, flaws, schedule, watchdog, and whether to fork a child for it.
struct WireRequest {
  std::uint32_t seq = 0;
  bool fork_child = false;
  RunRequest run;
};
std::string encode(const WireRequest& req);
/// Decodes a request the harness sent (the worker trusts its parent).
WireRequest decode(const std::string& frame);
bool write_frame(int fd, const std::string& payload);
/// Reads one frame; false on EOF or error.
bool read_frame(int fd, std::string& payload);

/// The answer to one run.
struct WireAnswer {
  ProcessEnd end;
  std::uint64_t output_bytes = 0;
  std::uint64_t resident_bytes = 0;  ///< the worker's RSS after the run (persistent mode)
  bool worker_ends = false;          ///< the worker exits after this answer (its state is not to be trusted)
  std::string output_tail;
};
std::string encode_answer(std::uint32_t seq, const WireAnswer& a);

enum class AnswerRead { ok, eof, timed_out, forged, interrupted };
/// Reads the answer to request `seq`: at most `max_tail` bytes of output, by `deadline`,
/// giving up early (interrupted) when `*stop` becomes true.
AnswerRead read_answer(int fd, std::uint32_t seq, std::size_t max_tail, std::chrono::steady_clock::time_point deadline,
                       const std::atomic<bool>* stop, WireAnswer& out);

}  // namespace faultline::detail
