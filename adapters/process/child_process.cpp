#include "adapters/process/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string_view>
#include <utility>

#include <fmt/format.h>

#include "adapters/process/wire.h"
#include "base/assert.h"

extern char** environ;

namespace adapters::process {

namespace {

constexpr std::size_t kStderrTailLines = 20;
constexpr std::size_t kStderrLineBytesMax = 400;   // longer lines are cut (binary noise, a huge dump)
constexpr std::size_t kStderrPassThroughLines = 100;  // per child: a chatty child must not drown raftsim's output
constexpr std::size_t kReadChunk = 64 * 1024;

using Clock = std::chrono::steady_clock;  // wall time bounds the wait for the child, never simulated time

int milliseconds_until(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  if (left <= 0) return 0;
  return left > 1'000'000 ? 1'000'000 : static_cast<int>(left) + 1;  // +1: never wake just before the deadline
}

Clock::time_point deadline_after(double seconds) {
  return Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
}

// A pipe whose two ends are close-on-exec (so that no other child, started by another thread at the same
// time, inherits them) and above the standard descriptors 0, 1, 2.
void make_pipe(int fds[2]) {
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    fds[0] = fds[1] = -1;
    throw StartError(fmt::format("cannot create a pipe: {}", std::strerror(errno)));
  }
  for (int i = 0; i < 2; ++i) {
    if (fds[i] > 2) continue;
    const int moved = ::fcntl(fds[i], F_DUPFD_CLOEXEC, 3);
    if (moved < 0) throw StartError(fmt::format("cannot move a pipe descriptor: {}", std::strerror(errno)));
    ::close(fds[i]);
    fds[i] = moved;
  }
}

void set_nonblocking(int fd) {
  const int flags = ::fcntl(fd, F_GETFL);
  RAFTSIM_ASSERT(flags >= 0);
  RAFTSIM_ASSERT(::fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0);
}

// command[0] as execve needs it: a path (PATH searched here, before fork, where allocation is allowed).
std::string resolve_program(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  const char* path = std::getenv("PATH");
  std::string_view dirs = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  while (true) {
    const std::size_t colon = dirs.find(':');
    const std::string_view dir = dirs.substr(0, colon);
    const std::string candidate = fmt::format("{}/{}", dir.empty() ? "." : dir, name);
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    if (colon == std::string_view::npos) break;
    dirs.remove_prefix(colon + 1);
  }
  throw StartError(fmt::format("cannot start '{}': no such program in PATH", name));
}

std::vector<std::string> child_environment(const std::vector<std::string>& extra) {
  std::vector<std::string> env;
  auto name_of = [](const std::string& entry) { return entry.substr(0, entry.find('=')); };
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string entry(*e);
    bool overridden = false;
    for (const auto& x : extra) overridden = overridden || name_of(x) == name_of(entry);
    if (!overridden) env.push_back(entry);
  }
  env.insert(env.end(), extra.begin(), extra.end());
  return env;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// Between fork and exec in a multi-threaded parent: async-signal-safe calls only.
[[noreturn]] void exec_child(pid_t parent, int in_read, int out_write, int err_write, int status_write,
                             const char* program, char* const* argv, char* const* envp) {
  // Killed with its parent (strictly: with the thread that forked it), so that no orphan survives raftsim.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(127);  // the parent died before prctl took effect
  if (::dup2(in_read, 0) < 0 || ::dup2(out_write, 1) < 0 || ::dup2(err_write, 2) < 0) {
    const int e = errno;
    (void)!::write(status_write, &e, sizeof e);
    ::_exit(127);
  }
  // Every other descriptor (raftsim's trace files, other children's pipes) is closed at exec; the status
  // pipe stays open until then, which tells the parent whether exec worked.
  if (::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) != 0) {
    for (int fd = 3; fd < 65536; ++fd) ::fcntl(fd, F_SETFD, FD_CLOEXEC);
  }
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  ::sigaction(SIGPIPE, &dfl, nullptr);
  ::execve(program, argv, envp);
  const int e = errno;
  (void)!::write(status_write, &e, sizeof e);
  ::_exit(127);
}

}  // namespace

std::string ChildExit::describe() const {
  if (kind == Kind::exited) return fmt::format("exited with status {}", code);
  const char* name = sigabbrev_np(code);
  return fmt::format("was killed{} by signal {}{}", killed_by_us ? " (by raftsim)" : "", code,
                     name != nullptr ? fmt::format(" (SIG{})", name) : std::string());
}

ChildProcess::ChildProcess(const std::vector<std::string>& command, const std::vector<std::string>& extra_env) {
  RAFTSIM_ASSERT(!command.empty());
  std::string program = resolve_program(command[0]);
  std::vector<std::string> args = command;
  std::vector<std::string> env = child_environment(extra_env);
  std::vector<char*> argv = c_strings(args);
  std::vector<char*> envp = c_strings(env);

  int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1}, status[2] = {-1, -1};
  try {
    make_pipe(in);
    make_pipe(out);
    make_pipe(err);
    make_pipe(status);
  } catch (const StartError&) {
    for (int fd : {in[0], in[1], out[0], out[1], err[0], err[1], status[0], status[1]}) {
      if (fd >= 0) ::close(fd);
    }
    throw;
  }
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid == 0) exec_child(parent, in[0], out[1], err[1], status[1], program.c_str(), argv.data(), envp.data());
  for (int fd : {in[0], out[1], err[1], status[1]}) ::close(fd);
  if (pid < 0) {
    for (int fd : {in[1], out[0], err[0], status[0]}) ::close(fd);
    throw StartError(fmt::format("cannot start '{}': fork failed: {}", program, std::strerror(errno)));
  }
  pid_ = pid;
  stdin_fd_ = in[1];
  stdout_fd_ = out[0];
  stderr_fd_ = err[0];
  int exec_errno = 0;
  ssize_t n;
  do {
    n = ::read(status[0], &exec_errno, sizeof exec_errno);
  } while (n < 0 && errno == EINTR);
  ::close(status[0]);
  if (n > 0) {
    reap(0);
    close_fd(stdin_fd_);
    close_fd(stdout_fd_);
    close_fd(stderr_fd_);
    throw StartError(fmt::format("cannot start '{}': {}", program, std::strerror(exec_errno)));
  }
  set_nonblocking(stdin_fd_);
  set_nonblocking(stdout_fd_);
  set_nonblocking(stderr_fd_);
  pidfd_ = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));  // -1 on kernels without pidfd: polled instead
}

ChildProcess::~ChildProcess() { finish(0.0); }

void ChildProcess::close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

void ChildProcess::reap(int options) {
  RAFTSIM_ASSERT(!reaped_);
  int status = 0;
  pid_t r;
  do {
    r = ::waitpid(pid_, &status, options);
  } while (r < 0 && errno == EINTR);
  if (r == 0) return;  // WNOHANG and still running
  RAFTSIM_ASSERT_MSG(r == pid_, "waitpid failed on raftsim's own child");
  reaped_ = true;
  if (WIFSIGNALED(status)) {
    exit_.kind = ChildExit::Kind::signaled;
    exit_.code = WTERMSIG(status);
  } else {
    exit_.kind = ChildExit::Kind::exited;
    exit_.code = WEXITSTATUS(status);
  }
}

// Writes what the pipe takes now. SIGPIPE (the child stopped reading) is blocked for this thread around the
// write and consumed, so a dead child is an EPIPE here, never a signal that kills raftsim.
bool ChildProcess::write_some(std::span<const std::uint8_t> data, std::size_t& written) {
  sigset_t pipe_signal, old;
  sigemptyset(&pipe_signal);
  sigaddset(&pipe_signal, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_signal, &old);
  ssize_t n;
  do {
    n = ::write(stdin_fd_, data.data() + written, data.size() - written);
  } while (n < 0 && errno == EINTR);
  const int e = errno;
  if (n < 0 && e == EPIPE) {
    const timespec zero{};
    while (sigtimedwait(&pipe_signal, nullptr, &zero) > 0) {
    }
  }
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  if (n >= 0) {
    written += static_cast<std::size_t>(n);
    return true;
  }
  return e == EAGAIN;  // EPIPE and the rest: the child no longer reads
}

void ChildProcess::take_stderr_line(std::string line) {
  if (line.size() > kStderrLineBytesMax) line = line.substr(0, kStderrLineBytesMax) + " [cut]";
  ++stderr_lines_;
  if (stderr_lines_ <= kStderrPassThroughLines) {
    std::fputs(fmt::format("[child {}] {}\n", pid_, line).c_str(), stderr);
  } else if (stderr_lines_ == kStderrPassThroughLines + 1) {
    std::fputs(fmt::format("[child {}] (its further standard error lines are not shown; raftsim keeps the last {} "
                           "for error reports)\n", pid_, kStderrTailLines).c_str(), stderr);
  }
  stderr_tail_.push_back(std::move(line));
  if (stderr_tail_.size() > kStderrTailLines) stderr_tail_.pop_front();
}

void ChildProcess::read_stderr() {
  char chunk[4096];
  while (stderr_fd_ >= 0) {
    const ssize_t n = ::read(stderr_fd_, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return;  // EAGAIN: nothing more now
    if (n == 0) {
      close_fd(stderr_fd_);
      if (!stderr_partial_.empty()) take_stderr_line(std::exchange(stderr_partial_, {}));
      return;
    }
    for (ssize_t i = 0; i < n; ++i) {
      if (chunk[i] == '\n') {
        take_stderr_line(std::exchange(stderr_partial_, {}));
      } else if (stderr_partial_.size() <= kStderrLineBytesMax) {
        stderr_partial_ += chunk[i];
      }
    }
  }
}

ChildProcess::Result ChildProcess::exchange(std::span<const std::uint8_t> frame, std::vector<std::uint8_t>& reply,
                                            double timeout_seconds) {
  RAFTSIM_ASSERT(!reaped_);
  const Clock::time_point deadline = deadline_after(timeout_seconds);
  reply.clear();
  reply.swap(pending_);  // bytes the child wrote ahead of this input belong to its next reply
  std::size_t written = 0;
  bool writing = stdin_fd_ >= 0;
  // The pipe is normally empty and takes a whole small frame at once: write before the first poll.
  if (writing && (!write_some(frame, written) || written == frame.size())) writing = false;
  std::size_t need = wire::kLengthBytes;  // bytes of the frame known so far to be needed
  while (true) {
    if (reply.size() >= wire::kLengthBytes && need == wire::kLengthBytes) {
      std::uint32_t length = 0;
      for (std::size_t i = 0; i < wire::kLengthBytes; ++i) length |= static_cast<std::uint32_t>(reply[i]) << (8 * i);
      if (length > wire::kFrameBodyMax) return Result::too_long;
      need = wire::kLengthBytes + length;
    }
    if (reply.size() >= need && need > wire::kLengthBytes) {
      if (reply.size() > need) return Result::extra_output;
      if (written < frame.size()) return Result::extra_output;  // answered before reading the whole input
      return Result::frame;
    }
    pollfd fds[3];
    nfds_t n = 0;
    fds[n++] = {stdout_fd_, POLLIN, 0};
    if (stderr_fd_ >= 0) fds[n++] = {stderr_fd_, POLLIN, 0};
    if (writing) fds[n++] = {stdin_fd_, POLLOUT, 0};
    const int timeout_ms = milliseconds_until(deadline);
    if (timeout_ms == 0) return Result::timed_out;
    const int ready = ::poll(fds, n, timeout_ms);
    if (ready < 0 && errno == EINTR) continue;
    RAFTSIM_ASSERT_MSG(ready >= 0, "poll failed on the child's pipes");
    for (nfds_t i = 0; i < n; ++i) {
      if (fds[i].revents == 0) continue;
      if (fds[i].fd == stdin_fd_) {
        if (!write_some(frame, written)) writing = false;  // the child is gone: its output says the rest
        if (written == frame.size()) writing = false;
      } else if (fds[i].fd == stderr_fd_) {
        read_stderr();
      } else {
        const std::size_t old = reply.size();
        reply.resize(old + kReadChunk);
        ssize_t got;
        do {
          got = ::read(stdout_fd_, reply.data() + old, kReadChunk);
        } while (got < 0 && errno == EINTR);
        reply.resize(old + static_cast<std::size_t>(got > 0 ? got : 0));
        if (got == 0) {
          read_stderr();  // its last words, if it died
          return Result::closed;
        }
      }
    }
  }
}

bool ChildProcess::send(std::span<const std::uint8_t> frame, double timeout_seconds) {
  if (reaped_ || stdin_fd_ < 0) return false;
  const Clock::time_point deadline = deadline_after(timeout_seconds);
  std::size_t written = 0;
  while (written < frame.size()) {
    pollfd fds[2] = {{stdin_fd_, POLLOUT, 0}, {stderr_fd_, POLLIN, 0}};
    const int timeout_ms = milliseconds_until(deadline);
    if (timeout_ms == 0) return false;
    const int ready = ::poll(fds, stderr_fd_ >= 0 ? 2 : 1, timeout_ms);
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) return false;
    if (fds[1].revents != 0 && stderr_fd_ >= 0) read_stderr();
    if (fds[0].revents != 0 && !write_some(frame, written)) return false;
  }
  return true;
}

const ChildExit& ChildProcess::finish(double grace_seconds) {
  if (reaped_) return exit_;
  close_fd(stdin_fd_);  // end of input: a well-behaved child exits
  const Clock::time_point deadline = deadline_after(grace_seconds);
  reap(WNOHANG);
  while (!reaped_) {
    const int timeout_ms = milliseconds_until(deadline);
    if (timeout_ms == 0) {
      ::kill(pid_, SIGKILL);
      reap(0);
      exit_.killed_by_us = exit_.kind == ChildExit::Kind::signaled && exit_.code == SIGKILL;
      break;
    }
    pollfd fds[3];
    nfds_t n = 0;
    if (stdout_fd_ >= 0) fds[n++] = {stdout_fd_, POLLIN, 0};
    if (stderr_fd_ >= 0) fds[n++] = {stderr_fd_, POLLIN, 0};
    if (pidfd_ >= 0) fds[n++] = {pidfd_, POLLIN, 0};
    // Without a pidfd, look again every millisecond once both pipes are closed.
    const int ready = ::poll(fds, n, pidfd_ >= 0 || n > 0 ? timeout_ms : std::min(timeout_ms, 1));
    if (ready < 0 && errno != EINTR) RAFTSIM_ASSERT_MSG(false, "poll failed on the child's pipes");
    for (nfds_t i = 0; ready > 0 && i < n; ++i) {
      if (fds[i].revents == 0) continue;
      if (fds[i].fd == stderr_fd_) {
        read_stderr();
      } else if (fds[i].fd == stdout_fd_) {
        char discard[4096];
        const ssize_t got = ::read(stdout_fd_, discard, sizeof discard);
        if (got == 0) close_fd(stdout_fd_);
      }
    }
    reap(WNOHANG);
  }
  if (stderr_fd_ >= 0) read_stderr();  // what it wrote last (non-blocking: stops at EAGAIN or EOF)
  close_fd(stdout_fd_);
  close_fd(stderr_fd_);
  close_fd(pidfd_);
  RAFTSIM_ASSERT(reaped_);
  return exit_;
}

}  // namespace adapters::process
