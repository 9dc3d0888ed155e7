#include "protocol.hpp"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <sstream>

#include <faultline/detail/fork_gate.hpp>

namespace faultline::detail {

namespace {

constexpr std::uint32_t kAnswerMagic = 0xFA17'11E5u;

struct Header {
  std::uint32_t magic;
  std::uint32_t seq;
  std::int32_t kind;
  std::int32_t value;
  std::uint64_t output_bytes;
  std::uint64_t resident_bytes;
  std::uint32_t tail_len;
  std::uint32_t flags;
  std::uint64_t check;
};

std::uint64_t check_of(const Header& h) {
  std::uint64_t x = 0x9e3779b97f4a7c15ull ^ h.seq;
  for (std::uint64_t v : {std::uint64_t(h.magic), std::uint64_t(std::uint32_t(h.kind)), std::uint64_t(std::uint32_t(h.value)),
                          h.output_bytes, h.resident_bytes, std::uint64_t(h.tail_len), std::uint64_t(h.flags)}) {
    x ^= v + 0x9e3779b97f4a7c15ull + (x << 6) + (x >> 2);
    x *= 0xbf58476d1ce4e5b9ull;
  }
  return x;
}

/// Reads exactly n bytes by the deadline, polling in slices so that a stop request is seen.
AnswerRead read_by(int fd, void* data, std::size_t n, std::chrono::steady_clock::time_point deadline, const std::atomic<bool>* stop) {
  auto* p = static_cast<char*>(data);
  bool blocking = stop == nullptr && deadline == std::chrono::steady_clock::time_point::max();
  while (n > 0 && blocking) {  // the worker reading its next request: nothing to poll for
    ssize_t r = ::read(fd, p, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return AnswerRead::eof;
    p += r;
    n -= static_cast<std::size_t>(r);
  }
  while (n > 0) {
    if (stop != nullptr && *stop) return AnswerRead::interrupted;
    long long left = deadline == std::chrono::steady_clock::time_point::max()
                         ? 100
                         : std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) return AnswerRead::timed_out;
    pollfd pfd{fd, POLLIN, 0};
    // NOTE: 100 ms slices: SIGINT/SIGTERM interrupt poll, but a stop flag set by another
    // thread's signal handler would otherwise wait for the whole watchdog.
    int ready;
    {
      ForkGateParked parked;  // waiting for the worker: another campaign thread may fork meanwhile
      ready = poll(&pfd, 1, static_cast<int>(std::min<long long>(left, 100)));
    }
    if (ready < 0 && errno != EINTR) return AnswerRead::eof;
    if (ready <= 0) continue;
    ssize_t r = ::read(fd, p, n);
    if (r < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (r <= 0) return AnswerRead::eof;
    p += r;
    n -= static_cast<std::size_t>(r);
  }
  return AnswerRead::ok;
}

}  // namespace

bool write_all(int fd, const void* data, std::size_t n) {
  auto* p = static_cast<const char*>(data);
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

std::string encode(const WireRequest& req) {
  std::size_t index = static_cast<std::size_t>(req.run.scenario - Registry::instance().all().data());
  std::string flaws;
  for (const auto& f : req.run.flaws) flaws += (flaws.empty() ? "" : ",") + f;
  return std::to_string(req.seq) + "\n" + (req.fork_child ? "fork" : "here") + "\n" + std::to_string(index) + "\n" + flaws + "\n" +
         to_string(req.run.schedule) + "\n" + std::to_string(req.run.timeout_ms);
}

WireRequest decode(const std::string& frame) {
  std::istringstream in(frame);
  std::string seq, where, index, flaws, schedule, timeout;
  std::getline(in, seq);
  std::getline(in, where);
  std::getline(in, index);
  std::getline(in, flaws);
  std::getline(in, schedule);
  std::getline(in, timeout);
  WireRequest req;
  req.seq = static_cast<std::uint32_t>(std::stoul(seq));
  req.fork_child = where == "fork";
  req.run.scenario = &Registry::instance().all().at(std::stoul(index));
  std::istringstream fl(flaws);
  for (std::string f; std::getline(fl, f, ',');) req.run.flaws.push_back(f);
  req.run.schedule = parse_schedule(schedule);
  req.run.timeout_ms = std::stoi(timeout);
  return req;
}

bool write_frame(int fd, const std::string& payload) {
  // NOTE: one write per message: the round trip per run is what bounds persistent mode.
  std::uint32_t len = static_cast<std::uint32_t>(payload.size());
  std::string frame(reinterpret_cast<const char*>(&len), sizeof len);
  frame += payload;
  return write_all(fd, frame.data(), frame.size());
}

bool read_frame(int fd, std::string& payload) {
  auto forever = std::chrono::steady_clock::time_point::max();
  std::uint32_t len = 0;
  if (read_by(fd, &len, sizeof len, forever, nullptr) != AnswerRead::ok) return false;
  payload.resize(len);
  return read_by(fd, payload.data(), len, forever, nullptr) == AnswerRead::ok;
}

std::string encode_answer(std::uint32_t seq, const WireAnswer& a) {
  Header h{kAnswerMagic, seq, static_cast<std::int32_t>(a.end.kind), a.end.value, a.output_bytes, a.resident_bytes,
           static_cast<std::uint32_t>(a.output_tail.size()), a.worker_ends ? 1u : 0u, 0};
  h.check = check_of(h);
  std::string out(reinterpret_cast<const char*>(&h), sizeof h);
  return out + a.output_tail;
}

AnswerRead read_answer(int fd, std::uint32_t seq, std::size_t max_tail, std::chrono::steady_clock::time_point deadline,
                       const std::atomic<bool>* stop, WireAnswer& out) {
  Header h{};
  if (AnswerRead r = read_by(fd, &h, sizeof h, deadline, stop); r != AnswerRead::ok) return r;
  bool valid = h.magic == kAnswerMagic && h.seq == seq && h.check == check_of(h) && h.tail_len <= max_tail &&
               h.kind >= static_cast<std::int32_t>(ProcessEnd::Kind::exited) && h.kind <= static_cast<std::int32_t>(ProcessEnd::Kind::lost) &&
               (h.flags & ~1u) == 0;
  if (!valid) return AnswerRead::forged;
  out.end = {static_cast<ProcessEnd::Kind>(h.kind), h.value};
  out.output_bytes = h.output_bytes;
  out.resident_bytes = h.resident_bytes;
  out.worker_ends = (h.flags & 1u) != 0;
  out.output_tail.resize(h.tail_len);
  if (h.tail_len == 0) return AnswerRead::ok;
  AnswerRead r = read_by(fd, out.output_tail.data(), h.tail_len, deadline, stop);
  return r == AnswerRead::eof ? AnswerRead::forged : r;
}

}  // namespace faultline::detail
