// Simulated clients: what they do (the workload configuration) and what they saw (the history).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/latency.h"
#include "sim/node_host.h"
#include "sim/time.h"

namespace sim {

struct OpMix {
  std::uint32_t get = 1;
  std::uint32_t put = 1;
  std::uint32_t append = 1;
  std::uint32_t cas = 1;
  std::uint32_t total() const { return get + put + append + cas; }
};

struct WorkloadConfig {
  std::uint32_t clients = 3;  // concurrent clients, each with at most one operation outstanding
  std::uint32_t keys = 5;
  OpMix mix;
  Duration request_timeout = Duration::millis(1000);  // after this the outcome is unknown (info)
  Duration think_time = Duration::millis(20);          // pause between two operations of one client
  Duration retry_backoff = Duration::millis(10);       // pause before retrying after a rejection
  // After an unknown outcome (request_timeout passed, or an `unknown` reply) the client sends the same
  // request again, with the same client and request id, to a node drawn from the seed (the same one or
  // another), up to this many times; only then is the outcome info. 2 rides out a leader change and a
  // retry that lands on a node that fails too, while an operation still lasts at most 3 timeouts.
  std::uint32_t retries_unknown = 2;
  LatencyModel latency{LatencyModel::Kind::uniform, Duration::micros(200), Duration::millis(1)};
};

// One line of a client history (see docs/history-format.md).
struct HistoryEvent {
  enum class Type : std::uint8_t { invoke = 0, ok = 1, fail = 2, info = 3 };
  Type type = Type::invoke;
  std::uint64_t process = 0;  // a client; after an unknown outcome the client continues as a new process
  std::uint64_t op_id = 0;    // pairs an invoke with its completion
  ClientOp op = ClientOp::get;
  std::string key;
  std::string value;     // invoke: argument (put/append/cas new value); ok: get's value read
  std::string expected;  // cas only
  bool cas_succeeded = false;  // ok of a cas: whether the compare matched
  Time time;
};

const char* history_type_name(HistoryEvent::Type type);

}  // namespace sim
