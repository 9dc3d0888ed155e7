#include <faultline/atomic_file.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <faultline/error.hpp>

namespace faultline {

void write_file_atomic(const std::string& path, const std::string& content) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path target(path);
  if (target.has_parent_path()) fs::create_directories(target.parent_path(), ec);
  if (ec) internal_error("cannot create directory " + target.parent_path().string() + ": " + ec.message(), "check the path and permissions");
  std::string tmp = path + ".tmp." + std::to_string(getpid());
  // NOTE: 0666, and the umask decides, as for any file the user creates.
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) internal_error("cannot write " + tmp + ": " + std::strerror(errno), "check the path, permissions and free disk space");
  const char* p = content.data();
  std::size_t left = content.size();
  while (left > 0) {
    ssize_t w = ::write(fd, p, left);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      int err = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      internal_error("cannot write " + path + ": " + std::strerror(err), "free disk space and run again; nothing was half-written");
    }
    p += w;
    left -= static_cast<std::size_t>(w);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    internal_error("cannot flush " + path + ": " + std::strerror(err), "free disk space and run again; nothing was half-written");
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    internal_error("cannot rename " + tmp + " to " + path + ": " + std::strerror(err), "check permissions");
  }
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) usage_error("cannot read " + path + ": " + std::strerror(errno), "check the path");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace faultline
