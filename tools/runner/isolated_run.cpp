#include "tools/runner/isolated_run.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <deque>
#include <iostream>
#include <optional>
#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/assert.h"
#include "tools/scenario/input_error.h"
#include "tools/runner/atomic_file.h"
#include "tools/runner/interrupt.h"

namespace tools {

namespace {

using Clock = std::chrono::steady_clock;

constexpr int kChildStoppedByInterrupt = 75;  // the child's exit code when it stopped between seeds
constexpr std::size_t kStderrTailMax = 4000;  // bytes of a child's stderr kept to explain its death
constexpr char kFrameResult = 'R';
constexpr char kFrameException = 'E';   // the implementation threw: a finding
constexpr char kFrameUsageError = 'U';  // the input or an adapter is broken: exit 3, as in-process

// A frame: one type byte, a 4-byte little-endian length, the payload.
void send_frame(int fd, char type, const std::string& payload) {
  RAFTSIM_ASSERT(payload.size() < 0xffffffffu);
  std::string frame(5, '\0');
  frame[0] = type;
  for (int i = 0; i < 4; ++i) frame[1 + i] = static_cast<char>((payload.size() >> (8 * i)) & 0xff);
  frame += payload;
  if (!write_all(fd, frame.data(), frame.size())) ::_exit(2);  // the parent is gone
}

double cpu_seconds_used() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

// The watchdog inside the child: SIGXCPU once this seed has used `seconds` of CPU.
void limit_cpu_for_next_seed(double seconds) {
  rlimit lim{};
  ::getrlimit(RLIMIT_CPU, &lim);
  auto soft = static_cast<rlim_t>(std::ceil(cpu_seconds_used() + seconds));
  if (lim.rlim_max != RLIM_INFINITY && soft > lim.rlim_max) soft = lim.rlim_max;
  lim.rlim_cur = soft;
  ::setrlimit(RLIMIT_CPU, &lim);
}

[[noreturn]] void child_main(int out_fd, int err_fd, const Scenario& scenario, const std::vector<std::uint64_t>& seeds,
                             const RunOptions& options, const Isolation& isolation) {
  ::dup2(err_fd, STDERR_FILENO);
  ::close(err_fd);
  rlimit no_core{0, 0};
  ::setrlimit(RLIMIT_CORE, &no_core);  // a crashing implementation leaves no core files behind
  for (const std::uint64_t seed : seeds) {
    if (interrupt_count() > 0) ::_exit(kChildStoppedByInterrupt);  // Ctrl-C: finish the seed in flight only
    limit_cpu_for_next_seed(isolation.seed_cpu_seconds_max);
    try {
      send_frame(out_fd, kFrameResult, encode_run_result(run_scenario(scenario, seed, options)));
    } catch (const InputError& e) {
      send_frame(out_fd, kFrameUsageError, e.what());
    } catch (const sim::AdapterError& e) {
      send_frame(out_fd, kFrameUsageError, e.what());
    } catch (const std::invalid_argument& e) {  // the implementation cannot be built as asked
      send_frame(out_fd, kFrameUsageError, e.what());
    } catch (const std::exception& e) {
      send_frame(out_fd, kFrameException, e.what());
    }
  }
  ::_exit(0);  // no destructors, no atexit handlers, no flushing of the parent's stdio buffers
}

const char* signal_name(int sig) {
  switch (sig) {
    case SIGABRT: return "SIGABRT";
    case SIGSEGV: return "SIGSEGV";
    case SIGBUS: return "SIGBUS";
    case SIGFPE: return "SIGFPE";
    case SIGILL: return "SIGILL";
    case SIGKILL: return "SIGKILL";
    case SIGXCPU: return "SIGXCPU";
    case SIGTERM: return "SIGTERM";
    case SIGINT: return "SIGINT";
    default: return "a signal";
  }
}

// The last few lines the child wrote to stderr (an assertion's message, a sanitizer's report header).
std::string last_words(const std::string& tail) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < tail.size()) {
    const std::size_t end = tail.find('\n', start);
    std::string line = tail.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (!line.empty()) lines.push_back(std::move(line));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  constexpr std::size_t kLinesMax = 3;
  std::string out;
  for (std::size_t i = lines.size() > kLinesMax ? lines.size() - kLinesMax : 0; i < lines.size(); ++i) {
    out += (out.empty() ? "" : " / ") + lines[i];
  }
  return out;
}

struct Child {
  pid_t pid = -1;
  int out_fd = -1;
  int err_fd = -1;
  std::vector<std::size_t> batch;  // indices into the seed list, run in this order
  std::size_t done = 0;            // results received
  std::string buffer;              // bytes of an incomplete frame
  std::string stderr_tail;
  Clock::time_point last_heard;
  bool killed_for_silence = false;
};

void set_nonblocking(int fd) { ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK); }

Child spawn(const Scenario& scenario, const std::vector<std::uint64_t>& seeds, std::vector<std::size_t> batch,
            const RunOptions& options, const Isolation& isolation) {
  int out[2], err[2];
  if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) {
    throw std::runtime_error(fmt::format("cannot create a pipe for a seed's child: {}", std::strerror(errno)));
  }
  std::vector<std::uint64_t> batch_seeds;
  for (std::size_t i : batch) batch_seeds.push_back(seeds[i]);
  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error(fmt::format("cannot fork a child for a seed: {}", std::strerror(errno)));
  if (pid == 0) {
    ::close(out[0]);
    ::close(err[0]);
    child_main(out[1], err[1], scenario, batch_seeds, options, isolation);
  }
  ::close(out[1]);
  ::close(err[1]);
  set_nonblocking(out[0]);
  set_nonblocking(err[0]);
  Child c;
  c.pid = pid;
  c.out_fd = out[0];
  c.err_fd = err[0];
  c.batch = std::move(batch);
  c.last_heard = Clock::now();
  return c;
}

// Reads what is available; closes the fd at end of file.
void drain(int& fd, std::string& into, std::size_t keep_max) {
  char chunk[65536];
  while (fd >= 0) {
    const ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n > 0) {
      into.append(chunk, static_cast<std::size_t>(n));
      if (keep_max > 0 && into.size() > keep_max) into.erase(0, into.size() - keep_max);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    ::close(fd);  // end of file, or an error: nothing more will come
    fd = -1;
  }
}

// Why a child that did not finish its batch died, in words.
std::string death_cause(const Child& c, int status, const Isolation& isolation) {
  std::string what;
  if (c.killed_for_silence) {
    what = fmt::format("sent no result for a long time while using little CPU (blocked: a deadlock or a blocking call?); killed");
  } else if (WIFSIGNALED(status) && WTERMSIG(status) == SIGXCPU) {
    what = fmt::format("used more than the per-seed CPU limit of {:g}s (--seed-timeout): a hang or a runaway loop",
                       isolation.seed_cpu_seconds_max);
  } else if (WIFSIGNALED(status)) {
    what = fmt::format("the implementation under test crashed: killed by signal {} ({})", WTERMSIG(status),
                       signal_name(WTERMSIG(status)));
  } else if (WIFEXITED(status)) {
    what = fmt::format("the process running the seed exited with code {} in the middle of it", WEXITSTATUS(status));
  } else {
    what = "the process running the seed ended abnormally";
  }
  const std::string words = last_words(c.stderr_tail);
  return words.empty() ? what : what + "; it said: " + words;
}

std::vector<RunResult> run_in_children(const Scenario& scenario, const std::vector<std::uint64_t>& seeds, unsigned jobs,
                                       const std::function<void(const RunResult&)>& on_done, const RunOptions& options,
                                       const Isolation& isolation) {
  RAFTSIM_ASSERT(jobs >= 1 && isolation.seeds_per_child >= 1);
  std::vector<std::optional<RunResult>> results(seeds.size());
  std::deque<std::size_t> pending;
  for (std::size_t i = 0; i < seeds.size(); ++i) pending.push_back(i);
  std::vector<Child> children;
  // A child silent for this long in wall time is stuck without spinning (spinning meets the CPU limit).
  const auto silence_max = std::chrono::duration<double>(4 * isolation.seed_cpu_seconds_max + 30);
  int interrupts_seen = interrupt_count();
  auto deliver = [&](std::size_t index, RunResult r) {
    if (on_done) on_done(r);
    results[index] = std::move(r);
  };
  std::optional<std::string> usage_error;  // a seed found the input or an adapter broken: stop, exit 3
  for (;;) {
    if (usage_error) {
      for (const Child& c : children) ::kill(c.pid, SIGKILL);
      for (const Child& c : children) {
        int status = 0;
        while (::waitpid(c.pid, &status, 0) < 0 && errno == EINTR) {
        }
        if (c.out_fd >= 0) ::close(c.out_fd);
        if (c.err_fd >= 0) ::close(c.err_fd);
      }
      throw std::runtime_error(*usage_error);
    }
    const int interrupts = interrupt_count();
    if (interrupts != interrupts_seen) {
      // The first interrupt lets each child finish its seed in flight; a second one abandons them.
      for (const Child& c : children) ::kill(c.pid, interrupts >= 2 ? SIGKILL : SIGINT);
      interrupts_seen = interrupts;
    }
    while (interrupts == 0 && children.size() < jobs && !pending.empty()) {
      const std::size_t share = (pending.size() + jobs - 1) / jobs;
      const std::size_t take = std::max<std::size_t>(1, std::min(isolation.seeds_per_child, share));
      std::vector<std::size_t> batch(pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(take));
      pending.erase(pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(take));
      children.push_back(spawn(scenario, seeds, std::move(batch), options, isolation));
    }
    if (children.empty()) break;

    std::vector<pollfd> fds;
    for (const Child& c : children) {
      if (c.out_fd >= 0) fds.push_back({c.out_fd, POLLIN, 0});
      if (c.err_fd >= 0) fds.push_back({c.err_fd, POLLIN, 0});
    }
    if (!fds.empty()) ::poll(fds.data(), fds.size(), 250);  // EINTR (an interrupt) just ends the wait

    for (std::size_t k = 0; k < children.size();) {
      Child& c = children[k];
      const std::size_t before = c.buffer.size();
      drain(c.out_fd, c.buffer, 0);
      drain(c.err_fd, c.stderr_tail, kStderrTailMax);
      if (c.buffer.size() != before) c.last_heard = Clock::now();
      // Complete frames: one result (or the exception a seed threw) each, in batch order.
      while (c.buffer.size() >= 5) {
        std::size_t length = 0;
        for (int i = 0; i < 4; ++i) length |= static_cast<std::size_t>(static_cast<unsigned char>(c.buffer[1 + i])) << (8 * i);
        if (c.buffer.size() < 5 + length) break;
        const std::string payload = c.buffer.substr(5, length);
        const char type = c.buffer[0];
        c.buffer.erase(0, 5 + length);
        RAFTSIM_ASSERT(c.done < c.batch.size());
        const std::size_t index = c.batch[c.done++];
        if (type == kFrameUsageError && !usage_error) usage_error = payload;
        if (type == kFrameUsageError) continue;
        deliver(index, type == kFrameResult ? decode_run_result(payload)
                                            : implementation_error_result(scenario, seeds[index], "the run threw an exception: " + payload));
      }
      if (c.out_fd >= 0 || c.err_fd >= 0) {
        if (Clock::now() - c.last_heard > silence_max && !c.killed_for_silence) {
          c.killed_for_silence = true;
          ::kill(c.pid, SIGKILL);
        }
        ++k;
        continue;
      }
      int status = 0;
      while (::waitpid(c.pid, &status, 0) < 0 && errno == EINTR) {
      }
      if (c.done < c.batch.size()) {
        const bool stopped = (WIFEXITED(status) && WEXITSTATUS(status) == kChildStoppedByInterrupt) ||
                             (interrupt_count() >= 2 && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        if (!stopped) {
          // The seed in flight killed its child: a finding. The rest of the batch runs in a fresh child.
          const std::size_t index = c.batch[c.done];
          deliver(index, implementation_error_result(scenario, seeds[index], death_cause(c, status, isolation)));
          for (std::size_t j = c.batch.size(); j > c.done + 1; --j) pending.push_front(c.batch[j - 1]);
        }
      }
      children.erase(children.begin() + static_cast<std::ptrdiff_t>(k));
    }
  }
  std::vector<RunResult> out;
  for (auto& r : results) {
    if (r) out.push_back(std::move(*r));
  }
  return out;
}

}  // namespace

RunResult implementation_error_result(const Scenario& scenario, std::uint64_t seed, const std::string& what) {
  RunResult r;
  r.seed = seed;
  r.outcome = Outcome::safety_violation;
  r.violation = checkers::Violation{kImplementationError, checkers::Severity::safety, 0, {}, what};
  judge(scenario.expect, r);
  return r;
}

std::vector<RunResult> run_seeds_isolated(const Scenario& scenario, const std::vector<std::uint64_t>& seeds, unsigned jobs,
                                          const std::function<void(const RunResult&)>& on_done, const Isolation& isolation) {
  return run_in_children(scenario, seeds, jobs, on_done, RunOptions{}, isolation);
}

RunResult run_one_isolated(const Scenario& scenario, std::uint64_t seed, const RunOptions& options, const Isolation& isolation) {
  RAFTSIM_ASSERT(!options.keep_all_events);  // raw events do not cross the pipe
  if (!isolation.enabled) return run_scenario(scenario, seed, options);
  std::vector<RunResult> r = run_in_children(scenario, {seed}, 1, {}, options, isolation);
  if (r.empty()) throw std::runtime_error(fmt::format("seed {} was interrupted before it finished", seed));
  return std::move(r.front());
}

std::string encode_run_result(const RunResult& r) {
  const sim::SimMetrics& m = r.metrics;
  nlohmann::json j;
  j["seed"] = r.seed;
  j["outcome"] = static_cast<int>(r.outcome);
  j["verdict"] = static_cast<int>(r.verdict);
  j["verdict_note"] = r.verdict_note;
  j["nemesis"] = r.nemesis;
  j["linearizability"] = r.linearizability;
  j["metrics"] = {m.events, m.elections, m.leaders_elected, m.max_term, m.first_leader_us, m.split_votes,
                  m.ops_invoked, m.ops_ok, m.ops_fail, m.ops_info, m.crashes, m.restarts, m.stale_discarded};
  j["network"] = {m.network.sent, m.network.delivered, m.network.dropped, m.network.duplicated, m.network.blocked,
                  m.network.node_down, m.network.delayed_late, m.network.held};
  j["disk"] = {m.disk.writes, m.disk.synced, m.disk.lost_on_crash, m.disk.bytes_written};
  j["run_metrics"] = r.run_metrics.to_json();
  if (r.baseline) j["baseline"] = r.baseline->to_json();
  j["baseline_note"] = r.baseline_note;
  j["trace_hash"] = r.trace_hash;
  j["end_time_us"] = r.end_time_us;
  if (r.violation) {
    const checkers::Violation& v = *r.violation;
    j["violation"] = {{"checker", v.checker}, {"safety", v.severity == checkers::Severity::safety},
                      {"time_us", v.time_us}, {"nodes", v.nodes}, {"message", v.message}};
  }
  j["recent_events"] = r.recent_events;
  j["captured_events"] = r.captured_events;
  j["wall_seconds"] = r.wall_seconds;
  j["cpu_seconds"] = r.cpu_seconds;
  // Invalid UTF-8 in a message (from an implementation's own text) is replaced, never a reason to fail.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

RunResult decode_run_result(const std::string& text) {
  const nlohmann::json j = nlohmann::json::parse(text);
  RunResult r;
  r.seed = j.at("seed").get<std::uint64_t>();
  r.outcome = static_cast<Outcome>(j.at("outcome").get<int>());
  r.verdict = static_cast<Outcome>(j.at("verdict").get<int>());
  r.verdict_note = j.at("verdict_note").get<std::string>();
  r.nemesis = j.at("nemesis").get<std::string>();
  r.linearizability = j.at("linearizability").get<std::string>();
  sim::SimMetrics& m = r.metrics;
  const auto& x = j.at("metrics");
  m.events = x[0]; m.elections = x[1]; m.leaders_elected = x[2]; m.max_term = x[3]; m.first_leader_us = x[4];
  m.split_votes = x[5]; m.ops_invoked = x[6]; m.ops_ok = x[7]; m.ops_fail = x[8]; m.ops_info = x[9];
  m.crashes = x[10]; m.restarts = x[11]; m.stale_discarded = x[12];
  const auto& n = j.at("network");
  m.network.sent = n[0]; m.network.delivered = n[1]; m.network.dropped = n[2]; m.network.duplicated = n[3];
  m.network.blocked = n[4]; m.network.node_down = n[5]; m.network.delayed_late = n[6]; m.network.held = n[7];
  const auto& d = j.at("disk");
  m.disk.writes = d[0]; m.disk.synced = d[1]; m.disk.lost_on_crash = d[2]; m.disk.bytes_written = d[3];
  r.run_metrics = checkers::RunMetrics::from_json(j.at("run_metrics"));
  if (j.contains("baseline")) r.baseline = checkers::RunMetrics::from_json(j.at("baseline"));
  r.baseline_note = j.at("baseline_note").get<std::string>();
  r.trace_hash = j.at("trace_hash").get<std::uint64_t>();
  r.end_time_us = j.at("end_time_us").get<std::int64_t>();
  if (j.contains("violation")) {
    const auto& v = j.at("violation");
    r.violation = checkers::Violation{v.at("checker").get<std::string>(),
                                      v.at("safety").get<bool>() ? checkers::Severity::safety : checkers::Severity::liveness,
                                      v.at("time_us").get<std::int64_t>(), v.at("nodes").get<std::vector<std::int32_t>>(),
                                      v.at("message").get<std::string>()};
  }
  r.recent_events = j.at("recent_events").get<std::vector<std::string>>();
  r.captured_events = j.at("captured_events").get<std::vector<std::string>>();
  r.wall_seconds = j.at("wall_seconds").get<double>();
  r.cpu_seconds = j.at("cpu_seconds").get<double>();
  return r;
}

}  // namespace tools
