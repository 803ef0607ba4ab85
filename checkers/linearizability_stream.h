// Streaming linearizability checker (issue 14 goal 3): fed a client history event by event, in the order
// things happened, it checks each key as its operations complete and frees an operation's state once it is
// decided, so memory follows the operations in flight (and the unknown-outcome ones, which stay open for
// ever), not the length of the history.
//
// Per key (P-compositionality, Herlihy & Wing 1990; Horn & Kroening 2015) it keeps the *frontier*: every
// configuration (model state, which open operations are already linearized) that some legal linearization
// of the history so far can be in. At the completion of an operation o every configuration that has not
// linearized o yet is advanced by linearizing open operations and then o (Lowe 2017, "Testing for
// linearizability", section 5: just-in-time linearization); a history is linearizable iff the frontier never
// becomes empty. The reductions that keep the frontier small (each argued in the .cpp, next to its code):
// reads and cas whose compare failed are linearized the moment they can be (partial-order reduction, as in
// the batch checker); unknown-outcome operations are linearized only where an observer will see them (an
// info operation followed, through appends only, by a write can be dropped); configurations that differ
// only by linearizing more info operations are subsumed by the one with fewer.
//
// Operations are processed per key in time order once their outcome is known: an invoke waits until its
// operation completed (ok, fail or info), so when the search linearizes an open operation early it knows the
// value it returned. The wait is bounded by the clients' timeouts (a raftsim client ends every operation
// within its retries), so the memory held is that of the operations in flight. A completion also waits
// until the invoke of an observer (an ok read, a cas that matched) is queued behind it, or 256 events are
// queued: its advance then drops the configurations that observer rules out (a lookahead; see
// Key::collect_future and Key::collect_doom in the .cpp), which changes when a key is decided, never how.
//
// Bounded: a key whose frontier exceeds `frontier_max` configurations, or whose advance at one completion
// explores more than `closure_max` configurations, falls back to the batch checker on its operations since
// its last cut (a point where one value summed up its past), and comes back at the next point where its
// segment has one end value (Key::try_restart: the segment is checked there and the point becomes a new
// cut), or is decided at the end; a step limit (over the
// frontier's steps, and again for each batch search) stops keys with verdict unknown naming the keys and
// the limit. Deterministic: no clock, the same history always gives the same verdict and stops at the
// same point.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "checkers/history.h"
#include "checkers/linearizability.h"

namespace checkers {

struct StreamLimits {
  // Beyond either, the key falls back to the batch search of its operations since its last cut (see the
  // .cpp): the same verdict, with the batch checker's memory for that key. Small (session 14): a key whose
  // frontier grows past a few configurations (concurrent appends nobody has read yet) is one the
  // depth-first batch search decides far more cheaply, and every completion up to the overflow explored
  // up to closure_max configurations for nothing. At 512 and 8,192 that was 40% of the check of the
  // 64-client benchmark and two thirds of the 1M-operation one (docs/performance.md, session 14 lin3);
  // 32 and 512, 16 and 256 did a little worse than these.
  std::size_t frontier_max = std::size_t{1} << 3;   // configurations per key after a completion
  std::size_t closure_max = std::size_t{1} << 7;    // configurations explored per completion
  std::uint64_t steps_max = 0;                       // over the whole check; 0: no limit
  // A key in batch mode takes a new cut (see the .cpp, Key::try_restart) once its segment has this many
  // operations: a batch check per few operations costs more than it frees. Tests set 0 (a cut whenever one
  // can be taken).
  std::size_t cut_segment_min = 64;
};

class LinearizabilityStream {
 public:
  // `initial_value`: what every key holds before the first write (History::initial_value).
  explicit LinearizabilityStream(std::optional<std::string> initial_value, const StreamLimits& limits = {});
  ~LinearizabilityStream();
  LinearizabilityStream(const LinearizabilityStream&) = delete;
  LinearizabilityStream& operator=(const LinearizabilityStream&) = delete;

  // Events in the order they happened; `time` only labels operations in the witness (any monotone clock).
  // `id` pairs an invoke with its completion and must be unique among operations in flight.
  // The strings are read during the call only (values are interned: no copy is kept per operation).
  void invoke(std::uint64_t id, std::uint64_t process, Operation::Fn fn, std::string_view key,
              std::optional<std::string_view> input, std::optional<std::string_view> expected, std::int64_t time);
  // A cas whose compare did not match completes ok with cas_succeeded = false.
  void ok(std::uint64_t id, std::optional<std::string_view> output, bool cas_succeeded, std::int64_t time);
  void fail(std::uint64_t id);
  // Unknown outcome: took effect once at some time after its invoke, or never.
  void info(std::uint64_t id);

  // Operations still in flight count as info. Call once; the verdict of the whole history.
  LinResult finish();

  // Whether some key has already been refuted (the verdict cannot change any more).
  bool refuted() const;
  // Approximate bytes held (frontiers, open operations, interned values, queued events).
  std::size_t memory_bytes() const;
  // The largest frontier any key has had, for reports and benchmarks.
  std::size_t frontier_peak() const;
  // How often a key fell back to the batch search, and how often a batch key took a new cut (try_restart
  // in the .cpp), for tests and benchmarks.
  std::size_t batch_fallbacks() const;
  std::size_t restarts() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The whole history fed in event order (calls before returns at equal times, as the batch checker reads
// ties): the streaming checker's verdict on a batch history, for tests and benchmarks.
struct StreamStats {
  std::size_t batch_fallbacks = 0;
  std::size_t restarts = 0;
  std::size_t frontier_peak = 0;
};
LinResult check_linearizability_streaming(const History& history, const StreamLimits& limits = {},
                                          StreamStats* stats = nullptr);

}  // namespace checkers
