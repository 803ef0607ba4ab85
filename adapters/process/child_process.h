// One child process driven over pipes: started with its standard input, output and error connected to
// raftsim, fed one frame and read back one frame within a wall-clock limit, and always reaped.
//
// The operating-system layer of the process protocol (docs/protocol.md); it knows frames only as
// length-prefixed byte strings. Linux only (PR_SET_PDEATHSIG, close_range, pidfd).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <deque>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace adapters::process {

// The child could not be started (no such program, not executable...).
class StartError : public std::runtime_error {
 public:
  explicit StartError(const std::string& what) : std::runtime_error(what) {}
};

// How a child ended.
struct ChildExit {
  enum class Kind : std::uint8_t { exited, signaled };
  Kind kind = Kind::exited;
  int code = 0;              // exit status or signal number
  bool killed_by_us = false;  // raftsim sent the SIGKILL (a timeout, or it would not exit when told)
  std::string describe() const;  // "exited with status 3", "was killed by signal 6 (SIGABRT)"
};

class ChildProcess {
 public:
  // Starts `command` (command[0] is searched in PATH unless it contains a '/') with raftsim's environment
  // plus `extra_env` ("NAME=value", overriding). Every other file descriptor is closed in the child, and
  // the child is killed if the thread that started it dies. Throws StartError.
  ChildProcess(const std::vector<std::string>& command, const std::vector<std::string>& extra_env);
  ~ChildProcess();  // kills and reaps the child if finish() was not called
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  enum class Result : std::uint8_t {
    frame,         // `reply` holds one whole frame (length prefix and body)
    closed,        // the child closed its standard output (it exited, most likely) before a whole frame
    timed_out,     // no whole frame within the limit
    too_long,      // the length prefix announces more than kFrameBodyMax
    extra_output,  // more bytes followed the frame before raftsim sent another input
  };
  // Writes `frame` to the child's standard input and reads one frame from its standard output, both within
  // `timeout_seconds` of wall time. Standard error is read meanwhile (passed through, and its last lines
  // kept). `reply` always holds what was read, for error messages.
  Result exchange(std::span<const std::uint8_t> frame, std::vector<std::uint8_t>& reply, double timeout_seconds);

  // Writes `frame` without waiting for a reply (SHUTDOWN). False if the child no longer reads.
  bool send(std::span<const std::uint8_t> frame, double timeout_seconds);

  // Closes the child's standard input, gives it `grace_seconds` to exit on its own (draining its output),
  // then kills it (SIGKILL); reaps it either way. Returns how it ended; later calls return the same.
  const ChildExit& finish(double grace_seconds);
  bool finished() const { return reaped_; }

  pid_t pid() const { return pid_; }
  // The last lines the child wrote to its standard error, oldest first.
  const std::deque<std::string>& stderr_tail() const { return stderr_tail_; }

 private:
  void read_stderr();
  void take_stderr_line(std::string line);
  bool write_some(std::span<const std::uint8_t> data, std::size_t& written);
  void close_fd(int& fd);
  void reap(int options);

  pid_t pid_ = -1;
  int stdin_fd_ = -1;   // our write end
  int stdout_fd_ = -1;  // our read end
  int stderr_fd_ = -1;  // our read end
  int pidfd_ = -1;      // readable when the child exits (-1 if the kernel has no pidfd)
  bool reaped_ = false;
  ChildExit exit_;
  std::string stderr_partial_;  // a line not yet ended
  std::deque<std::string> stderr_tail_;
  std::size_t stderr_lines_ = 0;  // lines seen so far
  std::vector<std::uint8_t> pending_;  // stdout bytes read after a frame (the child wrote ahead)
};

}  // namespace adapters::process
