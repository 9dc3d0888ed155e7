#include "fork_server.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iterator>
#include <map>

#include <boost/json.hpp>

#include <faultline/sandbox.hpp>

namespace faultline::detail {

namespace {
std::map<std::string, ForkServer*>& servers() {
  static std::map<std::string, ForkServer*> s;
  return s;
}
}  // namespace

ForkServer* ForkServer::for_interpreter(const std::string& interpreter, const std::vector<std::string>& env) {
  auto& all = servers();
  if (auto it = all.find(interpreter); it != all.end()) {
    if (it->second != nullptr && it->second->owner_ == ::getpid()) return it->second;
    if (it->second != nullptr && it->second->owner_ != ::getpid()) return nullptr;  // inherited: not ours
    all.erase(it);
  }
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) return nullptr;
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(sv[0]);
    ::close(sv[1]);
    return nullptr;
  }
  if (pid == 0) {
    if (::dup2(sv[1], 0) < 0) ::_exit(126);
    for (const auto& e : env) ::putenv(const_cast<char*>(e.c_str()));
    ::execl(interpreter.c_str(), interpreter.c_str(), "-m", "faultline_asyncio", "--serve", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(sv[1]);
  spare_across_runs(pid);
  auto* s = new ForkServer(pid, sv[0]);  // NOTE: lives as long as the process
  all[interpreter] = s;
  return s;
}

bool ForkServer::start(const std::vector<std::string>& argv, const std::vector<std::string>& env, const std::string& cwd,
                       int events_fd, int decisions_fd, int output_fd) {
  if (fd_ < 0) return false;
  boost::json::object env_object;
  for (const auto& e : env)
    if (auto eq = e.find('='); eq != std::string::npos) env_object[e.substr(0, eq)] = e.substr(eq + 1);
  pending_id_ = next_id_++;
  std::string body = boost::json::serialize(boost::json::object{
      {"id", pending_id_}, {"argv", boost::json::array(argv.begin(), argv.end())}, {"env", env_object}, {"cwd", cwd}});
  int fds[3] = {events_fd, decisions_fd, output_fd};
  iovec iov{body.data(), body.size()};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof fds)] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof fds);
  std::memcpy(CMSG_DATA(c), fds, sizeof fds);
  ssize_t n;
  do n = ::sendmsg(fd_, &msg, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  if (n < 0) {
    stop();
    return false;
  }
  return true;
}

int ForkServer::wait() {
  char buf[4096];
  for (;;) {
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      stop();
      return -1;
    }
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(std::string_view(buf, static_cast<std::size_t>(n)), ec);
    // NOTE: an answer for an earlier run (its client was killed midway) is skipped.
    if (ec || !v.is_object() || !v.as_object().contains("id") || !v.as_object().contains("status")) continue;
    if (v.as_object()["id"].to_number<std::uint64_t>() != pending_id_) continue;
    return static_cast<int>(v.as_object()["status"].to_number<std::int64_t>());
  }
}

void ForkServer::stop() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  ::kill(pid_, SIGKILL);
  while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
  }
  for (auto it = servers().begin(); it != servers().end();)  // restarted on next use
    it = it->second == this ? servers().erase(it) : std::next(it);
}

}  // namespace faultline::detail
