#include "adapters/process/session.h"

#include <algorithm>
#include <cstdio>
#include <utility>

#include <fmt/format.h>

#include "base/assert.h"

namespace adapters::process {

namespace {

constexpr double kShutdownGraceSeconds = 1.0;   // for the child to exit after SHUTDOWN before SIGKILL
constexpr double kExitWaitSecondsMax = 2.0;     // for a child that closed its output to finish exiting
constexpr std::size_t kTimerSlotsMax = 8;       // the simulator's limit (sim/simulation.cpp)
constexpr std::uint64_t kUnsyncedWritesMax = 4096;  // the simulated disk's queue bound (sim/disk.h)

std::string quoted_command(const std::vector<std::string>& command) {
  std::string out;
  for (const auto& arg : command) out += (out.empty() ? "" : " ") + arg;
  return "'" + out + "'";
}

}  // namespace

Session::Session(ProcessOptions options) : options_(std::move(options)), command_text_(quoted_command(options_.command)) {
  RAFTSIM_ASSERT(!options_.command.empty());
  RAFTSIM_ASSERT(options_.reply_timeout_seconds > 0.0);
}

Session::~Session() { shutdown(); }

std::string Session::where() const {
  return fmt::format("process child {} (pid {}), input #{} ({})", command_text_, child_ ? child_->pid() : -1, inputs_,
                     current_.empty() ? std::string("none") : describe_input(current_));
}

void Session::ensure_started(std::uint32_t cluster_size, const sim::RaftTiming& timing, const sim::RaftFeatures& features) {
  if (started_) {
    RAFTSIM_ASSERT_MSG(cluster_size == cluster_size_ && timing.election_timeout_min == timing_.election_timeout_min &&
                           timing.election_timeout_max == timing_.election_timeout_max &&
                           timing.heartbeat_interval == timing_.heartbeat_interval &&
                           timing.max_entries_per_append == timing_.max_entries_per_append,
                       "a process factory serves one cluster (one run)");
    return;
  }
  started_ = true;
  cluster_size_ = cluster_size;
  timing_ = timing;
  incarnations_.assign(cluster_size, 0);
  unsynced_writes_.assign(cluster_size, 0);
  try {
    child_ = std::make_unique<ChildProcess>(options_.command, options_.extra_env);
  } catch (const StartError& e) {
    throw ProcessError(fmt::format("process implementation: {}", e.what()));
  }
  encode_hello(input_, cluster_size, timing, features);
  sim::NodeOutput out;  // HELLO_OK carries no output; a finding waits for the first input's output
  exchange(0, input_, Expect::hello_ok, out);
  pending_.insert(pending_.end(), out.observations.begin(), out.observations.end());
}

std::uint32_t Session::begin_incarnation(sim::NodeIndex node) {
  RAFTSIM_ASSERT(node < incarnations_.size());
  unsynced_writes_[node] = 0;
  return incarnations_[node]++;
}

void Session::note_disk_done(sim::NodeIndex node) {
  RAFTSIM_ASSERT(node < unsynced_writes_.size());
  if (unsynced_writes_[node] > 0) --unsynced_writes_[node];
}

void Session::call(sim::NodeIndex node, std::span<const std::uint8_t> frame, sim::NodeOutput& out) {
  if (!deferred_error_.empty()) throw ProcessError(std::exchange(deferred_error_, {}));
  out.observations.insert(out.observations.end(), pending_.begin(), pending_.end());
  pending_.clear();
  if (!child_) return;  // gone: a crashed process answers nothing
  exchange(node, frame, Expect::output, out);
}

bool Session::exchange(sim::NodeIndex node, std::span<const std::uint8_t> frame, Expect expect, sim::NodeOutput& out) {
  RAFTSIM_ASSERT(child_ != nullptr);
  RAFTSIM_ASSERT(frame.size() > wire::kLengthBytes);
  ++inputs_;
  current_ = frame;
  switch (child_->exchange(frame, reply_, options_.reply_timeout_seconds)) {
    case ChildProcess::Result::frame:
      decode_reply(node, expect, out);
      return child_ != nullptr;
    case ChildProcess::Result::closed: {
      std::string partial;
      if (!reply_.empty()) partial = fmt::format(" (after writing {} byte(s) of a reply: {})", reply_.size(), wire::hex_prefix(reply_));
      const ChildExit& e = child_->finish(kExitWaitSecondsMax);
      if (e.killed_by_us) {
        child_gone(kChildClosedOutput, 0, "closed its standard output without replying" + partial +
                                              " and did not exit; it was killed", out);
      } else if (e.kind == ChildExit::Kind::signaled) {
        child_gone(kChildKilled, static_cast<std::uint64_t>(e.code), e.describe() + partial, out);
      } else {
        child_gone(kChildExited, static_cast<std::uint64_t>(e.code), e.describe() + partial, out);
      }
      return false;
    }
    case ChildProcess::Result::timed_out:
      child_->finish(0.0);
      child_gone(kChildTimedOut, static_cast<std::uint64_t>(options_.reply_timeout_seconds * 1000.0),
                 fmt::format("no reply within {} s (wall clock){}; it was killed", options_.reply_timeout_seconds,
                             reply_.empty() ? std::string() : fmt::format(" ({} byte(s) of a reply came: {})", reply_.size(),
                                                                          wire::hex_prefix(reply_))),
                 out);
      return false;
    case ChildProcess::Result::too_long:
      protocol_error(fmt::format("its reply announces a body longer than {} bytes", wire::kFrameBodyMax));
    case ChildProcess::Result::extra_output:
      protocol_error("it wrote more than one frame in reply (or answered before reading the whole input)");
  }
  RAFTSIM_ASSERT_MSG(false, "unknown exchange result");
  return false;
}

void Session::decode_reply(sim::NodeIndex node, Expect expect, sim::NodeOutput& out) {
  wire::Reader r(std::span<const std::uint8_t>(reply_).subspan(wire::kLengthBytes));
  try {
    const std::uint8_t type = r.u8("type");
    if (type == wire::kError) {
      const std::string message = decode_error(r);
      child_->finish(0.0);
      child_gone(kChildSentError, 0, fmt::format("it sent ERROR: \"{}\"", message), out);
      return;
    }
    if (expect == Expect::hello_ok) {
      if (type != wire::kHelloOk) r.fail("type", fmt::format("{}, expected HELLO_OK (129) or ERROR (131)", wire::frame_type_name(type)));
      hello_ = decode_hello_ok(r);
      if (hello_.timer_slots.size() > kTimerSlotsMax) {
        r.fail("timer_slot_count", fmt::format("{} timer slots, raftsim supports at most {}", hello_.timer_slots.size(), kTimerSlotsMax));
      }
      if (hello_.message_kinds.size() > 65536) r.fail("message_kind_count", "more than 65536 message kinds (a u16)");
      return;
    }
    if (type != wire::kOutput) r.fail("type", fmt::format("{}, expected OUTPUT (130) or ERROR (131)", wire::frame_type_name(type)));
    const OutputBounds bounds{cluster_size_, hello_.message_kinds.size(), hello_.timer_slots.size(), &clients_};
    const std::int64_t tasks = decode_output(r, bounds, out);
    check_disk_queue(node, out);
    check_tasks(tasks, out);
  } catch (const wire::DecodeError& e) {
    protocol_error(fmt::format("its reply cannot be read: {}", e.what()));
  }
}

void Session::check_disk_queue(sim::NodeIndex node, sim::NodeOutput& out) {
  RAFTSIM_ASSERT(node < unsynced_writes_.size());
  std::uint64_t& unsynced = unsynced_writes_[node];
  unsynced += out.disk_writes.size();
  if (unsynced <= kUnsyncedWritesMax) return;
  out.disk_writes.clear();  // the simulated disk cannot queue them
  report(kChildDiskQueueFull, unsynced, kUnsyncedWritesMax,
         fmt::format("node {} has {} disk writes not yet durable, more than the simulated disk queues ({})", node,
                     unsynced, kUnsyncedWritesMax),
         out);
  unsynced = kUnsyncedWritesMax;
}

void Session::check_tasks(std::int64_t tasks, sim::NodeOutput& out) {
  if (tasks < 0) return;
  if (!stopped_once_) {
    tasks_baseline_ = std::max(tasks_baseline_, tasks);
    return;
  }
  if (tasks_baseline_ < 0 || leak_reported_) return;
  const std::uint64_t slack = options_.leak_slack != 0 ? options_.leak_slack : 2ULL * cluster_size_;
  const std::uint64_t limit = static_cast<std::uint64_t>(tasks_baseline_) + slack;
  if (static_cast<std::uint64_t>(tasks) <= limit) return;
  leak_reported_ = true;
  report(kChildLeakedTasks, static_cast<std::uint64_t>(tasks), limit,
         fmt::format("tasks leaked: it reports {} tasks, more than the {} it had before the first crash plus a slack "
                     "of {}", tasks, tasks_baseline_, slack),
         out);
}

void Session::child_gone(std::uint64_t code, std::uint64_t c, const std::string& what, sim::NodeOutput& out) {
  RAFTSIM_ASSERT(child_ != nullptr && child_->finished());
  const std::uint64_t input_type = current_.size() > wire::kLengthBytes ? current_[wire::kLengthBytes] : 0;
  report(code, input_type, c, what, out);
  child_.reset();
}

void Session::report(std::uint64_t code, std::uint64_t b, std::uint64_t c, const std::string& what, sim::NodeOutput& out) {
  std::string text = fmt::format("{}: {}", where(), what);
  if (child_ && !child_->stderr_tail().empty()) {
    text += "\n  its last standard error lines:";
    for (const auto& line : child_->stderr_tail()) text += "\n    | " + line;
  }
  std::fputs(fmt::format("raftsim: {}\n", text).c_str(), stderr);
  if (failure_text_.empty()) failure_text_ = std::move(text);
  out.observations.push_back({sim::EventKind::impl_error, code, b, c});
}

void Session::protocol_error(const std::string& problem) {
  std::string message = fmt::format("{}: {}; it wrote: {}", where(), problem, wire::hex_prefix(reply_));
  if (child_) {
    child_->finish(0.0);
    child_.reset();
  }
  throw ProcessError(message);
}

void Session::stop(sim::NodeIndex node) noexcept {
  if (!child_) return;
  stopped_once_ = true;
  encode_stop(input_, node);
  sim::NodeOutput out;  // a crashed node's last output is lost, except findings (the child's or ours)
  try {
    exchange(node, input_, Expect::output, out);
  } catch (const ProcessError& e) {
    deferred_error_ = e.what();
  }
  for (const sim::Observation& o : out.observations) {
    if (o.kind == sim::EventKind::impl_error) pending_.push_back(o);
  }
}

void Session::shutdown() noexcept {
  if (!child_) return;
  encode_shutdown(input_);
  child_->send(input_, kShutdownGraceSeconds);
  const ChildExit& e = child_->finish(kShutdownGraceSeconds);
  if (e.kind != ChildExit::Kind::exited || e.code != 0) {
    std::fputs(fmt::format("raftsim: process child {} (pid {}) {} after SHUTDOWN (it should exit with status 0)\n",
                           command_text_, child_->pid(), e.describe()).c_str(), stderr);
  }
  child_.reset();
}

std::string_view Session::implementation_name() const {
  return hello_.implementation_name.empty() ? std::string_view("process") : std::string_view(hello_.implementation_name);
}

std::string_view Session::message_kind(std::uint16_t label) const {
  return label < hello_.message_kinds.size() ? std::string_view(hello_.message_kinds[label]) : std::string_view("?");
}

std::string_view Session::timer_slot(std::uint16_t label) const {
  return label < hello_.timer_slots.size() ? std::string_view(hello_.timer_slots[label]) : std::string_view("?");
}

}  // namespace adapters::process
