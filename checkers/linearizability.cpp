#include "checkers/linearizability.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <unordered_map>
#include <utility>

#include <fmt/format.h>

#include "base/assert.h"

namespace checkers {

namespace {

using Fn = Operation::Fn;
using Outcome = Operation::Outcome;

// ---------------------------------------------------------------------------------------------------------
// Hashing. Configurations are hashed with Zobrist hashing (one random 64-bit key per operation, XORed in
// when the operation is linearized and out again on backtrack) so the hash of the linearized set is kept
// up to date in O(1) per step instead of rehashing the bitset. The cache still compares full bitsets, so a
// collision costs time, never a wrong verdict.

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

std::uint64_t config_hash(std::uint64_t set_hash, std::uint32_t state) {
  return set_hash ^ splitmix64(0xC0FFEE0000000000ULL ^ state);
}

// ---------------------------------------------------------------------------------------------------------
// The values of one key, interned so model states are small integers. Id 0 is nil.

class ValueTable {
 public:
  static constexpr std::uint32_t kNil = 0;

  ValueTable() : values_{std::nullopt} {}

  std::uint32_t intern(const std::optional<std::string>& v) {
    if (!v) return kNil;
    const auto [it, inserted] = ids_.emplace(*v, static_cast<std::uint32_t>(values_.size()));
    if (inserted) {
      values_.push_back(*v);
      bytes_ += 2 * v->size() + 96;  // the string twice (map key and value) plus node overheads
    }
    return it->second;
  }

  // The state after appending value `arg` to state `state`, memoized: appends are applied over and over
  // during backtracking. nil counts as "".
  std::uint32_t append(std::uint32_t state, std::uint32_t arg) {
    const std::uint64_t key = (static_cast<std::uint64_t>(state) << 32) | arg;
    const auto it = appended_.find(key);
    if (it != appended_.end()) return it->second;
    const std::string joined = values_[state].value_or("") + values_[arg].value_or("");
    const std::uint32_t id = intern(joined);
    appended_.emplace(key, id);
    bytes_ += 32;
    return id;
  }

  const std::optional<std::string>& value(std::uint32_t id) const { return values_[id]; }
  std::size_t bytes() const { return bytes_; }

 private:
  std::vector<std::optional<std::string>> values_;
  std::unordered_map<std::string, std::uint32_t> ids_;
  std::unordered_map<std::uint64_t, std::uint32_t> appended_;
  std::size_t bytes_ = 0;
};

// One operation of a key, with its values interned.
struct KeyOp {
  std::size_t index = 0;  // into History::operations
  Fn fn = Fn::read;
  bool info = false;
  bool cas_succeeded = true;
  std::uint32_t input = 0;
  std::uint32_t expected = 0;
  std::uint32_t output = 0;
  std::int64_t invoke_time = 0;
  std::int64_t complete_time = Operation::kNever;
};

// The sequential model, a register: can `op` return what it returned in `state`, and what state follows.
// An info cas is recorded with cas_succeeded = true: when its compare does not match it is a no-op, which
// is the same as never taking effect, so only the matching case needs exploring.
bool step(const KeyOp& op, std::uint32_t state, ValueTable& values, std::uint32_t& next) {
  switch (op.fn) {
    case Fn::read:
      next = state;
      return state == op.output;
    case Fn::write:
      next = op.input;
      return true;
    case Fn::append:
      next = values.append(state, op.input);
      return true;
    case Fn::cas:
      if (state == op.expected) {
        next = op.input;
        return op.cas_succeeded;
      }
      next = state;
      return !op.cas_succeeded;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------------------
// The memo of explored configurations (Lowe 2017, section 4): (set of linearized operations, state). Open
// addressing with linear probing; the bitsets live in one arena. Memory is predicted before every growth so
// the limit is never overshot.

class ConfigCache {
 public:
  enum class Added : std::uint8_t { added, present, over_memory };

  ConfigCache(std::size_t words, std::size_t memory_max) : words_(words), memory_max_(memory_max) {
    RAFTSIM_ASSERT(words_ > 0);
  }

  // `extra_bytes`: memory used elsewhere by the same search (interned values), counted against the limit.
  Added add(std::uint64_t hash, const std::uint64_t* bits, std::uint32_t state, std::size_t extra_bytes) {
    if ((count_ + 1) * 2 > slots_.size() && !grow_table(extra_bytes)) return Added::over_memory;
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
      Slot& slot = slots_[i];
      if (slot.config == 0) {
        if (!reserve_arena(extra_bytes)) return Added::over_memory;
        const std::size_t offset = arena_.size();
        arena_.insert(arena_.end(), bits, bits + words_);
        slot = Slot{hash, state, static_cast<std::uint32_t>(offset / words_ + 1)};
        ++count_;
        return Added::added;
      }
      if (slot.hash == hash && slot.state == state &&
          std::memcmp(&arena_[(slot.config - 1) * words_], bits, words_ * sizeof(std::uint64_t)) == 0) {
        return Added::present;
      }
    }
  }

  std::size_t size() const { return count_; }
  std::size_t bytes() const { return slots_.capacity() * sizeof(Slot) + arena_.capacity() * sizeof(std::uint64_t); }

 private:
  struct Slot {
    std::uint64_t hash = 0;
    std::uint32_t state = 0;
    std::uint32_t config = 0;  // 1 + index of the bitset in the arena; 0: empty slot
  };

  bool grow_table(std::size_t extra_bytes) {
    const std::size_t capacity = slots_.empty() ? 64 : slots_.size() * 2;
    // During the rehash the old and the new table coexist.
    if (bytes() + capacity * sizeof(Slot) + extra_bytes > memory_max_) return false;
    if (capacity > (std::size_t{1} << 32)) return false;  // config ids are 32 bits
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(capacity, Slot{});
    const std::size_t mask = capacity - 1;
    for (const Slot& s : old) {
      if (s.config == 0) continue;
      std::size_t i = s.hash & mask;
      while (slots_[i].config != 0) i = (i + 1) & mask;
      slots_[i] = s;
    }
    return true;
  }

  bool reserve_arena(std::size_t extra_bytes) {
    if (arena_.size() + words_ <= arena_.capacity()) return true;
    const std::size_t capacity = std::max(arena_.capacity() * 2, std::max<std::size_t>(1024, words_ * 64));
    // A reallocation holds the old and the new arena at once.
    if (bytes() + capacity * sizeof(std::uint64_t) + extra_bytes > memory_max_) return false;
    arena_.reserve(capacity);
    return true;
  }

  std::size_t words_;
  std::size_t memory_max_;
  std::size_t count_ = 0;
  std::vector<Slot> slots_;
  std::vector<std::uint64_t> arena_;
};

// ---------------------------------------------------------------------------------------------------------
// The time limit of the whole check.

class Deadline {
 public:
  explicit Deadline(double seconds) : start_(std::chrono::steady_clock::now()), seconds_(seconds) {}
  bool expired() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count() >= seconds_;
  }

 private:
  std::chrono::steady_clock::time_point start_;
  double seconds_;
};

// ---------------------------------------------------------------------------------------------------------
// The Wing & Gong search for one key, with Lowe's improvements: call and return events in a doubly-linked
// list ordered by time; linearizing an operation lifts its call and return out of the list, backtracking
// puts them back (unlift) in O(1). A call can be linearized while it precedes the first remaining return.
// Info operations have no return event (it would be at +infinity) and are optional: the search succeeds
// as soon as every operation with a known outcome is linearized.

enum class SearchStatus : std::uint8_t { linearizable, not_linearizable, timeout, memory };

class KeySearch {
 public:
  KeySearch(const std::vector<KeyOp>& ops, ValueTable& values, std::uint32_t initial, const Deadline& deadline,
            std::size_t memory_max)
      : ops_(ops),
        values_(values),
        deadline_(deadline),
        state_(initial),
        words_((ops.size() + 63) / 64),
        bits_(words_, 0),
        cache_(words_, memory_max) {
    RAFTSIM_ASSERT(!ops_.empty());
    build_entries();
    zobrist_.reserve(ops_.size());
    for (std::size_t i = 0; i < ops_.size(); ++i) zobrist_.push_back(splitmix64(0x5EED0000ULL + i));
    for (const KeyOp& op : ops_) required_left_ += op.info ? 0 : 1;
  }

  SearchStatus run();

  // Local op indexes of the longest partial linearization found, in order, and the state it leaves.
  const std::vector<std::uint32_t>& longest_prefix() const { return best_; }
  std::uint32_t longest_prefix_state() const { return best_state_; }
  std::size_t cache_size() const { return cache_.size(); }
  std::size_t memory_bytes() const { return cache_.bytes() + values_.bytes(); }

 private:
  struct Entry {
    std::int32_t op = -1;     // local op index; -1 for the head sentinel
    std::int32_t match = -1;  // for a call: its return entry, or -1 (info: no return)
    std::int32_t prev = -1;
    std::int32_t next = -1;
    bool call = false;
  };
  struct Frame {
    std::int32_t entry;
    std::uint32_t state_before;
    bool info_pass;  // the scan pass the entry was linearized in, to resume it on backtrack
  };

  void build_entries();
  void lift(std::int32_t call);
  void unlift(std::int32_t call);
  bool try_linearize(std::int32_t call, SearchStatus& stop, bool info_pass);
  std::int32_t backtrack(bool& info_pass);
  void record_prefix();
  void flip(std::uint32_t op) {
    bits_[op / 64] ^= std::uint64_t{1} << (op % 64);
    set_hash_ ^= zobrist_[op];
  }

  const std::vector<KeyOp>& ops_;
  ValueTable& values_;
  const Deadline& deadline_;
  std::uint32_t state_;
  std::size_t words_;
  std::vector<std::uint64_t> bits_;  // the linearized set
  std::uint64_t set_hash_ = 0;       // Zobrist hash of bits_
  std::vector<std::uint64_t> zobrist_;
  ConfigCache cache_;
  std::vector<Entry> entries_;  // [0] is the head sentinel
  std::vector<Frame> stack_;    // the current partial linearization
  std::size_t required_left_ = 0;
  std::uint64_t steps_ = 0;
  std::vector<std::uint32_t> best_;
  std::uint32_t best_state_ = 0;
  std::size_t best_agrees_ = 0;  // best_[0, best_agrees_) equals the current stack
};

void KeySearch::build_entries() {
  struct Event {
    std::int64_t time;
    bool is_return;
    std::uint32_t op;
  };
  std::vector<Event> events;
  events.reserve(2 * ops_.size());
  for (std::uint32_t i = 0; i < ops_.size(); ++i) {
    events.push_back({ops_[i].invoke_time, false, i});
    if (!ops_[i].info) events.push_back({ops_[i].complete_time, true, i});
  }
  // At equal times calls go first: the operations count as concurrent, the lenient reading (Porcupine does
  // the same). The parsers never produce ties.
  std::sort(events.begin(), events.end(), [](const Event& a, const Event& b) {
    if (a.time != b.time) return a.time < b.time;
    if (a.is_return != b.is_return) return !a.is_return;
    return a.op < b.op;
  });
  entries_.assign(events.size() + 1, Entry{});
  std::vector<std::int32_t> call_of(ops_.size(), -1);
  for (std::size_t i = 0; i < events.size(); ++i) {
    const auto at = static_cast<std::int32_t>(i + 1);
    Entry& e = entries_[static_cast<std::size_t>(at)];
    e.op = static_cast<std::int32_t>(events[i].op);
    e.call = !events[i].is_return;
    e.prev = at - 1;
    e.next = i + 1 < events.size() ? at + 1 : -1;
    if (e.call) {
      call_of[events[i].op] = at;
    } else {
      RAFTSIM_ASSERT_MSG(call_of[events[i].op] > 0, "an operation completes before it is invoked");
      entries_[static_cast<std::size_t>(call_of[events[i].op])].match = at;
    }
  }
  entries_[0].next = events.empty() ? -1 : 1;
}

void KeySearch::lift(std::int32_t call) {
  const Entry& c = entries_[static_cast<std::size_t>(call)];
  entries_[static_cast<std::size_t>(c.prev)].next = c.next;
  if (c.next >= 0) entries_[static_cast<std::size_t>(c.next)].prev = c.prev;
  if (c.match < 0) return;
  const Entry& r = entries_[static_cast<std::size_t>(c.match)];
  entries_[static_cast<std::size_t>(r.prev)].next = r.next;
  if (r.next >= 0) entries_[static_cast<std::size_t>(r.next)].prev = r.prev;
}

// The exact reverse of lift: the return first, then the call (the return's neighbours may include the call).
void KeySearch::unlift(std::int32_t call) {
  const Entry& c = entries_[static_cast<std::size_t>(call)];
  if (c.match >= 0) {
    const Entry& r = entries_[static_cast<std::size_t>(c.match)];
    entries_[static_cast<std::size_t>(r.prev)].next = c.match;
    if (r.next >= 0) entries_[static_cast<std::size_t>(r.next)].prev = c.match;
  }
  entries_[static_cast<std::size_t>(c.prev)].next = call;
  if (c.next >= 0) entries_[static_cast<std::size_t>(c.next)].prev = call;
}

// Linearizes the call if the model allows it and the resulting configuration is new (Lowe's memo: a
// configuration already seen has already been explored, to failure).
bool KeySearch::try_linearize(std::int32_t call, SearchStatus& stop, bool info_pass) {
  const Entry& e = entries_[static_cast<std::size_t>(call)];
  const auto op = static_cast<std::uint32_t>(e.op);
  std::uint32_t next = 0;
  if (!step(ops_[op], state_, values_, next)) return false;
  flip(op);
  const auto added = cache_.add(config_hash(set_hash_, next), bits_.data(), next, values_.bytes());
  if (added != ConfigCache::Added::added) {
    flip(op);
    if (added == ConfigCache::Added::over_memory) stop = SearchStatus::memory;
    return false;
  }
  stack_.push_back(Frame{call, state_, info_pass});
  state_ = next;
  lift(call);
  if (!ops_[op].info) --required_left_;
  record_prefix();
  return true;
}

// Undoes the last linearization; returns the entry to continue scanning from.
std::int32_t KeySearch::backtrack(bool& info_pass) {
  RAFTSIM_ASSERT(!stack_.empty());
  const Frame f = stack_.back();
  stack_.pop_back();
  best_agrees_ = std::min(best_agrees_, stack_.size());
  const auto op = static_cast<std::uint32_t>(entries_[static_cast<std::size_t>(f.entry)].op);
  flip(op);
  state_ = f.state_before;
  unlift(f.entry);
  if (!ops_[op].info) ++required_left_;
  info_pass = f.info_pass;
  return entries_[static_cast<std::size_t>(f.entry)].next;
}

// Keeps the longest partial linearization for the witness. Only the part of the stack that differs from
// the recorded one is copied, so this is amortized O(1) per step.
void KeySearch::record_prefix() {
  if (stack_.size() <= best_.size()) return;
  best_.resize(best_agrees_);
  for (std::size_t i = best_agrees_; i < stack_.size(); ++i) {
    best_.push_back(static_cast<std::uint32_t>(entries_[static_cast<std::size_t>(stack_[i].entry)].op));
  }
  best_agrees_ = stack_.size();
  best_state_ = state_;
}

SearchStatus KeySearch::run() {
  best_state_ = state_;
  std::int32_t entry = entries_[0].next;
  bool info_pass = false;
  while (required_left_ > 0) {
    // The clock is read every 4096 steps: often enough to stop within milliseconds, rarely enough to cost
    // nothing.
    if ((++steps_ & 4095) == 0 && deadline_.expired()) return SearchStatus::timeout;
    const Entry* e = entry >= 0 ? &entries_[static_cast<std::size_t>(entry)] : nullptr;
    if (e != nullptr && e->call) {
      SearchStatus stop = SearchStatus::linearizable;
      if (ops_[static_cast<std::size_t>(e->op)].info != info_pass) {
        entry = e->next;
      } else if (try_linearize(entry, stop, info_pass)) {
        entry = entries_[0].next;
        info_pass = false;
      } else if (stop == SearchStatus::memory) {
        return stop;
      } else {
        entry = entries_[static_cast<std::size_t>(entry)].next;
      }
      continue;
    }
    // A return: its operation must be linearized before anything later, and it was not. (The end of the
    // list cannot be reached while an operation with a known outcome is left, since its return follows.)
    // The candidates are tried in two passes, operations with a known outcome first, info operations
    // second: an info operation may never have taken effect, so it is usually best linearized only when
    // something needs its effect, and trying it late keeps the search from wandering through the many
    // orders of optional operations.
    if (!info_pass) {
      info_pass = true;
      entry = entries_[0].next;
      continue;
    }
    if (stack_.empty()) return SearchStatus::not_linearizable;
    entry = backtrack(info_pass);
  }
  return SearchStatus::linearizable;
}

// ---------------------------------------------------------------------------------------------------------
// Splitting the history by key, and preparing each key.

struct KeyGroup {
  std::string key;
  std::vector<std::size_t> indexes;  // into History::operations, in history order
};

// Failed operations never took effect and info reads returned nothing: neither constrains the history.
bool constrains(const Operation& op) {
  if (op.outcome == Outcome::fail) return false;
  return !(op.outcome == Outcome::info && op.fn == Fn::read);
}

std::vector<KeyGroup> group_by_key(const History& history) {
  std::vector<KeyGroup> groups;
  std::unordered_map<std::string, std::size_t> group_of;
  for (std::size_t i = 0; i < history.operations.size(); ++i) {
    const Operation& op = history.operations[i];
    if (!constrains(op)) continue;
    const auto [it, inserted] = group_of.emplace(op.key, groups.size());
    if (inserted) groups.push_back(KeyGroup{op.key, {}});
    groups[it->second].indexes.push_back(i);
  }
  return groups;
}

std::vector<KeyOp> intern_ops(const History& history, const KeyGroup& group, ValueTable& values) {
  std::vector<KeyOp> ops;
  ops.reserve(group.indexes.size());
  for (std::size_t index : group.indexes) {
    const Operation& op = history.operations[index];
    KeyOp k;
    k.index = index;
    k.fn = op.fn;
    k.info = op.outcome == Outcome::info;
    k.cas_succeeded = k.info || op.cas_succeeded;
    k.input = values.intern(op.input);
    k.expected = values.intern(op.expected);
    k.output = values.intern(op.output);
    k.invoke_time = op.invoke_time;
    k.complete_time = k.info ? Operation::kNever : op.complete_time;
    RAFTSIM_ASSERT_MSG(k.info || k.complete_time >= k.invoke_time, "an operation completes before its invoke");
    ops.push_back(k);
  }
  return ops;
}

// A read whose value no write, cas, append or the initial value can produce makes the key not
// linearizable whatever the order: found in linear time, before any search. Returns that read.
std::optional<std::size_t> unproducible_read(const std::vector<KeyOp>& ops, const ValueTable& values,
                                             std::uint32_t initial) {
  std::vector<bool> producible;
  auto mark = [&](std::uint32_t id) {
    if (id >= producible.size()) producible.resize(id + 1, false);
    producible[id] = true;
  };
  mark(initial);
  std::vector<std::string_view> suffixes;  // an append leaves a value ending with its argument
  for (const KeyOp& op : ops) {
    if (op.fn == Fn::write || (op.fn == Fn::cas && op.cas_succeeded)) mark(op.input);
    if (op.fn == Fn::append) suffixes.push_back(*values.value(op.input));
  }
  for (std::size_t i = 0; i < ops.size(); ++i) {
    const KeyOp& op = ops[i];
    if (op.fn != Fn::read || op.info) continue;
    if (op.output < producible.size() && producible[op.output]) continue;
    const auto& out = values.value(op.output);
    const bool by_append = out && std::any_of(suffixes.begin(), suffixes.end(),
                                              [&](std::string_view s) { return out->ends_with(s); });
    if (!by_append) return i;
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------------------------
// Witness text.

std::string show_value(const std::optional<std::string>& v) { return v ? fmt::format("\"{}\"", *v) : "nil"; }

std::string show_key(const std::string& key) { return key.empty() ? "\"\"" : key; }

std::string show_time(std::int64_t t) { return t == Operation::kNever ? "never" : std::to_string(t); }

std::string describe(const Operation& op, std::size_t index) {
  std::string what;
  switch (op.fn) {
    case Fn::read: what = op.outcome == Outcome::ok ? "read -> " + show_value(op.output) : "read"; break;
    case Fn::write: what = "write " + show_value(op.input); break;
    case Fn::append: what = "append " + show_value(op.input); break;
    case Fn::cas:
      what = fmt::format("cas {} -> {}", show_value(op.expected), show_value(op.input));
      if (op.outcome == Outcome::ok) what += op.cas_succeeded ? " (succeeded)" : " (compare did not match)";
      break;
  }
  const char* outcome = op.outcome == Outcome::info ? ", outcome unknown" : "";
  return fmt::format("#{} (id {}) process {}: {} [invoke {}, complete {}{}]", index, op.id, op.process, what,
                     show_time(op.invoke_time), show_time(op.complete_time), outcome);
}

// The operations that could not be ordered after the longest partial linearization: the first operation
// with a known outcome that was not linearized (it must complete next), every unlinearized operation
// invoked before it completes (the candidates the search tried), and the linearized operations overlapping
// it (whose order the search could have chosen differently).
std::vector<std::size_t> stuck_ops(const History& history, const std::vector<KeyOp>& ops,
                                   const std::vector<std::uint32_t>& prefix) {
  std::vector<bool> in_prefix(ops.size(), false);
  for (std::uint32_t i : prefix) in_prefix[i] = true;
  std::optional<std::size_t> stuck;
  for (std::size_t i = 0; i < ops.size(); ++i) {
    if (in_prefix[i] || ops[i].info) continue;
    if (!stuck || ops[i].complete_time < ops[*stuck].complete_time) stuck = i;
  }
  RAFTSIM_ASSERT_MSG(stuck.has_value(), "a failed search leaves an operation with a known outcome");
  const KeyOp& s = ops[*stuck];
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < ops.size(); ++i) {
    const bool open = !in_prefix[i] && ops[i].invoke_time < s.complete_time;
    const bool overlapping = in_prefix[i] && ops[i].complete_time > s.invoke_time;
    if (open || overlapping) out.push_back(ops[i].index);
  }
  std::sort(out.begin(), out.end(), [&](std::size_t a, std::size_t b) {
    const auto& x = history.operations[a];
    const auto& y = history.operations[b];
    return x.invoke_time != y.invoke_time ? x.invoke_time < y.invoke_time : a < b;
  });
  return out;
}

LinWitness search_witness(const History& history, const std::string& key, const std::vector<KeyOp>& ops,
                          const KeySearch& search, const ValueTable& values) {
  LinWitness w;
  w.key = key;
  for (std::uint32_t i : search.longest_prefix()) w.longest_prefix.push_back(ops[i].index);
  w.ops = stuck_ops(history, ops, search.longest_prefix());
  w.text = fmt::format(
      "key {}: no linearization of its {} operations. The longest partial linearization orders {} of them and "
      "leaves the value {}; after it, these operations cannot be ordered:\n",
      show_key(key), ops.size(), w.longest_prefix.size(), show_value(values.value(search.longest_prefix_state())));
  for (std::size_t index : w.ops) {
    const bool linearized = std::find(w.longest_prefix.begin(), w.longest_prefix.end(), index) !=
                            w.longest_prefix.end();
    w.text += fmt::format("  {}{}\n", describe(history.operations[index], index),
                          linearized ? " (in the partial linearization)" : "");
  }
  return w;
}

LinWitness read_witness(const History& history, const std::string& key, std::size_t index) {
  LinWitness w;
  w.key = key;
  w.ops = {index};
  w.text = fmt::format(
      "key {}: a read returned a value that no write, cas, append or the initial value {} produces:\n  {}\n",
      show_key(key), show_value(history.initial_value), describe(history.operations[index], index));
  return w;
}

// ---------------------------------------------------------------------------------------------------------

struct KeyResult {
  LinVerdict verdict = LinVerdict::linearizable;
  std::string reason;
  std::optional<LinWitness> witness;
};

KeyResult check_key(const History& history, const KeyGroup& group, const LinLimits& limits,
                    const Deadline& deadline) {
  ValueTable values;
  const std::uint32_t initial = values.intern(history.initial_value);
  const std::vector<KeyOp> ops = intern_ops(history, group, values);
  if (const auto bad = unproducible_read(ops, values, initial)) {
    const std::size_t index = ops[*bad].index;
    return {LinVerdict::not_linearizable,
            fmt::format("key {}: operation #{} read {}, which is never written", show_key(group.key), index,
                        show_value(history.operations[index].output)),
            read_witness(history, group.key, index)};
  }
  KeySearch search(ops, values, initial, deadline, limits.memory_bytes_max);
  const auto st = search.run();
  if (getenv("LIN_DEBUG")) fprintf(stderr, "DEBUG key %s ops %zu cache %zu\n", group.key.c_str(), ops.size(), search.cache_size());
  switch (st) {
    case SearchStatus::linearizable:
      return {};
    case SearchStatus::not_linearizable: {
      LinWitness w = search_witness(history, group.key, ops, search, values);
      return {LinVerdict::not_linearizable,
              fmt::format("key {}: no linearization (longest partial linearization: {} of {} operations)",
                          show_key(group.key), w.longest_prefix.size(), ops.size()),
              std::move(w)};
    }
    case SearchStatus::timeout:
      return {LinVerdict::unknown,
              fmt::format("timeout after {:g}s on key {}", limits.timeout_seconds, show_key(group.key)),
              std::nullopt};
    case SearchStatus::memory:
      return {LinVerdict::unknown,
              fmt::format("memory limit of {} bytes reached on key {} after {} configurations",
                          limits.memory_bytes_max, show_key(group.key), search.cache_size()),
              std::nullopt};
  }
  return {};
}

}  // namespace

const char* verdict_name(LinVerdict verdict) {
  switch (verdict) {
    case LinVerdict::linearizable: return "linearizable";
    case LinVerdict::not_linearizable: return "not-linearizable";
    case LinVerdict::unknown: return "unknown";
  }
  return "?";
}

LinResult check_linearizability(const History& history, const LinLimits& limits) {
  const Deadline deadline(limits.timeout_seconds);
  LinResult result;
  const std::vector<KeyGroup> groups = group_by_key(history);
  for (const KeyGroup& g : groups) result.operations += g.indexes.size();
  std::optional<std::string> unknown_reason;
  for (const KeyGroup& group : groups) {
    // Out of time: no other key can be checked (a memory limit, by contrast, is per key).
    if (deadline.expired()) {
      if (!unknown_reason) {
        unknown_reason = fmt::format("timeout after {:g}s on key {}", limits.timeout_seconds, show_key(group.key));
      }
      break;
    }
    KeyResult r = check_key(history, group, limits, deadline);
    if (r.verdict == LinVerdict::not_linearizable) {
      ++result.keys_checked;
      result.verdict = r.verdict;
      result.reason = std::move(r.reason);
      result.witness = std::move(r.witness);
      return result;
    }
    if (r.verdict == LinVerdict::unknown) {
      // Keep looking: a later key may still be not linearizable, which is a definite verdict.
      if (!unknown_reason) unknown_reason = std::move(r.reason);
      continue;
    }
    ++result.keys_checked;
  }
  if (unknown_reason) {
    result.verdict = LinVerdict::unknown;
    result.reason = std::move(*unknown_reason);
  }
  return result;
}

}  // namespace checkers
