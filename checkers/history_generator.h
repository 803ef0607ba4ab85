// Random key-value histories that are linearizable by construction, for the checker's tests and benchmark.
//
// Construction (the definition of linearizability read backwards, Herlihy & Wing 1990, "Linearizability:
// A Correctness Condition for Concurrent Objects"): a history is linearizable if there is a sequential
// execution, legal for the sequential key-value model, in which every operation takes effect at a
// linearization point inside its [invoke, complete] interval. The generator builds exactly such a witness:
//
//  1. Every client runs operations back to back; each operation gets an invoke time, a point strictly
//     after it and a completion strictly after the point. So point order extends real-time order: if A
//     completes before B is invoked, point(A) < complete(A) < invoke(B) < point(B).
//  2. The operations are applied to the model in point order, and what each client observes (read
//     outputs, whether a cas's compare matched) is computed from that sequential execution.
//
// Hence the point order is a legal sequential execution consistent with real time: linearizable. Outcomes
// keep that true: `fail` operations never take effect (and reads that end fail or info report nothing);
// `info` operations took effect at their point (inside [invoke, never)) for a coin-flip half of them, and
// not at all otherwise, both of which the model allows. After an info outcome the client continues as a new
// process (Jepsen's convention).
//
// Every written value is unique: "w<i>" for writes, "c<i>" for cas, "a<i>," for appends, where i is the
// operation's position in point order (a cas may expect some "w<j>" that is not the current value, so it
// fails its compare). Because appends end with ',' and values are never reused, a key never returns to an
// earlier state once a write or successful cas replaced it, so corrupting one read (a stale or an unwritten
// value) makes the history non-linearizable: the property tests rely on that.
//
// Keys are "k0".."k<keys-1>", the initial value is "" (absent keys read as ""), operations are sorted by
// invoke time, and all event times are distinct. Deterministic: the same config and seed give the same
// history on every platform and standard library (SplitMix64 below, no std:: distributions).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "checkers/history.h"

namespace checkers {

// SplitMix64 (Steele, Lea & Flood 2014): a tiny deterministic PRNG, identical on every platform.
class SplitMix64 {
 public:
  explicit SplitMix64(std::uint64_t seed) : s_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (s_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  // Uniform enough in [0, n) for test data (modulo bias is negligible for small n); n must be > 0.
  std::uint64_t below(std::uint64_t n) { return next() % n; }

 private:
  std::uint64_t s_;
};

struct HistoryGenConfig {
  std::size_t ops = 60;                // operations in the history
  std::size_t keys = 3;                // distinct keys, "k0".."k<keys-1>" (>= 1)
  std::size_t clients = 5;             // concurrent clients (>= 1)
  std::uint64_t info_percent = 10;     // % of operations that end info (half of those took effect)
  std::uint64_t fail_percent = 5;      // % that end fail (none took effect); info + fail <= 100
  bool round_robin_clients = false;    // clients take turns (i % clients) instead of a random client each op
  std::int64_t gap_max = 10;           // invoke = client's previous completion + 1 + [0, gap_max)
  std::int64_t point_max = 30;         // linearization point = invoke + 1 + [0, point_max)
  std::int64_t complete_max = 30;      // completion = point + 1 + [0, complete_max)
  // Operation mix: relative weights of read, write, append and cas. The default (all 1) draws one of the
  // four uniformly with the same draws as before these fields existed; other weights draw from the sum.
  std::uint64_t read_weight = 1, write_weight = 1, append_weight = 1, cas_weight = 1;
  // A % of operations take long (a retried request): their point and completion spans are drawn from
  // [0, long_max) instead, so they overlap many others. 0: none (and no extra draws).
  std::uint64_t long_percent = 0;
  std::int64_t long_max = 1000;
  // The worst case of a checker that must refute: a history that is linearizable except for one stale
  // read late in it. If >= 0, the first ok read at or after this fraction of the history (in invoke
  // order) that can be made stale returns the value of an ok write that a later ok write or matching cas
  // replaced, all three in real-time order (values never recur, see above): no linearization exists.
  // If no read qualifies, the history stays linearizable (generate_history_with_stale_read reports it).
  double stale_read_at = -1.0;
};

// The worst cases of issue 14, as presets (tests and benchmarks size them with `ops`).
// 50 clients on 10 keys, mostly appends and reads, 5% of operations long: each key has about 5 operations
// in flight and some that overlap hundreds of others.
HistoryGenConfig fifty_clients_history(std::size_t ops);
// Like raftsim's swarm runs with 40 clients on 8 keys (30 simulated seconds: about 50k operations): 2%
// unknown outcomes, 3% failed, every kind of operation, 2% long.
HistoryGenConfig swarm_like_history(std::size_t ops);

// A linearizable history built as described above. Throws std::invalid_argument if keys or clients is 0,
// a *_max is < 1, or info_percent + fail_percent > 100.
History generate_linearizable_history(const HistoryGenConfig& cfg, std::uint64_t seed);

// The same with cfg.stale_read_at honoured; `planted` (if not null) gets the index of the stale read in
// History::operations, or nullopt if no read qualified.
History generate_history_with_stale_read(const HistoryGenConfig& cfg, std::uint64_t seed,
                                         std::optional<std::size_t>* planted);

}  // namespace checkers
