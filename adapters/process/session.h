// One run's conversation with one child process: HELLO, then one frame per sim::Node call, checked and
// decoded; the child's failures turned into impl-error observations (or ProcessError for unreadable
// output); the leak check; SHUTDOWN. Shared by the factory and the nodes it creates.
#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "adapters/process/child_process.h"
#include "adapters/process/frames.h"
#include "adapters/process/process_factory.h"
#include "sim/node_host.h"

namespace adapters::process {

class Session {
 public:
  explicit Session(ProcessOptions options);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Starts the child and exchanges HELLO / HELLO_OK, the first time only. Throws ProcessError if the child
  // cannot be started or its HELLO_OK cannot be read; a child that dies or fails here is reported with the
  // first input's output instead.
  void ensure_started(std::uint32_t cluster_size, const sim::RaftTiming& timing, const sim::RaftFeatures& features = {});

  // Bookkeeping for a node's next START: returns its incarnation (0 for the first).
  std::uint32_t begin_incarnation(sim::NodeIndex node);
  void note_client(std::uint64_t client_id) { clients_.insert(client_id); }
  void note_disk_done(sim::NodeIndex node);

  // Where nodes encode their inputs (reused: no allocation per input in steady state).
  std::vector<std::uint8_t>& input_buffer() { return input_; }
  // Sends one input frame for `node` and appends the reply's contents to `out` (nothing once the child
  // is gone, except findings not yet reported). Throws ProcessError if the reply cannot be read.
  void call(sim::NodeIndex node, std::span<const std::uint8_t> frame, sim::NodeOutput& out);
  // STOP (a crash) from a node's destructor: never throws. A finding, or a reply that cannot be read, is
  // reported with the next input.
  void stop(sim::NodeIndex node) noexcept;
  // SHUTDOWN, a short grace, SIGKILL, reaped. Idempotent.
  void shutdown() noexcept;

  std::string_view implementation_name() const;
  std::string_view message_kind(std::uint16_t label) const;
  std::string_view timer_slot(std::uint16_t label) const;
  const std::string& failure_text() const { return failure_text_; }

 private:
  enum class Expect : std::uint8_t { hello_ok, output };
  // Exchanges `frame`; decodes the reply into `out`. Returns false if the child failed (reported).
  bool exchange(sim::NodeIndex node, std::span<const std::uint8_t> frame, Expect expect, sim::NodeOutput& out);
  void decode_reply(sim::NodeIndex node, Expect expect, sim::NodeOutput& out);
  void check_tasks(std::int64_t tasks, sim::NodeOutput& out);
  void check_disk_queue(sim::NodeIndex node, sim::NodeOutput& out);
  // The child ended or must be ended: reaps it and reports the finding.
  void child_gone(std::uint64_t code, std::uint64_t c, const std::string& what, sim::NodeOutput& out);
  void report(std::uint64_t code, std::uint64_t b, std::uint64_t c, const std::string& what, sim::NodeOutput& out);
  [[noreturn]] void protocol_error(const std::string& problem);
  std::string where() const;  // "process child 'cmd' (pid N), input #K (DESCRIPTION)"

  ProcessOptions options_;
  std::string command_text_;
  std::unique_ptr<ChildProcess> child_;
  bool started_ = false;  // the child was started (it may be gone since)
  std::uint32_t cluster_size_ = 0;
  sim::RaftTiming timing_;
  HelloReply hello_;
  std::uint64_t inputs_ = 0;                    // frames sent so far, HELLO included
  std::span<const std::uint8_t> current_;      // the input being exchanged, for reports
  std::vector<std::uint8_t> input_;
  std::vector<std::uint8_t> reply_;
  std::set<std::uint64_t> clients_;
  std::vector<std::uint32_t> incarnations_;    // per node: STARTs so far
  std::vector<std::uint64_t> unsynced_writes_;  // per node, this incarnation
  std::vector<sim::Observation> pending_;     // findings made where no output could carry them
  std::string deferred_error_;                 // a ProcessError from a STOP, thrown at the next input
  // The leak check (docs/protocol.md): the baseline is the most tasks reported before the first STOP.
  bool stopped_once_ = false;
  std::int64_t tasks_baseline_ = -1;
  bool leak_reported_ = false;
  std::string failure_text_;
};

}  // namespace adapters::process
