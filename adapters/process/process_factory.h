// A Raft in any language, as a program that raftsim starts and drives over pipes (docs/protocol.md).
//
//   adapters::process::ProcessOptions options;
//   options.command = {"./my-raft-node", "--flag"};
//   std::unique_ptr<sim::NodeFactory> factory = adapters::process::make_process_factory(options);
//
// One factory serves one run: it starts one child process (lazily, at the first create()) that hosts every
// node of the cluster, and shuts it down (SIGKILL after a short grace, then reaped) when it is destroyed.
// Nodes it creates may outlive it (they then do nothing).
//
// What the child does wrong is reported in two ways:
// * its Raft's fault (it exits, is killed by a signal, does not answer within reply_timeout_seconds, sends
//   an ERROR frame, or leaks tasks): an impl-error observation (codes below) that the implementation-error
//   checker turns into a finding; failure_text() has the details (the input, the exit status or signal,
//   its last standard-error lines), which are also written to raftsim's standard error. Later inputs
//   produce nothing.
// * its adapter's fault (output that cannot be read, or a child that cannot be started): ProcessError, an
//   input error (exit code 3) naming the input and the first bytes of what came back, in hex.
#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "sim/node_host.h"

namespace adapters::process {

struct ProcessOptions {
  std::vector<std::string> command;  // argv; command[0] is searched in PATH unless it holds a '/'
  double reply_timeout_seconds = 10.0;  // wall-clock limit per input
  std::uint32_t leak_slack = 0;  // tasks allowed above the baseline; 0: 2 x cluster size
  std::vector<std::string> extra_env;  // "NAME=value", added to raftsim's environment for the child
};

// Throws std::invalid_argument for an empty command, a non-positive timeout or a malformed extra_env entry.
std::unique_ptr<sim::NodeFactory> make_process_factory(const ProcessOptions& options);

// The child's output cannot be read, or the child cannot be started: an input error (exit code 3).
class ProcessError : public sim::AdapterError {
 public:
  explicit ProcessError(const std::string& what) : sim::AdapterError(what) {}
};

// The impl-error codes (observation field a) that the process host itself reports. A child's own
// impl-error observations should use other codes. b and c as documented in docs/protocol.md.
enum ProcessErrorCode : std::uint64_t {
  kChildExited = 9001,           // b = input frame type, c = exit status
  kChildKilled = 9002,           // b = input frame type, c = signal number
  kChildTimedOut = 9003,         // b = input frame type, c = the limit in milliseconds
  kChildSentError = 9004,        // b = input frame type, c = 0
  kChildLeakedTasks = 9005,      // b = tasks reported, c = the limit (baseline + slack)
  kChildClosedOutput = 9006,     // b = input frame type, c = 0 (closed its standard output, did not exit)
  kChildDiskQueueFull = 9007,    // b = unsynced writes of the node, c = the limit
};

// The details of the first failure that a process factory reported as an impl-error ("" if none, or if
// `factory` is not a process factory): the input, what happened, the child's last standard-error lines.
std::string failure_text(const sim::NodeFactory& factory);

}  // namespace adapters::process
