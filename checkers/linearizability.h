// Linearizability checker for register / key-value client histories (checkers/history.h).
//
// A history is linearizable (Herlihy & Wing 1990) if every operation can be given a point between its
// invoke and its completion such that the operations, applied in that order to the sequential model,
// return what the clients saw. The check:
//
//  1. P-compositionality: linearizability is local, so each key is checked on its own (Herlihy & Wing;
//     Horn & Kroening 2015, "Faster linearizability checking via P-compositionality"). Keys share the
//     limits fairly: each gets a first slice of steps, then the undecided ones take turns (round-robin),
//     and when memory runs out the key holding the most is stopped. The first key that is not
//     linearizable decides at once; a key stopped by a limit makes the verdict `unknown` unless another
//     key fails, and the reason names every limit hit with the keys it stopped.
//  2. Per key, the Wing & Gong (1993) backtracking search in the form of Lowe (2017, "Testing for
//     linearizability"): a doubly-linked list of call/return events from which linearized operations are
//     lifted, and a memo of (set of linearized operations, model state) so no configuration is explored
//     twice. Three sound reductions on top (each argued where it is implemented, and cross-checked against
//     a brute-force search in the tests): the memo also prunes a configuration that only adds info
//     operations to one already seen (subsumption); a read (or a cas whose compare failed) that can be
//     linearized now is the only move tried (partial-order reduction); and a value from which the next
//     pending read can no longer be produced is cut at once. A read of a value nothing can produce fails
//     before any search.
//  3. For the worst cases (many clients, long operations, hundreds of unknown outcomes; issue 14): values
//     no operation observes fold into one dead state (state equivalence), and info writes and appends
//     nobody observes are dropped, or, on a key with failed cas, linearized lazily right before a failed
//     cas they let fail (the arguments are in the .cpp, next to the code).
//
// Model: a register holding std::optional<std::string> (nil is distinct from ""). Failed operations are
// ignored. Info operations (unknown outcome) may take effect at any point after their invoke, or never.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "checkers/history.h"

namespace checkers {

struct LinLimits {
  // Search steps for the whole check; 0: no step limit. Deterministic: the same history always stops at
  // the same step, on any machine (a run's verdict must not depend on the machine's speed).
  std::uint64_t steps_max = 0;
  // For the memos of the keys being searched together (the search's dominant cost).
  std::size_t memory_bytes_max = 1ull << 30;
  // Polled every thousand steps; returning true stops the check with verdict unknown and reason
  // "<give_up_reason> on keys K1, K2" (the keys still being searched). The checker reads no clock: a caller that wants a time limit (raftsim
  // check --timeout) supplies one here. Empty: never.
  std::function<bool()> give_up;
  std::string give_up_reason = "stopped by the caller";
};

enum class LinVerdict { linearizable, not_linearizable, unknown };

struct LinWitness {
  std::string key;
  // Indexes into History::operations: the operations of the failing key that could not be ordered after
  // the longest partial linearization: the first operation that must complete next and every operation
  // still open at that point, plus the linearized operations whose intervals overlap it. Sorted by invoke.
  std::vector<std::size_t> ops;
  // The longest partial linearization the search found, in linearization order.
  std::vector<std::size_t> longest_prefix;
  std::string text;  // human-readable: key, value after the prefix, ops with process, fn, values, times
};

struct LinResult {
  LinVerdict verdict = LinVerdict::linearizable;
  std::string reason;  // why not linearizable, or for unknown which limit was hit ("timeout after 10s on key k3")
  std::optional<LinWitness> witness;  // for not_linearizable
  std::size_t keys_checked = 0;       // keys whose search completed
  std::size_t operations = 0;         // operations that constrain the history (not failed), over all keys
};

LinResult check_linearizability(const History& history, const LinLimits& limits = {});

// One key's operation with its values given as ids (the streaming checker's segments, issue 14 goal 3):
// the batch check of a segment at a cut without building a History of strings and interning it again.
struct KeyOpIds {
  Operation::Fn fn = Operation::Fn::read;
  bool info = false;             // unknown outcome (an info read constrains nothing: leave it out)
  bool cas_succeeded = true;
  std::uint32_t input = 0;       // value ids; 0 is nil (also for a field the operation does not have)
  std::uint32_t expected = 0;
  std::uint32_t output = 0;
  std::int64_t invoke_time = 0;
  std::int64_t complete_time = Operation::kNever;  // kNever for info
};
// A polynomial hash over a value's bytes (mod 2^64, an odd base): the hash of a concatenation a + b is
// hash(a) * base^|b| + hash(b), so an appended value is hashed from its parts' hashes in a few
// instructions, without being read. The streaming checker keeps it for its values and hands it to
// check_key_linearizability with them, which then hashes no text. (Weak against crafted inputs; a
// collision costs a comparison of the texts, never a wrong answer: the tables compare texts of equal hashes.)
constexpr std::uint64_t kTextHashBase = 0x9E3779B97F4A7C15ULL | 1;
struct TextHash {
  std::uint64_t hash = 0;
  std::uint64_t power = 1;  // base^length
};
inline TextHash hash_text(std::string_view s) {
  TextHash h;
  for (const char c : s) {
    h.hash = h.hash * kTextHashBase + static_cast<unsigned char>(c) + 1;
    h.power *= kTextHashBase;
  }
  return h;
}
// A value's text and its hash_text.
struct HashedText {
  std::string_view text;
  TextHash hash;
};

// Buffers that a caller making many check_key_linearizability calls (the streaming checker, at every cut
// of a key in batch mode) keeps between them, so that each search's set-up reuses their allocations instead
// of making and freeing a dozen vectors. Nothing in them outlives a call's answer: the verdict, the steps and
// the memory charged are the same with or without (session 16, linsetup2). One call at a time.
class KeyCheckScratch {
 public:
  KeyCheckScratch();
  ~KeyCheckScratch();
  KeyCheckScratch(const KeyCheckScratch&) = delete;
  KeyCheckScratch& operator=(const KeyCheckScratch&) = delete;
  struct Buffers;  // (linearizability.cpp)
  Buffers& buffers() { return *buffers_; }

 private:
  std::unique_ptr<Buffers> buffers_;
};

// The verdict check_linearizability gives on the single-key history of `ops` (in that order) from the value
// `initial`, with `text(id)` the value of a non-nil id below `id_bound` (distinct ids, distinct values)
// and its hash_text; each text must stay valid and unchanged during the call. Only the verdict: no reason
// or witness (callers that need them build the History). `limits.give_up` is not polled. `scratch`: see
// KeyCheckScratch (null: buffers of this call's own).
LinVerdict check_key_linearizability(std::uint32_t initial, const std::vector<KeyOpIds>& ops, std::size_t id_bound,
                                     const std::function<HashedText(std::uint32_t)>& text,
                                     const LinLimits& limits = {}, KeyCheckScratch* scratch = nullptr);
// The same with the texts alone (hashed here).
LinVerdict check_key_linearizability(std::uint32_t initial, const std::vector<KeyOpIds>& ops, std::size_t id_bound,
                                     const std::function<std::string_view(std::uint32_t)>& text,
                                     const LinLimits& limits = {});

const char* verdict_name(LinVerdict verdict);

}  // namespace checkers
