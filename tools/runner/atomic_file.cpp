#include "tools/runner/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include <fmt/format.h>

#include "base/assert.h"
#include "tools/scenario/input_error.h"

namespace tools {

namespace {

std::string error_text() { return std::strerror(errno); }

std::string directory_of(const std::string& path) {
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  return parent.empty() ? std::string(".") : parent.string();
}

// Creates and removes a probe file in `dir`; "" if that worked, else the reason.
std::string probe_dir(const std::string& dir) {
  const std::string probe = fmt::format("{}/.raftsim-write-probe-{}", dir, static_cast<long>(::getpid()));
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return error_text();
  ::close(fd);
  ::unlink(probe.c_str());
  return "";
}

}  // namespace

bool write_all(int fd, const char* data, std::size_t size) {
  RAFTSIM_ASSERT(fd >= 0);
  RAFTSIM_ASSERT(data != nullptr || size == 0);
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

void write_file_atomically(const std::string& path, const std::string& content) {
  RAFTSIM_ASSERT(!path.empty());
  const std::string tmp = fmt::format("{}.tmp-{}", path, static_cast<long>(::getpid()));
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error(fmt::format("cannot write {}: {}", path, error_text()));
  const bool ok = write_all(fd, content.data(), content.size()) && ::fsync(fd) == 0;
  const std::string why = ok ? std::string() : error_text();
  const bool closed = ::close(fd) == 0;
  if (!ok || !closed) {
    ::unlink(tmp.c_str());
    throw std::runtime_error(fmt::format("cannot write {}: {}", path, ok ? error_text() : why));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string reason = error_text();
    ::unlink(tmp.c_str());
    throw std::runtime_error(fmt::format("cannot write {}: {}", path, reason));
  }
  // The rename itself is durable only once the directory is synced (best effort: some filesystems refuse).
  const int dir_fd = ::open(directory_of(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
}

void check_writable_dir(const std::string& dir, const std::string& option) {
  // Nothing is created here (a run that passes leaves no empty records directory behind): the directory,
  // or the nearest ancestor that exists, must take a new file.
  std::error_code ec;
  std::filesystem::path existing = dir;
  while (!existing.empty() && !std::filesystem::exists(existing, ec)) existing = existing.parent_path();
  if (existing.empty()) existing = ".";
  if (!std::filesystem::is_directory(existing, ec)) {
    throw InputError("command line", option, fmt::format("cannot create the directory {}: {} is not a directory", dir, existing.string()));
  }
  const std::string why = probe_dir(existing.string());
  if (!why.empty()) throw InputError("command line", option, fmt::format("cannot write into {}: {}: {}", dir, existing.string(), why));
}

void check_writable_file(const std::string& file, const std::string& option) {
  std::error_code ec;
  if (std::filesystem::is_directory(file, ec)) {
    throw InputError("command line", option, fmt::format("{} is a directory, expected a file to write", file));
  }
  const std::string dir = directory_of(file);
  if (!std::filesystem::is_directory(dir, ec)) {
    throw InputError("command line", option, fmt::format("cannot write {}: the directory {} does not exist", file, dir));
  }
  if (std::filesystem::exists(file, ec) && ::access(file.c_str(), W_OK) != 0) {
    throw InputError("command line", option, fmt::format("cannot write {}: {}", file, error_text()));
  }
  const std::string why = probe_dir(dir);
  if (!why.empty()) throw InputError("command line", option, fmt::format("cannot write {}: {}", file, why));
}

}  // namespace tools
