#include "checkers/linearizability_stream.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "base/assert.h"

namespace checkers {

// Named, not anonymous: the checkers are compiled as a unity build, next to linearizability.cpp's helpers.
namespace stream_detail {

using Fn = Operation::Fn;
constexpr std::uint32_t kNone = 0xFFFFFFFFu;

// Whether two bitsets of `n` words are equal (a loop: memcmp's call costs more than the word or two compared).
inline bool same_bits(const std::uint64_t* a, const std::uint64_t* b, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    if (a[i] != b[i]) return false;
  }
  return true;
}

std::uint64_t mix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

// ---------------------------------------------------------------------------------------------------------
// One key's values, interned so model states are small integers (id 0 is nil). Values no live operation or
// configuration refers to are collected (Key::collect_values), so the table follows the operations in
// flight, not the history.
//
// Flat storage (issue 14 goal 3 (a)): the texts live in one character arena, found through an
// open-addressing index of ids, and the memo of appends is an open-addressing table too. The search builds
// a value for most appends it tries (the orders of the unknown-outcome appends above all: 12.8 million at 1M
// operations), and node-based maps cost two allocations per value, and a rebuild of the memo's nodes at
// every collection; most of the checker's time went to malloc and free. Ids are assigned exactly as
// before (in order of interning; compact keeps the survivors in id order), so the search explores the
// same configurations in the same order.

// Values are hashed by hash_text (linearizability.h), a polynomial hash: an appended value is hashed from
// its parts' hashes, and try_restart hands the hashes to the batch search with the texts.

class Values {
 public:
  static constexpr std::uint32_t kNil = 0;

  Values() {
    spans_.push_back({0, 0});
    hashes_.push_back(TextHash{});
  }

  std::uint32_t intern(std::optional<std::string_view> v) {
    if (!v) return kNil;
    return intern_parts(*v, std::string_view(), hash_text(*v));
  }
  std::optional<std::string> value(std::uint32_t id) const {
    return id != kNil ? std::optional<std::string>(std::string(text(id))) : std::nullopt;
  }
  // The value as text (nil counts as "", as appends read it). Valid until the next intern or compact.
  std::string_view text(std::uint32_t id) const {
    const Span sp = spans_[id];
    return std::string_view(chars_.data() + sp.offset, sp.length);
  }
  TextHash hash(std::uint32_t id) const { return hashes_[id]; }  // hash_text(text(id))
  std::size_t size() const { return spans_.size(); }
  std::size_t bytes() const {
    return chars_.capacity() + spans_.capacity() * sizeof(Span) + hashes_.capacity() * sizeof(TextHash) + index_.capacity() * 4 +
           memo_.capacity() * sizeof(MemoEntry) + spare_chars_.capacity() + spare_spans_.capacity() * sizeof(Span) +
           spare_hashes_.capacity() * sizeof(TextHash);
  }

  // The state after appending `arg` to `state` (nil counts as ""), memoized.
  std::uint32_t append(std::uint32_t state, std::uint32_t arg) {
    const std::uint64_t key = memo_key(state, arg);
    if (const std::uint32_t found = memo_find(key); found != kNone) return found;
    const TextHash hs = hashes_[state], ha = hashes_[arg];
    const std::uint32_t id = intern_parts(text(state), text(arg), {hs.hash * ha.power + ha.hash, hs.power * ha.power});
    memo_insert(key, id);
    return id;
  }
  // Whether append(state, arg) is memoized already (then calling it builds nothing).
  bool appended(std::uint32_t state, std::uint32_t arg) const { return memo_find(memo_key(state, arg)) != kNone; }
  // extends(append(state, arg), to) and append(state, arg) == to, without building the appended value:
  // the search asks them of appends most of which no observer can see (Key::append_viable).
  bool append_extends(std::uint32_t state, std::uint32_t arg, std::uint32_t to) const {
    if (to == kNil) return false;
    const std::string_view t = text(to), s = text(state), a = text(arg);
    return t.size() >= s.size() + a.size() && t.substr(0, s.size()) == s && t.substr(s.size(), a.size()) == a;
  }
  bool append_equals(std::uint32_t state, std::uint32_t arg, std::uint32_t to) const {
    return to != kNil && text(to).size() == text(state).size() + text(arg).size() && append_extends(state, arg, to);
  }

  // Whether appends alone can turn `from` into `to` (nil counts as "", no append yields nil).
  bool extends(std::uint32_t from, std::uint32_t to) const {
    if (from == to) return true;
    if (to == kNil) return false;
    return from == kNil || text(to).starts_with(text(from));
  }

  // Keeps only the values in `live` (ids, any order, duplicates allowed) and returns old id -> new id
  // (kNone for the dropped ones).
  std::vector<std::uint32_t> compact(std::vector<std::uint32_t> live) {
    std::vector<std::uint32_t> remap(spans_.size(), kNone);
    remap[kNil] = kNil;
    std::sort(live.begin(), live.end());
    live.erase(std::unique(live.begin(), live.end()), live.end());
    // The survivors are copied into the spare buffers, which then swap with the live ones: both keep
    // their capacity, so the interning that follows a collection does not regrow them from the survivors'
    // size (the regrowth, and the index's, after each of the frequent collections of a key in batch mode
    // were a tenth of the streaming feed's own cost at 64 clients; session 15, linfront). Bounded: a pair
    // of buffers far larger than the survivors is given back (trim_spares).
    std::string& chars = spare_chars_;
    std::vector<Span>& spans = spare_spans_;
    std::vector<TextHash>& hashes = spare_hashes_;
    chars.clear();
    spans.assign(1, Span{0, 0});
    hashes.assign(1, TextHash{});
    std::size_t total = 0;
    for (std::uint32_t id : live) total += spans_[id].length;
    chars.reserve(total);
    spans.reserve(live.size() + 1);
    hashes.reserve(live.size() + 1);
    for (std::uint32_t id : live) {
      if (id == kNil) continue;
      remap[id] = static_cast<std::uint32_t>(spans.size());
      spans.push_back({static_cast<std::uint32_t>(chars.size()), spans_[id].length});
      chars += text(id);
      hashes.push_back(hashes_[id]);
    }
    chars_.swap(chars);
    spans_.swap(spans);
    hashes_.swap(hashes);
    trim_spares();
    RAFTSIM_ASSERT(spans_.size() == hashes_.size() && spans_.size() <= live.size() + 1);
    rebuild_index();
    // The appends whose state, argument and result all survive stay memoized (renamed).
    std::vector<MemoEntry> kept;
    for (const MemoEntry& e : memo_) {
      if (e.key == kEmptyKey) continue;
      const std::uint32_t state = remap[e.key >> 32];
      const std::uint32_t arg = remap[e.key & 0xFFFFFFFFu];
      if (state == kNone || arg == kNone || remap[e.result] == kNone) continue;
      kept.push_back({memo_key(state, arg), remap[e.result]});
    }
    std::size_t capacity = kMemoMin;
    while (capacity < 2 * (kept.size() + 1)) capacity *= 2;
    memo_ = std::vector<MemoEntry>(capacity, MemoEntry{kEmptyKey, 0});  // (assign would keep the capacity)
    memo_count_ = 0;
    for (const MemoEntry& e : kept) memo_insert(e.key, e.result);
    return remap;
  }

 private:
  struct Span {
    std::uint32_t offset;
    std::uint32_t length;
  };
  struct MemoEntry {
    std::uint64_t key;
    std::uint32_t result;
  };
  static constexpr std::uint64_t kEmptyKey = ~std::uint64_t{0};  // (state, arg) = (kNone, kNone): never asked
  static constexpr std::size_t kIndexMin = 16;
  static constexpr std::size_t kMemoMin = 16;
  static constexpr std::size_t kIndexKeep = 8;

  static std::uint64_t memo_key(std::uint32_t state, std::uint32_t arg) { return (std::uint64_t{state} << 32) | arg; }
  std::uint32_t memo_find(std::uint64_t key) const {
    if (memo_.empty()) return kNone;
    const std::size_t mask = memo_.size() - 1;
    for (std::size_t i = mix64(key) & mask;; i = (i + 1) & mask) {
      if (memo_[i].key == key) return memo_[i].result;
      if (memo_[i].key == kEmptyKey) return kNone;
    }
  }
  void memo_insert(std::uint64_t key, std::uint32_t result) {
    if ((memo_count_ + 1) * 2 > memo_.size()) {
      std::vector<MemoEntry> old = std::move(memo_);
      memo_.assign(std::max(kMemoMin, old.size() * 2), MemoEntry{kEmptyKey, 0});
      memo_count_ = 0;
      for (const MemoEntry& e : old) {
        if (e.key != kEmptyKey) memo_insert(e.key, e.result);
      }
    }
    const std::size_t mask = memo_.size() - 1;
    for (std::size_t i = mix64(key) & mask;; i = (i + 1) & mask) {
      if (memo_[i].key == kEmptyKey) {
        memo_[i] = {key, result};
        ++memo_count_;
        return;
      }
      RAFTSIM_ASSERT(memo_[i].key != key);  // (callers look first)
    }
  }

  // The id of the text a + b (whose hash_text is th), interned if new (a and b may point into chars_).
  std::uint32_t intern_parts(std::string_view a, std::string_view b, TextHash th) {
    const std::uint64_t h = th.hash;
    if ((spans_.size() + 1) * 2 > index_.size()) grow_index();
    const std::size_t mask = index_.size() - 1;
    std::size_t i = mix64(h) & mask;
    for (;; i = (i + 1) & mask) {
      const std::uint32_t at = index_[i];
      if (at == kNone) break;
      if (hashes_[at].hash != h) continue;
      const std::string_view t = text(at);
      if (t.size() == a.size() + b.size() && t.substr(0, a.size()) == a && t.substr(a.size()) == b) return at;
    }
    const auto id = static_cast<std::uint32_t>(spans_.size());
    const auto offset = static_cast<std::uint32_t>(chars_.size());
    // a and b may point into chars_ (append's parts), which appending may move: copy through offsets.
    const auto base = reinterpret_cast<std::uintptr_t>(chars_.data());
    auto inside = [&](std::string_view v) {
      const auto at = reinterpret_cast<std::uintptr_t>(v.data());
      return !v.empty() && at >= base && at < base + chars_.size();
    };
    const bool a_inside = inside(a), b_inside = inside(b);
    if (!a_inside && b.empty()) {
      chars_.append(a);  // an invoke's or a read's value (intern): one append, no reserve
    } else {
      append_parts(a, b, a_inside, b_inside, base);
    }
    RAFTSIM_ASSERT(chars_.size() - offset == a.size() + b.size());
    spans_.push_back({offset, static_cast<std::uint32_t>(a.size() + b.size())});
    if constexpr (RAFTSIM_DEBUG_INVARIANTS) {
      const TextHash direct = hash_text(std::string_view(chars_).substr(offset));  // the text just added
      RAFTSIM_ASSERT(direct.hash == th.hash && direct.power == th.power);
    }
    hashes_.push_back(th);
    index_[i] = id;
    return id;
  }
  // Appends a then b to chars_, either of which may lie inside it (`base`: chars_.data() before).
  void append_parts(std::string_view a, std::string_view b, bool a_inside, bool b_inside, std::uintptr_t base) {
    const std::size_t a_at = a_inside ? reinterpret_cast<std::uintptr_t>(a.data()) - base : 0;
    const std::size_t b_at = b_inside ? reinterpret_cast<std::uintptr_t>(b.data()) - base : 0;
    chars_.reserve(chars_.size() + a.size() + b.size());
    chars_.append(a_inside ? std::string_view(chars_.data() + a_at, a.size()) : a);
    chars_.append(b_inside ? std::string_view(chars_.data() + b_at, b.size()) : b);
  }
  void grow_index() {
    index_.assign(std::max(kIndexMin, index_.size() * 2), kNone);
    reinsert_all();
  }
  void rebuild_index() {
    std::size_t capacity = kIndexMin;
    while (capacity < 2 * (spans_.size() + 1)) capacity *= 2;
    // Up to kIndexKeep times what the survivors need, the index keeps its size: the values interned until
    // the next collection fill it again, and regrowing it by doublings rehashed every value each time. A
    // collection still gives back what a larger burst took.
    if (index_.size() > capacity && index_.size() <= kIndexKeep * capacity) {
      std::fill(index_.begin(), index_.end(), kNone);
    } else {
      index_ = std::vector<std::uint32_t>(capacity, kNone);
    }
    RAFTSIM_ASSERT((index_.size() & (index_.size() - 1)) == 0 && index_.size() >= capacity);
    reinsert_all();
  }
  // The spare buffers of compact: kept while within kIndexKeep times the live ones' size (and a floor).
  void trim_spares() {
    const std::size_t floor = 256;
    if (spare_chars_.capacity() > kIndexKeep * chars_.size() + 8 * floor) std::string().swap(spare_chars_);
    if (spare_spans_.capacity() > kIndexKeep * spans_.size() + floor) std::vector<Span>().swap(spare_spans_);
    if (spare_hashes_.capacity() > kIndexKeep * hashes_.size() + floor) std::vector<TextHash>().swap(spare_hashes_);
  }
  void reinsert_all() {
    const std::size_t mask = index_.size() - 1;
    for (std::uint32_t id = 1; id < spans_.size(); ++id) {
      std::size_t i = mix64(hashes_[id].hash) & mask;
      while (index_[i] != kNone) i = (i + 1) & mask;
      index_[i] = id;
    }
  }

  std::string chars_;               // every value's text, back to back
  std::vector<Span> spans_;         // id -> its text in chars_ (id 0, nil: empty)
  std::vector<TextHash> hashes_;    // id -> hash_text of its text
  std::vector<std::uint32_t> index_;   // open addressing over ids by hash, kNone = empty
  std::vector<MemoEntry> memo_;     // open addressing: (state, arg) -> appended value
  std::string spare_chars_;             // compact's buffers (their contents are dead between calls)
  std::vector<Span> spare_spans_;
  std::vector<TextHash> spare_hashes_;
  std::size_t memo_count_ = 0;
};

// One operation of a key, from its invoke until it is decided.
struct SOp {
  std::uint64_t id = 0;
  std::uint64_t process = 0;
  Fn fn = Fn::read;
  bool resolved = false;  // its outcome is known (ok, fail or info)
  bool info = false;
  bool dropped = false;   // constrains nothing: failed, or an info read
  bool cas_succeeded = true;
  std::uint32_t input = 0;
  std::uint32_t expected = 0;
  std::uint32_t output = 0;
  std::uint32_t bit = kNone;  // its position in the configurations' bitsets while open
  std::int64_t invoke_time = 0;
  std::int64_t complete_time = Operation::kNever;
  std::uint64_t invoke_seq = 0;  // the key's processing sequence number of its invoke
  std::uint32_t gen = 0;         // bumped when the slot is freed (segment_slots_ name a slot and its gen)
};

// A read, or a cas whose compare failed, with a known outcome: never changes the state (see Key::forced).
bool is_forced_kind(const SOp& op) {
  return !op.info && (op.fn == Fn::read || (op.fn == Fn::cas && !op.cas_succeeded));
}
// Sees the value: a read, or a cas (whichever way its compare went).
bool observes(const SOp& op) { return op.fn == Fn::read || op.fn == Fn::cas; }

// ---------------------------------------------------------------------------------------------------------
// A set of configurations (state, dirty flag, bitset of the linearized open operations) with exact
// deduplication: an arena plus an open-addressing index. Used for the frontier and for the configurations
// explored while advancing it.

// What a configuration carries besides its state and bitset (see Key::complete for both):
//  dirty: an operation was linearized ahead of need (an info one, or a write or append before its
//         completion) and no observer has seen the value since; a write may not come next.
//  last_write: the processing sequence number of the last blind write this configuration linearized; an
//         open write or append invoked before it can be retired at its completion without moving.
struct Meta {
  std::uint64_t last_write = 0;
  bool dirty = false;
  bool operator==(const Meta&) const = default;
};

class ConfigSet {
 public:
  explicit ConfigSet(std::size_t words = 1) : words_(words) {}

  std::size_t words() const { return words_; }
  std::size_t size() const { return states_.size(); }
  std::uint32_t state(std::size_t i) const { return states_[i]; }
  const Meta& meta(std::size_t i) const { return meta_[i]; }
  bool dirty(std::size_t i) const { return meta_[i].dirty; }
  const std::uint64_t* bits(std::size_t i) const { return &bits_[i * words_]; }
  std::uint64_t* bits(std::size_t i) { return &bits_[i * words_]; }
  std::size_t bytes() const {
    return states_.capacity() * 4 + meta_.capacity() * sizeof(Meta) + bits_.capacity() * 8 + index_.capacity() * 4;
  }

  // Adds the configuration unless present; returns its position and whether it was added. Positions are
  // the order of insertion either way (the search's order does not depend on how duplicates are found).
  std::pair<std::uint32_t, bool> insert(std::uint32_t state, const Meta& meta, const std::uint64_t* bits) {
    if (index_.empty()) {
      // Small: a scan, no index. Most sets hold one or two configurations and are cleared at every
      // completion; hashing each and filling an index cost more than comparing them all (session 14, feed4).
      for (std::uint32_t at = 0; at < states_.size(); ++at) {
        if (same(at, state, meta, bits)) return {at, false};
      }
      if (states_.size() < kLinearMax) return {append(state, meta, bits), true};
      std::size_t capacity = kIndexMin;
      while (capacity < 2 * (states_.size() + 1)) capacity *= 2;
      rehash(capacity);  // and on with the index (the configuration is not present: the scan said so)
    }
    RAFTSIM_ASSERT(states_.size() >= kLinearMax);
    if ((states_.size() + 1) * 2 > index_.size()) rehash(index_.size() * 2);
    const std::uint64_t h = hash(state, meta, bits);
    const std::size_t mask = index_.size() - 1;
    for (std::size_t i = h & mask;; i = (i + 1) & mask) {
      const std::uint32_t at = index_[i];
      if (at == kNone) {
        const std::uint32_t pos = append(state, meta, bits);
        index_[i] = pos;
        return {pos, true};
      }
      if (same(at, state, meta, bits)) return {at, false};
    }
  }

  // Exchanges the contents (buffers included) of two sets: cheaper than std::swap's three moves.
  void swap(ConfigSet& other) noexcept {
    std::swap(words_, other.words_);
    states_.swap(other.states_);
    meta_.swap(other.meta_);
    bits_.swap(other.bits_);
    index_.swap(other.index_);
  }

  // Empties the set, keeping its buffers (a small index is refilled rather than given back: most sets hold a
  // few configurations and are cleared at every completion).
  void clear(std::size_t words) {
    words_ = words;
    states_.clear();
    meta_.clear();
    bits_.clear();
    index_.clear();  // (back to a scan; the capacity stays for the next index)
  }
  void release() {
    std::vector<std::uint32_t>().swap(states_);
    std::vector<Meta>().swap(meta_);
    std::vector<std::uint64_t>().swap(bits_);
    std::vector<std::uint32_t>().swap(index_);
  }

 private:
  std::uint64_t hash(std::uint32_t state, const Meta& meta, const std::uint64_t* bits) const {
    std::uint64_t h = mix64(state * 2ULL + (meta.dirty ? 1 : 0));
    h = mix64(h ^ meta.last_write);
    for (std::size_t w = 0; w < words_; ++w) h = mix64(h ^ bits[w]);
    return h;
  }
  bool same(std::uint32_t at, std::uint32_t state, const Meta& meta, const std::uint64_t* bits) const {
    return states_[at] == state && meta_[at] == meta && same_bits(bits, &bits_[at * words_], words_);
  }
  std::uint32_t append(std::uint32_t state, const Meta& meta, const std::uint64_t* bits) {
    const auto pos = static_cast<std::uint32_t>(states_.size());
    states_.push_back(state);
    meta_.push_back(meta);
    if (words_ == 1) {
      bits_.push_back(*bits);
    } else {
      bits_.insert(bits_.end(), bits, bits + words_);
    }
    return pos;
  }
  void rehash(std::size_t capacity) {
    RAFTSIM_ASSERT(capacity >= kIndexMin && (capacity & (capacity - 1)) == 0 && capacity > 2 * states_.size());
    index_.assign(capacity, kNone);
    const std::size_t mask = capacity - 1;
    for (std::uint32_t pos = 0; pos < states_.size(); ++pos) {
      std::size_t i = hash(states_[pos], meta_[pos], &bits_[pos * words_]) & mask;
      while (index_[i] != kNone) i = (i + 1) & mask;
      index_[i] = pos;
    }
  }

  static constexpr std::size_t kLinearMax = 8;  // configurations found by a scan; beyond, by the index
  static constexpr std::size_t kIndexMin = 16;
  std::size_t words_;
  std::vector<std::uint32_t> states_;
  std::vector<Meta> meta_;
  std::vector<std::uint64_t> bits_;
  std::vector<std::uint32_t> index_;  // open addressing, kNone = empty; empty while size() <= kLinearMax
};

// The queued events of a key (slot * 2, +1 for a completion), in time order: a vector with a moving head,
// reset whenever it empties (it does at almost every event: most invokes wait only for their own
// completion), so pushing and popping allocate nothing once it has grown (std::deque allocated a block
// per 128 events).
class EventQueue {
 public:
  bool empty() const { return head_ == items_.size(); }
  std::size_t size() const { return items_.size() - head_; }
  std::uint32_t front() const { return items_[head_]; }
  std::uint32_t operator[](std::size_t i) const { return items_[head_ + i]; }
  const std::uint32_t* begin() const { return items_.data() + head_; }
  const std::uint32_t* end() const { return items_.data() + items_.size(); }
  void push_back(std::uint32_t e) { items_.push_back(e); }
  void pop_front() {
    RAFTSIM_ASSERT(!empty());
    if (++head_ == items_.size()) {
      items_.clear();
      head_ = 0;
    } else if (head_ >= 1024 && 2 * head_ >= items_.size()) {
      items_.erase(items_.begin(), items_.begin() + static_cast<std::ptrdiff_t>(head_));
      head_ = 0;
    }
  }

 private:
  std::vector<std::uint32_t> items_;
  std::size_t head_ = 0;
};

bool test_bit(const std::uint64_t* bits, std::uint32_t b) { return (bits[b / 64] >> (b % 64)) & 1; }
void set_bit(std::uint64_t* bits, std::uint32_t b) { bits[b / 64] |= std::uint64_t{1} << (b % 64); }
void clear_bit(std::uint64_t* bits, std::uint32_t b) { bits[b / 64] &= ~(std::uint64_t{1} << (b % 64)); }

std::string show_value(const std::optional<std::string>& v) { return v ? fmt::format("\"{}\"", *v) : "nil"; }
std::string show_key(const std::string& key) { return key.empty() ? "\"\"" : key; }
std::string show_time(std::int64_t t) { return t == Operation::kNever ? "never" : std::to_string(t); }

enum class KeyStatus : std::uint8_t { running, refuted, stopped };

// The shared step count of the whole check.
struct Steps {
  std::uint64_t used = 0;
  std::uint64_t max = 0;
  bool exhausted() const { return max != 0 && used >= max; }
};

// ---------------------------------------------------------------------------------------------------------
// One key.

class Key {
 public:
  Key(std::string name, const std::optional<std::string>& initial, const StreamLimits& limits, Steps& steps,
      KeyCheckScratch& scratch)
      : name_(std::move(name)), limits_(limits), steps_(steps), scratch_(scratch), frontier_(1) {
    initial_ = values_.intern(initial);
    cut_ = initial_;
    const std::uint64_t none = 0;
    frontier_.insert(initial_, Meta{}, &none);
  }

  const std::string& name() const { return name_; }
  KeyStatus status() const { return status_; }
  const std::string& reason() const { return reason_; }
  const std::optional<LinWitness>& witness() const { return witness_; }
  std::size_t operations() const { return constraining_; }
  std::size_t frontier_peak() const { return frontier_peak_; }
  std::size_t bytes() const {
    return frontier_.bytes() + next_.bytes() + values_.bytes() + ops_.capacity() * sizeof(SOp) + queue_.size() * 8 +
           open_.capacity() * 4 + (segment_.capacity() + spare_segment_.capacity()) * sizeof(SOp);
  }

  std::uint32_t invoke(std::uint64_t id, std::uint64_t process, Fn fn, std::optional<std::string_view> input,
                       std::optional<std::string_view> expected, std::int64_t time) {
    std::uint32_t slot;
    if (!free_ops_.empty()) {
      slot = free_ops_.back();
      free_ops_.pop_back();
    } else {
      slot = static_cast<std::uint32_t>(ops_.size());
      ops_.emplace_back();
    }
    SOp& op = ops_[slot];
    const std::uint32_t gen = op.gen;
    op = SOp{};
    op.gen = gen;
    op.id = id;
    op.process = process;
    op.fn = fn;
    op.input = values_.intern(input);
    op.expected = values_.intern(expected);
    op.invoke_time = time;
    queue_.push_back(slot * 2);
    return slot;
  }

  void ok(std::uint32_t slot, std::optional<std::string_view> output, bool cas_succeeded, std::int64_t time) {
    SOp& op = ops_[slot];
    RAFTSIM_ASSERT(!op.resolved);
    op.resolved = true;
    op.output = op.fn == Fn::read ? values_.intern(output) : 0;
    op.cas_succeeded = op.fn != Fn::cas || cas_succeeded;
    op.complete_time = time;
    queue_.push_back(slot * 2 + 1);
    if (is_observer(op)) ++queued_observers_;  // its invoke is still queued: ops open only once resolved
    drain();
  }
  void fail(std::uint32_t slot) {
    SOp& op = ops_[slot];
    RAFTSIM_ASSERT(!op.resolved);
    op.resolved = true;
    op.dropped = true;
    drain();
  }
  void info(std::uint32_t slot) {
    SOp& op = ops_[slot];
    RAFTSIM_ASSERT(!op.resolved);
    op.resolved = true;
    op.info = true;
    op.dropped = op.fn == Fn::read;  // an info read returned nothing: it constrains nothing
    op.cas_succeeded = true;         // an info cas that does not match is a no-op, the same as never happening
    drain();
  }

  // Everything still in flight becomes info.
  void finish() {
    flushing_ = true;
    for (std::uint32_t e : queue_) {
      SOp& op = ops_[e / 2];
      if ((e & 1) == 0 && !op.resolved) {
        op.resolved = true;
        op.info = true;
        op.dropped = op.fn == Fn::read;
      }
    }
    drain();
    RAFTSIM_ASSERT(queue_.empty());
    if (batch_ && status_ == KeyStatus::running) check_segment();
  }

  void stop(const std::string& why) {
    if (status_ != KeyStatus::running) return;
    status_ = KeyStatus::stopped;
    reason_ = why;
    frontier_.release();
    next_.release();
  }

  // Whether the key fell back to the batch search of its last segment (see to_batch).
  bool batch() const { return batch_; }
  std::size_t batch_fallbacks() const { return batch_fallbacks_; }
  std::size_t restarts() const { return restarts_; }

 private:
  // The fallback for a key whose frontier outgrows the limits (many concurrent appends nobody has read
  // yet make every order of them a configuration: a breadth-first frontier must hold what a depth-first
  // search only visits one at a time). The key keeps its operations since its last cut (segment_): a
  // point where the frontier was one configuration with no open operation linearized, nothing dirty and
  // nothing retirable, so the history before it is summed up by the value alone, and every operation open
  // at that point is in the segment. Then the history of the key is linearizable iff the segment is, read
  // from that value: the batch checker (checkers/linearizability.h) decides it, at the next point where
  // the segment has one end value (try_restart, which makes that point a new cut) or at the end. Memory
  // then grows with that key's operations since its last cut.
  void to_batch() {
    ++batch_fallbacks_;
    // Back-off (see try_restart): each overflow doubles the cuts the key then takes in batch mode before it
    // streams again (a key whose open info operations, or whose clients' concurrent appends, overflowed
    // the frontier once will likely do so again; the batch checks between cuts are cheap). Only the cost
    // depends on it, never the verdict.
    batch_backoff_ = std::min<std::size_t>(2 * batch_backoff_ + 1, 1 << 20);
    batch_cuts_left_ = batch_backoff_;
    restart_after_ = 0;
    batch_ = true;
    frontier_.release();
    explored_.release();
    next_.release();
    observers_.clear();  // (the streaming state is rebuilt by try_restart)
    doom_wants_.clear();
  }

  void maybe_cut() {
    if (frontier_.size() != 1 || frontier_.dirty(0)) return;
    const std::uint64_t* bits = frontier_.bits(0);
    for (std::size_t w = 0; w < frontier_.words(); ++w) {
      if (bits[w] != 0) return;
    }
    std::vector<std::uint32_t>& still_open = scratch_still_open_;
    still_open.clear();
    for (std::uint32_t b = 0; b < open_.size(); ++b) {
      if (open_[b] == kNone) continue;
      const SOp& op = ops_[open_[b]];
      if (!op.info && (op.fn == Fn::write || op.fn == Fn::append) && op.invoke_seq < frontier_.meta(0).last_write) return;
      still_open.push_back(open_[b]);
    }
    std::sort(still_open.begin(), still_open.end(),
              [&](std::uint32_t a, std::uint32_t c) { return ops_[a].invoke_seq < ops_[c].invoke_seq; });
    // Most cuts follow a cut with nothing invoked since: the segment is already still_open, in this order
    // (the same operations, as copies whose fields the segment reads do not change once processed), so it
    // is kept rather than copied again (ids are unique among operations in flight).
    const bool same = still_open.size() == segment_.size() &&
                      std::equal(still_open.begin(), still_open.end(), segment_.begin(),
                                 [&](std::uint32_t slot, const SOp& kept) { return ops_[slot].id == kept.id; });
    if (same) {
      cut_ = frontier_.state(0);
      return;
    }
    segment_.clear();
    segment_slots_.clear();
    segment_max_complete_ = std::numeric_limits<std::int64_t>::min();
    for (std::uint32_t slot : still_open) add_to_segment(slot);
    if (segment_.capacity() > 4 * segment_.size() + 64) segment_.shrink_to_fit();
    if (segment_slots_.capacity() > 4 * segment_slots_.size() + 64) segment_slots_.shrink_to_fit();
    cut_ = frontier_.state(0);
  }

  void add_to_segment(std::uint32_t slot) {
    const SOp& op = ops_[slot];
    segment_.push_back(op);  // (its values stay interned while it is in the segment: collect_values)
    segment_slots_.push_back({op.info ? slot : kNone, op.gen});
    if (!op.info) segment_max_complete_ = std::max(segment_max_complete_, op.complete_time);
  }


  // Back from the batch fallback (issue 14 goal 3). A key in batch mode keeps its operations since its
  // last cut; left there, it would hold them (and check them at the end) for the rest of the run. So when a
  // point comes at which the segment's history has one end value, the key checks the segment there and,
  // if it is linearizable, makes that point a new cut and streams on from it. Such a point: the
  // completion of an operation L (ok, with a known outcome) such that every other operation of the
  // segment with a known outcome completed strictly before L's invoke and none was invoked while L was
  // open (note_batch_invoke; strict, as the batch checker reads equal times as concurrent). Then L is
  // the last of those in every linearization of the segment, and leaves the value v: its output for a
  // read, its input for a write or a cas that succeeded (a cas that did not match tells nothing: no
  // restart). Unknown-outcome (info) operations are the exception: they may take effect at any time
  // after their invoke, before L or after it. They are split in two:
  //  - closed: ones the segment provably used. A write or cas whose value x some ok read of the segment
  //    returned (or some matching cas expected) while nothing else can make x (no other operation of the
  //    segment writes x, no append could end it, and x is not the value at the cut): every linearization
  //    puts it before that observer, so before L. Also ones the streaming frontier had already settled
  //    (linearized in every configuration; release_settled_info freed them): before L's invoke.
  //  - open: all the others.
  // The check is the batch checker on the segment without the open info operations (the closed ones in
  // it, optional as always), from the cut value. If it is linearizable, the new cut is (v, the open info
  // operations open and not linearized), and the closed ones are forgotten.
  // Sound: a linearization of the segment without the open ones, ending in v, followed by one of the rest
  // from (v, open ones available) is a linearization of the whole history (each info operation used at
  // most once). Complete: if the whole history has a linearization Λ, the part of Λ up to L ends in v and
  // uses the closed ones only before L; what follows L (the rest, and any open info operation Λ places
  // after L) starts from v and uses open ones Λ has not used before L, which the new cut allows (info
  // operations are optional, so having more of them available only allows more). If the check fails the
  // key stays in batch mode (the end-of-run check decides), and tries again once the segment has doubled.
  void note_batch_invoke(std::uint32_t slot, const SOp& op) {
    if (op.info) return;
    solo_ = live_open_ == 0 && segment_max_complete_ < op.invoke_time ? slot : kNone;
  }

  void try_restart(std::uint32_t last) {
    solo_ = kNone;
    if (segment_.size() < restart_after_) return;
    const SOp& l = ops_[last];
    std::uint32_t end = 0;
    if (l.fn == Fn::read) {
      end = l.output;
    } else if (l.fn == Fn::write || (l.fn == Fn::cas && l.cas_succeeded)) {
      end = l.input;
    } else {
      return;
    }
    // The closed info operations (see above): settled ones (slot freed) and provably used ones.
    std::vector<char>& reopen = scratch_reopen_;
    reopen.assign(segment_.size(), 0);
    for (std::size_t i = 0; i < segment_.size(); ++i) {
      const SlotRef ref = segment_slots_[i];
      if (segment_[i].info && ref.slot != kNone && ops_[ref.slot].gen == ref.gen && !provably_used(i)) reopen[i] = 1;
    }
    // The segment without the open ones, as ids into values_ (check_key_linearizability: the verdict
    // check_linearizability gives on it, without building its strings and interning them again).
    std::vector<KeyOpIds>& seg = scratch_segment_ids_;
    seg.clear();
    for (std::size_t i = 0; i < segment_.size(); ++i) {
      if (!reopen[i]) seg.push_back(operation_ids(segment_[i]));
    }
    LinLimits limits;
    limits.steps_max = steps_.max;
    const LinVerdict verdict = check_key_linearizability(
        cut_, seg, values_.size(), [&](std::uint32_t id) { return HashedText{values_.text(id), values_.hash(id)}; },
        limits, &scratch_);
    if (verdict != LinVerdict::linearizable) {
      restart_after_ = 2 * segment_.size();
      return;
    }
    // The new cut: one configuration, the open info operations open and not linearized.
    ++restarts_;
    restart_after_ = limits_.cut_segment_min;
    const bool stream = batch_cuts_left_ == 0;
    if (stream) {
      batch_ = false;
      open_.clear();
      free_bits_.clear();
      forced_.clear();
      movers_.clear();
      observers_.clear();
      frontier_.clear(1);
      const std::uint64_t none = 0;
      frontier_.insert(end, Meta{}, &none);
    } else {
      --batch_cuts_left_;
    }
    // The old segment goes to the spare buffers and the new one starts in theirs: neither is reallocated
    // as it grows again (the segment's regrowth from nothing at every cut was 2% of the 64-client check).
    std::vector<SOp>& old_segment = spare_segment_;
    std::vector<SlotRef>& old_slots = spare_slots_;
    old_segment.swap(segment_);
    old_slots.swap(segment_slots_);
    segment_.clear();
    segment_slots_.clear();
    segment_max_complete_ = std::numeric_limits<std::int64_t>::min();
    cut_ = end;
    for (std::size_t i = 0; i < old_segment.size(); ++i) {
      const SlotRef ref = old_slots[i];
      if (!old_segment[i].info || ref.slot == kNone || ops_[ref.slot].gen != ref.gen) {
        continue;
      }
      if (reopen[i]) {
        if (stream) {
          ops_[ref.slot].bit = kNone;
          open(ref.slot);
        }
        add_to_segment(ref.slot);
      } else {
        free_op(ref.slot);
      }
    }
    old_segment.clear();
    old_slots.clear();
    if (stream) {
      live_values_ = 0;  // collect at the next completion
    } else if (values_.size() > 2 * live_values_ + kValuesSlack) {
      doom_wants_.clear();
      collect_values();
    }
  }

  // A closed info operation (try_restart): segment_[i] is one that some ok observer of the segment (a read,
  // or a cas that matched), so some point before L, cannot do without. The value a key holds is its last
  // reset (the cut value, nil counting as "", or a write or cas of the segment) followed by appends, so an
  // observer's value w is a reset's value that is a prefix of w followed by append values that spell the
  // rest. If no such spelling exists without operation i (any reset other than i as the start, appends
  // other than i as the words, each as often as wanted, which only allows more spellings), every
  // linearization of the segment puts i before that observer. Bounded: values up to kSpellMax characters,
  // the first kObserversMax observers whose value contains i's; beyond, not closed (which is only less
  // progress: an open info operation is removed from the check, and the check may fail).
  static constexpr std::size_t kSpellMax = 4096;
  static constexpr std::size_t kObserversMax = 4;
  bool provably_used(std::size_t i) const {
    const SOp& op = segment_[i];
    if (op.fn == Fn::read || op.input == Values::kNil || values_.text(op.input).empty()) return false;
    const std::string_view x = values_.text(op.input);
    std::size_t tried = 0;
    for (std::size_t j = 0; j < segment_.size() && tried < kObserversMax; ++j) {
      const SOp& o = segment_[j];
      if (o.info) continue;
      std::uint32_t seen = Values::kNil;
      if (o.fn == Fn::read) seen = o.output;
      if (o.fn == Fn::cas && o.cas_succeeded) seen = o.expected;
      if (seen == Values::kNil) continue;
      const std::string_view w = values_.text(seen);
      if (w.size() > kSpellMax || w.find(x) == std::string_view::npos) continue;
      ++tried;
      if (!spelled_without(i, w)) return true;
    }
    return false;
  }
  // Whether w can be spelled as the cut value or some reset of the segment other than i (nil as ""),
  // followed by append values of the segment other than i.
  bool spelled_without(std::size_t i, std::string_view w) const {
    std::vector<char> reach(w.size() + 1, 0);
    auto start = [&](std::uint32_t r) {
      const std::string_view v = values_.text(r);  // (nil: "")
      if (w.starts_with(v)) reach[v.size()] = 1;
    };
    start(cut_);
    for (std::size_t k = 0; k < segment_.size(); ++k) {
      const SOp& r = segment_[k];
      if (k != i && (r.fn == Fn::write || r.fn == Fn::cas)) start(r.input);
    }
    for (std::size_t pos = 0; pos < w.size(); ++pos) {
      if (!reach[pos]) continue;
      for (std::size_t k = 0; k < segment_.size(); ++k) {
        const SOp& a = segment_[k];
        if (k == i || a.fn != Fn::append || a.input == Values::kNil) continue;
        const std::string_view arg = values_.text(a.input);
        if (!arg.empty() && w.substr(pos).starts_with(arg)) reach[pos + arg.size()] = 1;
      }
    }
    return reach[w.size()] != 0;
  }

  // An operation of the segment as check_key_linearizability reads it (the fields operation() fills).
  static KeyOpIds operation_ids(const SOp& op) {
    KeyOpIds out;
    out.fn = op.fn;
    out.info = op.info;
    out.cas_succeeded = op.cas_succeeded;
    if (op.fn != Fn::read) out.input = op.input;
    if (op.fn == Fn::cas) out.expected = op.expected;
    if (op.fn == Fn::read && !op.info) out.output = op.output;
    out.invoke_time = op.invoke_time;
    out.complete_time = op.info ? Operation::kNever : op.complete_time;
    return out;
  }

  // The segment as the batch checker reads it (its operations in the order they were added).
  std::vector<Operation> segment_operations() const {
    std::vector<Operation> out;
    out.reserve(segment_.size());
    for (const SOp& op : segment_) out.push_back(operation(op));
    return out;
  }

  Operation operation(const SOp& op) const {
    Operation out;
    out.process = op.process;
    out.fn = op.fn;
    out.key = name_;
    if (op.fn != Fn::read) out.input = values_.value(op.input);
    if (op.fn == Fn::cas) out.expected = values_.value(op.expected);
    if (op.fn == Fn::read && !op.info) out.output = values_.value(op.output);
    out.outcome = op.info ? Operation::Outcome::info : Operation::Outcome::ok;
    out.cas_succeeded = op.cas_succeeded;
    out.invoke_time = op.invoke_time;
    out.complete_time = op.info ? Operation::kNever : op.complete_time;
    out.id = op.id;
    return out;
  }

  void check_segment() {
    History h;
    h.initial_value = values_.value(cut_);
    h.operations = segment_operations();
    segment_.clear();
    LinLimits limits;
    limits.steps_max = steps_.max;
    const LinResult r = check_linearizability(h, limits);
    if (r.verdict == LinVerdict::unknown) {
      status_ = KeyStatus::stopped;
      reason_ = fmt::format("(streaming frontier over {} configurations, then the batch search) {}",
                            limits_.frontier_max, r.reason);
    } else if (r.verdict == LinVerdict::not_linearizable) {
      status_ = KeyStatus::refuted;
      reason_ = r.reason;
      witness_ = r.witness;
      if (witness_) {
        for (std::size_t& i : witness_->ops) i = h.operations[i].id;
        for (std::size_t& i : witness_->longest_prefix) i = h.operations[i].id;
        witness_->text += "(operations named by id; the key's history checked from the value " +
                          show_value(h.initial_value) + " it held at a point where nothing was in doubt)\n";
      }
    }
  }

  // Lookahead (issue 14 goal 3 (a), (b)). Every open operation that is neither linearized nor decided
  // multiplies the configurations a completion reaches: the unknown-outcome operations, which stay open for
  // ever, and the concurrent appends of many clients, each order of them a different value. Most of those
  // configurations are refuted by the next read, but only once it is processed. So a completion is held
  // in the queue (not processed, the frontier left as it is) until the queue holds, after it, the invoke
  // of an observer (an ok read, or a cas whose compare matched) whose outcome is known: complete() then
  // prunes with that observer as well (future_, see viable). The hold never changes what is decided, only
  // when: the events are still processed in time order, and the frontier at each processed event is the
  // same set of configurations minus those no continuation can extend. It is bounded: at kHoldMax queued
  // events (a key nobody reads), or at the end, the completion is processed without a lookahead.
  static constexpr std::size_t kHoldMax = 256;
  bool holds_completion() const {
    return !flushing_ && status_ == KeyStatus::running && !batch_ && queued_observers_ == 0 &&
           queue_.size() < kHoldMax;
  }

  // The observers queued after the current event whose outcome is known, as constraints on the
  // configurations a completion reaches (at most kFutureMax of them, the earliest). Such an observer R
  // returns `want`, is invoked after every event processed so far (the queue is in time order), so no
  // configuration has linearized it, and everything that can be linearized before R is either open now
  // or invoked before R's completion, which is queued (R's ok came in, and events come in time order).
  // R sees `want` only if the last reset (write, or cas) before it left a prefix of `want`, appends
  // doing the rest; so a configuration whose state is not a prefix of `want` can still be extended only
  // if a reset with a value that is a prefix of `want` can come between: an open one it has not
  // linearized yet (its starters, as for the open observers; a write that will be retired is counted
  // too, which only prunes less), or one queued before R's completion (then R constrains nothing, and is
  // not kept). A configuration that fails this has no legal continuation: dropping it keeps every
  // verdict (the frontier keeps every configuration some linearization of the history so far can be in
  // and that can still lead to a linearization of the whole history).
  static constexpr std::size_t kFutureMax = 4;
  void collect_future() {
    future_.clear();
    if (queued_observers_ == 0) return;
    // queued_observers_ counts exactly the invokes this loop looks for: past the last of them the rest of
    // the queue (most of it, on a key with many clients) holds none.
    std::size_t seen = 0;
    for (std::size_t i = 0; i < queue_.size() && future_.size() < kFutureMax && seen < queued_observers_; ++i) {
      const std::uint32_t e = queue_[i];
      const SOp& r = ops_[e / 2];
      if ((e & 1) != 0 || !r.resolved || r.dropped || !is_observer(r)) continue;
      ++seen;
      const std::uint32_t want = r.fn == Fn::read ? r.output : r.expected;
      bool reset_between = false;
      for (std::size_t j = 0; j < queue_.size() && !reset_between; ++j) {
        const std::uint32_t x = queue_[j];
        if (x == (e | 1)) break;  // R's completion: nothing after it can come before R
        const SOp& later = ops_[x / 2];
        if ((x & 1) == 0 && !later.dropped && resets(later) && values_.extends(later.input, want)) {
          reset_between = true;
        }
      }
      if (reset_between) continue;
      Observer& obs = future_.emplace_back();  // (built in place: a temporary's move and destruction cost more)
      obs.bit = kNone;
      obs.want = want;
      for (std::uint32_t m : movers_) {
        if (resets(ops_[open_[m]]) && values_.extends(ops_[open_[m]].input, want)) obs.starters.push_back(m);
      }
    }
  }

  // The write that dooms a dirty configuration (a completion's lookahead, with collect_future). A dirty
  // configuration has linearized an operation ahead of need that no observer has seen yet; the search
  // only builds linearizations in which such an operation is seen by an observer before the next blind
  // write (see complete), so it may not linearize a write until an observer cleans it. If the queue
  // holds the completion of an ok blind write W, and no operation that can observe (a read, a cas, or an
  // invoke whose outcome is not known yet) is invoked in the queue before it, then a dirty configuration
  // that has not linearized any open observer (open forced operations, open cas) can reach W's
  // completion neither by linearizing W (nothing can clean it before) nor by retiring W (that needs a
  // blind write linearized after W's invoke: an open W whose invoke is at or after the configuration's
  // last_write, or a W not yet invoked, is not retirable), so it is dropped at W's completion whatever
  // happens in between; dropping it now leaves the same frontier there, without exploring its
  // continuations. doom_ is W's slot, kNone if there is none.
  //
  // More generally, the observers that can clean it before W are those open and not linearized in it,
  // and those invoked in the queue before W's completion. Until one of them is linearized, a dirty
  // configuration changes its state by appends only (a write it may not linearize; a cas is an
  // observer). A read cleans it only by seeing its value (forced_applies), a cas that succeeds only where
  // the state is its expected value: so if every such observer is one of these with a known value
  // (doom_wants_ for the queued ones), a dirty configuration whose state appends cannot turn into any of
  // those values is doomed too. A cas whose compare failed (it sees any other value), an unknown-outcome
  // cas, or an invoke whose outcome is not known yet among the queued ones, and any of the first two
  // among the open ones, doom nothing.
  void collect_doom() {
    doom_ = kNone;
    doom_wants_.clear();
    for (std::uint32_t x : queue_) {
      const SOp& p = ops_[x / 2];
      if ((x & 1) == 0) {
        if (p.dropped || (p.fn != Fn::read && p.fn != Fn::cas)) continue;
        if (!p.resolved || p.info || !is_observer(p)) return;  // sees more than one value, or unknown
        doom_wants_.push_back(p.fn == Fn::read ? p.output : p.expected);
        continue;
      }
      // A completion in the queue is that of an operation with a known outcome. The horizon: a blind
      // write (above), or an observer (a read or a cas that matched: it cleans whatever is dirty when it
      // is linearized, at the latest at its completion, so a dirty configuration must have reached one
      // of the values by then; its own value is among doom_wants_ if it was invoked in the queue, and
      // checked through forced_ or movers_ if it is open).
      if ((p.fn == Fn::write && !p.info && !p.dropped) || (!p.dropped && is_observer(p))) {
        doom_ = x / 2;
        return;
      }
    }
  }
  bool doomed(std::uint32_t state, const Meta& meta, const std::uint64_t* bits) const {
    if (doom_ == kNone || !meta.dirty) return false;
    const SOp& w = ops_[doom_];
    if (w.fn == Fn::write && w.bit != kNone && meta.last_write > w.invoke_seq) return false;
    if (w.fn != Fn::write && w.bit != kNone && test_bit(bits, w.bit)) return false;  // seen already
    for (std::uint32_t want : doom_wants_) {
      if (values_.extends(state, want)) return false;
    }
    for (std::uint32_t f : forced_) {
      if (test_bit(bits, f)) continue;
      const SOp& r = ops_[open_[f]];
      if (r.fn != Fn::read || values_.extends(state, r.output)) return false;
    }
    for (std::uint32_t m : movers_) {
      const SOp& c = ops_[open_[m]];
      if (c.fn != Fn::cas || test_bit(bits, m)) continue;
      if (c.info || values_.extends(state, c.expected)) return false;
    }
    return true;
  }

  // Processes the queued events in time order up to the first invoke whose outcome is not known yet.
  void drain() {
    while (!queue_.empty()) {
      const std::uint32_t e = queue_.front();
      const std::uint32_t slot = e / 2;
      SOp& op = ops_[slot];
      if ((e & 1) == 0 && !op.resolved) return;
      if ((e & 1) == 1 && holds_completion()) return;
      queue_.pop_front();
      if ((e & 1) == 0 && !op.dropped && is_observer(op)) --queued_observers_;
      ++seq_;
      if ((e & 1) == 0) {
        if (op.dropped) {
          free_op(slot);
        } else {
          ++constraining_;
          if (status_ == KeyStatus::running) {
            if (batch_) note_batch_invoke(slot, op);
            if (!op.info) ++live_open_;
            add_to_segment(slot);
          }
          if (status_ == KeyStatus::running && !batch_) {
            open(slot);
          } else if (op.info && !(status_ == KeyStatus::running && batch_)) {
            free_op(slot);  // (a batch key keeps its info operations: a restart reopens them)
          }
        }
      } else {
        if (status_ == KeyStatus::running) --live_open_;
        if (status_ == KeyStatus::running && !batch_) complete(slot);
        const bool restart = status_ == KeyStatus::running && batch_ && solo_ == slot && live_open_ == 0;
        if (restart) try_restart(slot);
        free_op(slot);
      }
    }
  }

  void free_op(std::uint32_t slot) {
    if (solo_ == slot) solo_ = kNone;
    const std::uint32_t gen = ops_[slot].gen + 1;
    ops_[slot] = SOp{};
    ops_[slot].gen = gen;
    free_ops_.push_back(slot);
  }

  // An invoke: the operation becomes open (it may be linearized from now on).
  void open(std::uint32_t slot) {
    SOp& op = ops_[slot];
    std::uint32_t bit;
    if (!free_bits_.empty()) {
      std::pop_heap(free_bits_.begin(), free_bits_.end(), std::greater<>());
      bit = free_bits_.back();
      free_bits_.pop_back();
    } else {
      bit = static_cast<std::uint32_t>(open_.size());
      open_.push_back(kNone);
      if (open_.size() > frontier_.words() * 64) widen(frontier_.words() * 2);
    }
    open_[bit] = slot;
    op.bit = bit;
    op.invoke_seq = seq_;
    if (resets(op)) {
      for (Observer& obs : observers_) {
        if (values_.extends(op.input, obs.want)) obs.starters.push_back(bit);
      }
    }
    const bool observer = is_observer(op);
    if (observer) {
      Observer obs{bit, op.fn == Fn::read ? op.output : op.expected, {}, {}};
      for (std::uint32_t m : movers_) {
        if (resets(ops_[open_[m]]) && values_.extends(ops_[open_[m]].input, obs.want)) obs.starters.push_back(m);
      }
      // Operations invoked after this one but before its completion may start its value too. Its outcome is
      // known, so its completion and every invoke before it have arrived: they are in the queue.
      for (std::uint32_t e : queue_) {
        if (e == slot * 2 + 1) break;
        const SOp& later = ops_[e / 2];
        if ((e & 1) == 0 && !later.dropped && resets(later) && values_.extends(later.input, obs.want)) {
          obs.later.push_back(e / 2);
        }
      }
      observers_.push_back(std::move(obs));
    }
    if (is_forced_kind(op) || observer) {
      // Keep the frontier closed under forced moves (linearize the new read now wherever it can be: an
      // observer, so a dirty configuration becomes clean, which can make two configurations equal), and
      // drop the configurations from which the new observer can no longer see its value.
      ConfigSet& closed = scratch_set_;
      closed.clear(frontier_.words());
      std::vector<std::uint64_t>& b = scratch_bits_;
      b.assign(frontier_.words(), 0);
      for (std::size_t i = 0; i < frontier_.size(); ++i) {
        std::memcpy(b.data(), frontier_.bits(i), b.size() * 8);
        Meta meta = frontier_.meta(i);
        if (is_forced_kind(op) && forced_applies(op, frontier_.state(i))) {
          set_bit(b.data(), bit);
          meta.dirty = false;
        }
        if (!viable(frontier_.state(i), b.data())) continue;
        closed.insert(frontier_.state(i), meta, b.data());
      }
      if (closed.size() == 0) {
        refute(op, true);
        return;
      }
      subsume(closed);
      frontier_.swap(closed);  // (closed keeps the old frontier's buffers, for reuse)
      trim_scratch(closed);
    }
    if (is_forced_kind(op)) {
      forced_.push_back(bit);
    } else {
      movers_.push_back(bit);
    }
  }

  void widen(std::size_t words) {
    ConfigSet wider(words);
    std::vector<std::uint64_t> b(words, 0);
    for (std::size_t i = 0; i < frontier_.size(); ++i) {
      std::fill(b.begin(), b.end(), 0);
      std::memcpy(b.data(), frontier_.bits(i), frontier_.words() * 8);
      wider.insert(frontier_.state(i), frontier_.meta(i), b.data());
    }
    frontier_ = std::move(wider);
  }

  // The partial-order reduction of the batch checker, in streaming form. A read with a known outcome whose
  // value is the state, or a cas whose compare failed while the state differs from its expected value, can
  // be linearized now: it is open (invoked, not returned) and leaves the state alone, so in any legal
  // continuation it can be moved to this point without changing what any other operation sees. The
  // frontier therefore only keeps configurations in which every such move has been made (each
  // configuration stands for its forced-closed successor), which keeps reads from multiplying them.
  bool forced_applies(const SOp& op, std::uint32_t state) const {
    return op.fn == Fn::read ? state == op.output : state != op.expected;
  }
  bool close_forced(std::uint32_t state, std::uint64_t* bits) const {
    bool any = false;
    for (std::uint32_t b : forced_) {
      if (!test_bit(bits, b) && forced_applies(ops_[open_[b]], state)) {
        set_bit(bits, b);
        any = true;
      }
    }
    return any;
  }

  // The model, a register: whether the mover `op` can take effect in `state`, and the state after it.
  bool step(const SOp& op, std::uint32_t state, std::uint32_t& next) {
    switch (op.fn) {
      case Fn::write: next = op.input; return true;
      case Fn::append: next = values_.append(state, op.input); return true;
      case Fn::cas:
        // A mover cas succeeded (a failed one is forced) or is info (where not matching is not happening).
        if (state != op.expected) return false;
        next = op.input;
        return true;
      case Fn::read: return false;
    }
    return false;
  }

  // A necessary condition for a configuration to lead anywhere (the batch checker's can_reach, against
  // every open observer instead of the earliest): each observer with a known outcome that is open and not
  // linearized yet (a read, or a cas whose compare matched) must still be able to see its value: the
  // state is that value, or appends can extend the state into it, or an open operation not yet linearized
  // can reset the value to a prefix of it (its "starters", kept up to date as operations open and close).
  // Outcomes are known before an invoke is processed, so this cuts a wrong order of appends, or a write
  // some pending read contradicts, as soon as it is made, not when that read completes.
  bool viable(std::uint32_t state, const std::uint64_t* bits) const {
    for (const Observer& obs : observers_) {
      if (test_bit(bits, obs.bit) || values_.extends(state, obs.want) || obs.waits_for_later(ops_)) continue;
      if (std::none_of(obs.starters.begin(), obs.starters.end(), [&](std::uint32_t b) { return !test_bit(bits, b); })) {
        return false;
      }
    }
    for (const Observer& obs : future_) {  // queued observers (collect_future): not open, so not linearized
      if (values_.extends(state, obs.want)) continue;
      if (std::none_of(obs.starters.begin(), obs.starters.end(), [&](std::uint32_t b) { return !test_bit(bits, b); })) {
        return false;
      }
    }
    return true;
  }

  // viable(append(state, arg), bits plus `mb`, after close_forced), without building the appended value
  // (most appends of the search, the orders of the open info appends above all, make values no observer
  // will see; building and interning each was most of the cost of a key with many such operations). The
  // same test as viable, the appended value given as state's text then arg's: an observer not linearized
  // in bits plus mb, not waiting, whose value the appended value does not extend, needs a starter neither
  // in bits nor mb. close_forced can set the bit of an open read whose output is the appended value (then
  // this answers true: the caller takes the ordinary path); the other bits it sets (failed cas) are
  // neither observers nor starters, so they change nothing here. True: maybe viable; false: viable would
  // say false.
  bool append_viable(std::uint32_t state, std::uint32_t arg, const std::uint64_t* bits, std::uint32_t mb) const {
    for (std::uint32_t f : forced_) {
      const SOp& r = ops_[open_[f]];
      if (!test_bit(bits, f) && r.fn == Fn::read && values_.append_equals(state, arg, r.output)) return true;
    }
    auto free = [&](std::uint32_t b) { return b != mb && !test_bit(bits, b); };
    for (const Observer& obs : observers_) {
      if (!free(obs.bit) || values_.append_extends(state, arg, obs.want) || obs.waits_for_later(ops_)) continue;
      if (std::none_of(obs.starters.begin(), obs.starters.end(), free)) return false;
    }
    for (const Observer& obs : future_) {
      if (values_.append_extends(state, arg, obs.want)) continue;
      if (std::none_of(obs.starters.begin(), obs.starters.end(), free)) return false;
    }
    return true;
  }

  static bool resets(const SOp& op) { return op.fn == Fn::write || op.fn == Fn::cas; }
  static bool is_observer(const SOp& op) {
    return !op.info && (op.fn == Fn::read || (op.fn == Fn::cas && op.cas_succeeded));
  }
  void forget_bit(std::uint32_t bit) {
    std::erase_if(observers_, [&](const Observer& obs) { return obs.bit == bit; });
    for (Observer& obs : observers_) std::erase(obs.starters, bit);
  }

  // A completion: every configuration of the frontier that has not linearized `slot` yet must do so now,
  // possibly after linearizing other open operations first (just-in-time linearization, Lowe 2017 section
  // 5: a linearization of the history so far puts each completed operation before its completion, so
  // every prefix of it that ends at a completion is reached this way). The new frontier is every
  // configuration so reached, with the completed operation's bit cleared (it is decided: nothing pending
  // depends on it any more, and its state is freed).
  //
  // Which open operations may be linearized before it:
  //  - movers: writes, appends, successful cas (with a known outcome or info); reads and failed cas with a
  //    known outcome are forced moves (forced_applies) and need no choice.
  //  - ahead of need only where an observer will look (Meta::dirty): an operation linearized before its
  //    completion (a write or an append) or with an unknown outcome, and then followed, through appends
  //    only (which do not look at the value), by a blind write, changed nothing anyone saw. An info one can
  //    be dropped (an unknown outcome allows it never to have happened); one with a known outcome X can be
  //    moved to just before that write W instead, which changes what nobody sees either, and then it is
  //    "retired": not linearized by the search at all, but taken as placed just before a blind write
  //    linearized after its invoke, which is legal whenever one was (Meta::last_write), so at its completion
  //    such an X may leave the configuration as it is. Dropping, moving X to W and forced moves all keep a
  //    linearization legal and each shortens it or moves an operation later or a read earlier, so every
  //    linearizable history has a linearization in which after each operation linearized ahead of need an
  //    observer (read or cas) comes before any blind write. The search only builds those: such an operation
  //    makes a configuration dirty, an observer cleans it, and a dirty configuration may not linearize a
  //    write. This keeps hundreds of unknown-outcome writes nobody reads, and the subsets of concurrent
  //    writes overwritten before anyone looked, from multiplying the configurations (the batch checker
  //    drops or defers info operations for the same reason; a depth-first search need not care about the
  //    other subsets, a frontier must).
  //  - subsumption (as the batch checker's memo): of two configurations with the same state and linearized
  //    operations with a known outcome, one whose linearized info operations are a subset of the other's,
  //    that is no dirtier and whose last blind write is no earlier can do all that the other can (info
  //    operations are optional), so the other is dropped.
  void complete(std::uint32_t slot) {
    collect_future();
    collect_doom();
    const bool emptied = !complete_now(slot);
    future_.clear();
    doom_ = kNone;
    // Refuted with the lookahead: done again without it, so the refutation names the operation that
    // cannot be linearized (the queued observer, at its own turn), not one before it that could be.
    if (emptied) complete_now(slot);
  }
  // False (and nothing changed) if the frontier came out empty only through the lookahead.
  bool complete_now(std::uint32_t slot) {
    const bool lookahead = !future_.empty() || doom_ != kNone;
    const SOp o = ops_[slot];
    const std::uint32_t ob = o.bit;
    RAFTSIM_ASSERT(ob != kNone);
    const std::size_t words = frontier_.words();
    ConfigSet& next = next_;  // (a member: its buffers are reused from completion to completion)
    next.clear(words);
    explored_.clear(words);
    std::vector<std::uint64_t>& b = scratch_bits_;
    b.assign(words, 0);
    const bool o_retirable = !o.info && (o.fn == Fn::write || o.fn == Fn::append);
    // last_write matters only through the open writes and appends it lets retire: configurations that
    // differ in it but let the same ones retire are the same, so it is canonicalized to just past the
    // latest such invoke (0: none), and the frontier does not keep a copy per write ever linearized.
    std::vector<std::uint64_t>& retirable = scratch_retirable_;
    retirable.clear();
    for (std::uint32_t m : movers_) {
      const SOp& x = ops_[open_[m]];
      if (m != ob && !x.info && (x.fn == Fn::write || x.fn == Fn::append)) retirable.push_back(x.invoke_seq);
    }
    std::sort(retirable.begin(), retirable.end());
    auto add_final = [&](std::uint32_t state, Meta meta, std::uint64_t* bits) {
      clear_bit(bits, ob);
      const auto it = std::lower_bound(retirable.begin(), retirable.end(), meta.last_write);
      meta.last_write = it == retirable.begin() ? 0 : *std::prev(it) + 1;
      next.insert(state, meta, bits);
    };
    std::vector<std::uint32_t>& stack = scratch_stack_;
    stack.clear();
    for (std::size_t i = 0; i < frontier_.size() && status_ == KeyStatus::running; ++i) {
      std::memcpy(b.data(), frontier_.bits(i), words * 8);
      if (test_bit(b.data(), ob)) {
        add_final(frontier_.state(i), frontier_.meta(i), b.data());
        continue;
      }
      const auto [root, fresh] = explored_.insert(frontier_.state(i), frontier_.meta(i), b.data());
      if (!fresh) continue;
      stack.push_back(root);
      while (!stack.empty()) {
        const std::uint32_t at = stack.back();
        stack.pop_back();
        const std::uint32_t state = explored_.state(at);
        const Meta meta = explored_.meta(at);
        if (o_retirable && meta.last_write > o.invoke_seq) {
          std::memcpy(b.data(), explored_.bits(at), words * 8);
          add_final(state, meta, b.data());
        }
        for (std::uint32_t mb : movers_) {
          if (test_bit(explored_.bits(at), mb)) continue;
          const SOp& x = ops_[open_[mb]];
          if (meta.dirty && x.fn == Fn::write) continue;
          std::uint32_t after = 0;
          const bool unseen = x.fn == Fn::append && !values_.appended(state, x.input) &&
                              !append_viable(state, x.input, explored_.bits(at), mb);
          if (!unseen && !step(x, state, after)) continue;
          if (++steps_.used, steps_.exhausted()) {
            stop(fmt::format("step limit of {} reached", steps_.max));
            return true;
          }
          if (unseen) continue;  // viable() would drop it: the value is not built (append_viable)
          std::memcpy(b.data(), explored_.bits(at), words * 8);
          set_bit(b.data(), mb);
          Meta now = meta;
          if (x.fn == Fn::write) now.last_write = seq_;
          if (x.info || (mb != ob && (x.fn == Fn::write || x.fn == Fn::append))) {
            now.dirty = true;  // ahead of need
          } else if (observes(x)) {
            now.dirty = false;
          }
          if (close_forced(after, b.data())) now.dirty = false;
          if (!viable(after, b.data()) || doomed(after, now, b.data())) continue;
          if (test_bit(b.data(), ob)) {
            add_final(after, now, b.data());
            continue;
          }
          const auto [pos, added] = explored_.insert(after, now, b.data());
          if (!added) continue;
          if (explored_.size() > limits_.closure_max) {
            to_batch();
            return true;
          }
          stack.push_back(pos);
        }
      }
    }
    if (status_ != KeyStatus::running) return true;
    if (next.size() == 0) {
      if (lookahead) return false;
      refute(o, false);
      return true;
    }
    // The completed operation is decided in every configuration: free its bit.
    open_[ob] = kNone;
    free_bits_.push_back(ob);
    std::push_heap(free_bits_.begin(), free_bits_.end(), std::greater<>());
    std::erase(is_forced_kind(o) ? forced_ : movers_, ob);
    forget_bit(ob);
    subsume(next);
    frontier_.swap(next);  // (next_ keeps the old frontier's buffers, for the next completion)
    release_settled_info();
    frontier_peak_ = std::max(frontier_peak_, frontier_.size());
    if (frontier_.size() > limits_.frontier_max) {
      to_batch();
      return true;
    }
    maybe_cut();
    if (values_.size() > 2 * live_values_ + kValuesSlack) collect_values();
    return true;
  }

  // Values interned beyond twice the live ones before a collection. A collection costs a pass over the
  // operations, values and memo whatever it frees, so a larger slack makes each freed value cheaper (at 64
  // it was a tenth of the streaming check of scenarios/basic.json; session 14, feed4); the table still
  // follows the values in use. Ids keep their order across a collection (Values::compact), so when it
  // runs changes nothing the search does.
  static constexpr std::size_t kValuesSlack = 512;

  // The bits of the open info operations (in scratch_mask_, which it returns).
  const std::vector<std::uint64_t>& info_mask() {
    std::vector<std::uint64_t>& mask = scratch_mask_;
    mask.assign(frontier_.words(), 0);
    for (std::uint32_t b : movers_) {
      if (ops_[open_[b]].info) set_bit(mask.data(), b);
    }
    return mask;
  }

  // Drops the subsumed configurations of `set` in place (the others stay in their order).
  void subsume(ConfigSet& set) {
    if (set.size() < 2) return;
    const std::vector<std::uint64_t>& mask = info_mask();
    const std::size_t words = set.words();
    std::vector<std::uint32_t>& order = scratch_order_;
    order.resize(set.size());
    for (std::uint32_t i = 0; i < order.size(); ++i) order[i] = i;
    auto req_less = [&](std::uint32_t a, std::uint32_t c) {
      if (set.state(a) != set.state(c)) return set.state(a) < set.state(c);
      for (std::size_t w = 0; w < words; ++w) {
        const std::uint64_t x = set.bits(a)[w] & ~mask[w];
        const std::uint64_t y = set.bits(c)[w] & ~mask[w];
        if (x != y) return x < y;
      }
      return false;
    };
    std::sort(order.begin(), order.end(), req_less);
    std::vector<char>& gone = scratch_gone_;
    gone.assign(set.size(), 0);
    // a subsumes c: its info operations are a subset of c's, and it is no more constrained (a dirty
    // configuration may not linearize a write next, a clean one may).
    auto info_subset = [&](std::uint32_t a, std::uint32_t c) {
      if (set.dirty(a) && !set.dirty(c)) return false;
      if (set.meta(a).last_write < set.meta(c).last_write) return false;
      for (std::size_t w = 0; w < words; ++w) {
        if ((set.bits(a)[w] & mask[w] & ~set.bits(c)[w]) != 0) return false;
      }
      return true;
    };
    for (std::size_t lo = 0; lo < order.size();) {
      std::size_t hi = lo + 1;
      while (hi < order.size() && !req_less(order[lo], order[hi])) ++hi;
      for (std::size_t i = lo; i < hi; ++i) {
        for (std::size_t j = lo; j < hi && !gone[order[i]]; ++j) {
          if (i != j && !gone[order[j]] && info_subset(order[j], order[i])) gone[order[i]] = 1;
        }
      }
      lo = hi;
    }
    if (std::none_of(gone.begin(), gone.end(), [](char g) { return g != 0; })) return;  // as it would be rebuilt
    ConfigSet& kept = scratch_kept_;
    kept.clear(words);
    for (std::uint32_t i = 0; i < set.size(); ++i) {
      if (!gone[i]) kept.insert(set.state(i), set.meta(i), set.bits(i));
    }
    set.swap(kept);
    trim_scratch(kept);
  }

  // A scratch set keeps its buffers only while they are small: a thousand keys each holding the buffers of
  // its largest frontier ever would hold tens of MB for nothing.
  static void trim_scratch(ConfigSet& set) {
    if (set.bytes() > kScratchBytesMax) set.release();
  }
  static constexpr std::size_t kScratchBytesMax = 4096;

  // An info operation linearized in every configuration is decided too: drop its bit everywhere.
  void release_settled_info() {
    info_mask();
    std::vector<std::uint64_t>& all = scratch_mask_;  // the open info operations linearized everywhere
    for (std::size_t i = 0; i < frontier_.size(); ++i) {
      for (std::size_t w = 0; w < all.size(); ++w) all[w] &= frontier_.bits(i)[w];
    }
    if (std::all_of(all.begin(), all.end(), [](std::uint64_t w) { return w == 0; })) return;
    ConfigSet rebuilt(frontier_.words());
    std::vector<std::uint64_t> b(frontier_.words());
    for (std::size_t i = 0; i < frontier_.size(); ++i) {
      for (std::size_t w = 0; w < b.size(); ++w) b[w] = frontier_.bits(i)[w] & ~all[w];
      rebuilt.insert(frontier_.state(i), frontier_.meta(i), b.data());
    }
    frontier_ = std::move(rebuilt);
    for (std::uint32_t bit = 0; bit < open_.size(); ++bit) {
      if (!test_bit(all.data(), bit)) continue;
      const std::uint32_t slot = open_[bit];
      open_[bit] = kNone;
      free_bits_.push_back(bit);
      std::push_heap(free_bits_.begin(), free_bits_.end(), std::greater<>());
      std::erase(movers_, bit);
      forget_bit(bit);
      free_op(slot);
    }
  }

  // Forgets the values that no operation still queued or open and no configuration refers to.
  void collect_values() {
    std::vector<std::uint32_t> live{initial_};
    for (std::size_t i = 0; i < ops_.size(); ++i) {
      if (ops_[i].id == 0 && ops_[i].invoke_time == 0 && !ops_[i].resolved && ops_[i].bit == kNone) {
        // a free slot (or a fresh one): its ids are 0 (nil), harmless
      }
      live.push_back(ops_[i].input);
      live.push_back(ops_[i].expected);
      live.push_back(ops_[i].output);
    }
    for (const SOp& op : segment_) {
      live.push_back(op.input);
      live.push_back(op.expected);
      live.push_back(op.output);
    }
    live.push_back(cut_);
    for (std::size_t i = 0; i < frontier_.size(); ++i) live.push_back(frontier_.state(i));
    const std::vector<std::uint32_t> remap = values_.compact(std::move(live));
    for (std::vector<SOp>* ops : {&ops_, &segment_}) {
      for (SOp& op : *ops) {
        op.input = remap[op.input];
        op.expected = remap[op.expected];
        op.output = remap[op.output];
      }
    }
    initial_ = remap[initial_];
    cut_ = remap[cut_];
    for (Observer& obs : observers_) obs.want = remap[obs.want];  // an open operation's value: live
    for (Observer& obs : future_) obs.want = remap[obs.want];     // a queued operation's value: live
    for (std::uint32_t& want : doom_wants_) want = remap[want];
    ConfigSet rebuilt(frontier_.words());
    for (std::size_t i = 0; i < frontier_.size(); ++i) {
      rebuilt.insert(remap[frontier_.state(i)], frontier_.meta(i), frontier_.bits(i));
    }
    frontier_ = std::move(rebuilt);
    live_values_ = values_.size();
  }

  std::string describe(const SOp& op) const {
    std::string what;
    switch (op.fn) {
      case Fn::read: what = "read -> " + show_value(values_.value(op.output)); break;
      case Fn::write: what = "write " + show_value(values_.value(op.input)); break;
      case Fn::append: what = "append " + show_value(values_.value(op.input)); break;
      case Fn::cas:
        what = fmt::format("cas {} -> {}", show_value(values_.value(op.expected)), show_value(values_.value(op.input)));
        if (!op.info) what += op.cas_succeeded ? " (succeeded)" : " (compare did not match)";
        break;
    }
    return fmt::format("id {} process {}: {} [invoke {}, complete {}{}]", op.id, op.process, what,
                       show_time(op.invoke_time), show_time(op.info ? Operation::kNever : op.complete_time),
                       op.info ? ", outcome unknown" : "");
  }

  // `at_invoke`: the operation, just invoked, can see its value in no configuration; otherwise it cannot be
  // linearized by its completion.
  void refute(const SOp& o, bool at_invoke) {
    status_ = KeyStatus::refuted;
    reason_ = fmt::format("key {}: operation id {} cannot be linearized ({} other open operations)",
                          show_key(name_), o.id, movers_.size() + forced_.size() - (at_invoke ? 0 : 1));
    LinWitness w;
    w.key = name_;
    w.ops.push_back(o.id);
    w.text = fmt::format(
        "key {}: no linearization of the key's operations {} this one:\n  {}\n"
        "the values the key can hold at that point ({} configurations):",
        show_key(name_), at_invoke ? "lets it see its value, from the invoke of" : "up to the completion of",
        describe(o), frontier_.size());
    constexpr std::size_t kShown = 8;
    std::vector<std::uint32_t> states;
    for (std::size_t i = 0; i < frontier_.size(); ++i) states.push_back(frontier_.state(i));
    std::sort(states.begin(), states.end());
    states.erase(std::unique(states.begin(), states.end()), states.end());
    for (std::size_t i = 0; i < std::min(kShown, states.size()); ++i) w.text += " " + show_value(values_.value(states[i]));
    if (states.size() > kShown) w.text += fmt::format(" and {} more", states.size() - kShown);
    w.text += "\nthe operations open at that point, that could have been ordered before it:\n";
    std::vector<std::uint32_t> others;
    for (std::uint32_t b = 0; b < open_.size(); ++b) {
      if (open_[b] != kNone && b != o.bit) others.push_back(open_[b]);
    }
    std::sort(others.begin(), others.end(), [&](std::uint32_t a, std::uint32_t c) {
      return ops_[a].invoke_time < ops_[c].invoke_time;
    });
    constexpr std::size_t kListed = 40;
    for (std::size_t i = 0; i < std::min(kListed, others.size()); ++i) {
      w.ops.push_back(ops_[others[i]].id);
      w.text += "  " + describe(ops_[others[i]]) + "\n";
    }
    if (others.size() > kListed) w.text += fmt::format("  and {} more\n", others.size() - kListed);
    witness_ = std::move(w);
    frontier_.release();
  }

  std::string name_;
  const StreamLimits& limits_;
  Steps& steps_;
  KeyCheckScratch& scratch_;  // the batch searches' buffers, shared by the keys (try_restart)
  Values values_;
  std::uint32_t initial_ = 0;
  std::size_t live_values_ = 0;
  std::vector<SOp> ops_;
  std::vector<std::uint32_t> free_ops_;
  EventQueue queue_;  // slot * 2 (+1 for a completion), in time order
  std::vector<std::uint32_t> open_;  // bit -> slot, kNone if free
  std::vector<std::uint32_t> free_bits_;  // a min-heap, so bitsets stay narrow
  std::vector<std::uint32_t> forced_;     // bits of the open forced-kind operations
  std::vector<std::uint32_t> movers_;     // bits of the other open operations
  struct Observer {
    std::uint32_t bit;
    std::uint32_t want;                   // the value it must see
    std::vector<std::uint32_t> starters;  // bits of the open resets whose value is a prefix of `want`
    // Slots of such resets invoked after the observer but not processed yet: until they are, the
    // observer cuts nothing (a dropped one frees its slot, which a later operation may reuse: then the
    // observer waits for that one too, which is only less pruning).
    std::vector<std::uint32_t> later;
    bool waits_for_later(const std::vector<SOp>& ops) const {
      return std::any_of(later.begin(), later.end(), [&](std::uint32_t slot) { return ops[slot].bit == kNone && ops[slot].fn != Fn::read; });
    }
  };
  std::vector<Observer> observers_;       // the open reads and matching cas with a known outcome
  std::vector<Observer> future_;          // queued ones, during a completion (collect_future)
  std::size_t queued_observers_ = 0;      // invokes of observers with a known outcome in the queue
  std::uint32_t doom_ = kNone;            // during a completion (collect_doom)
  std::vector<std::uint32_t> doom_wants_;
  bool flushing_ = false;                 // finish(): no completion is held any more
  ConfigSet frontier_;
  ConfigSet explored_;
  ConfigSet next_;  // complete_now's new frontier (scratch)
  // Scratch buffers of complete_now, subsume and info_mask, kept so a completion allocates nothing.
  std::vector<std::uint64_t> scratch_bits_;
  std::vector<std::uint64_t> scratch_retirable_;
  std::vector<std::uint32_t> scratch_stack_;
  std::vector<std::uint64_t> scratch_mask_;
  std::vector<std::uint32_t> scratch_order_;
  std::vector<char> scratch_gone_;
  ConfigSet scratch_set_;   // open()'s closed frontier
  std::vector<std::uint32_t> scratch_still_open_;  // maybe_cut's
  std::vector<char> scratch_reopen_;               // try_restart's
  std::vector<KeyOpIds> scratch_segment_ids_;       // try_restart's
  ConfigSet scratch_kept_;  // subsume()'s result
  KeyStatus status_ = KeyStatus::running;
  std::string reason_;
  std::optional<LinWitness> witness_;
  std::size_t constraining_ = 0;
  std::size_t frontier_peak_ = 1;
  std::uint64_t seq_ = 0;  // events processed
  bool batch_ = false;
  std::vector<SOp> segment_;                // the key's operations since the last cut (see to_batch), as added
  struct SlotRef {
    std::uint32_t slot;  // an info operation's slot (kNone for the others), valid while its gen is unchanged
    std::uint32_t gen;
  };
  std::vector<SlotRef> segment_slots_;      // one per segment_ entry
  std::vector<SOp> spare_segment_;          // try_restart's buffers (empty between calls)
  std::vector<SlotRef> spare_slots_;
  std::int64_t segment_max_complete_ = std::numeric_limits<std::int64_t>::min();  // of its non-info ops
  std::size_t live_open_ = 0;               // non-info operations invoked and not completed (processed)
  std::uint32_t solo_ = kNone;              // batch: the candidate last operation of the segment (try_restart)
  std::size_t restart_after_ = 0;           // batch: no restart attempt before the segment has this many
  std::size_t restarts_ = 0;
  std::size_t batch_fallbacks_ = 0;
  std::size_t batch_backoff_ = 0;
  std::size_t batch_cuts_left_ = 0;         // batch: cuts to take in batch mode before streaming again
  std::uint32_t cut_ = 0;                   // the value at the last cut (kept live by collect_values)
};

// id -> (key, slot) of the operations in flight: open addressing with linear probing and backward-shift
// deletion (no tombstones), so an operation's invoke and completion allocate nothing (the node-based map
// before allocated and freed a node per operation, on every event of a run's client history).
class InFlight {
 public:
  std::size_t size() const { return count_; }
  std::size_t bytes() const { return entries_.capacity() * sizeof(Entry); }
  // False if `id` is in flight already.
  bool insert(std::uint64_t id, std::uint32_t key, std::uint32_t slot) {
    RAFTSIM_ASSERT(key != kNone);
    if ((count_ + 1) * 2 > entries_.size()) grow();
    const std::size_t mask = entries_.size() - 1;
    for (std::size_t i = home(id);; i = (i + 1) & mask) {
      Entry& e = entries_[i];
      if (e.key == kNone) {
        e = {id, key, slot};
        ++count_;
        return true;
      }
      if (e.id == id) return false;
    }
  }
  // Removes `id` and returns its key and slot; false if it is not in flight.
  bool take(std::uint64_t id, std::uint32_t& key, std::uint32_t& slot) {
    if (count_ == 0) return false;
    const std::size_t mask = entries_.size() - 1;
    std::size_t i = home(id);
    for (;; i = (i + 1) & mask) {
      if (entries_[i].key == kNone) return false;
      if (entries_[i].id == id) break;
    }
    key = entries_[i].key;
    slot = entries_[i].slot;
    // Backward shift: an entry after the hole moves into it unless its home lies in (hole, entry].
    for (std::size_t j = (i + 1) & mask; entries_[j].key != kNone; j = (j + 1) & mask) {
      const std::size_t at = home(entries_[j].id);
      if (((j - at) & mask) >= ((j - i) & mask)) {
        entries_[i] = entries_[j];
        i = j;
      }
    }
    entries_[i].key = kNone;
    --count_;
    return true;
  }
  void clear() {
    entries_.clear();
    count_ = 0;
    shift_ = 64;
  }

 private:
  struct Entry {
    std::uint64_t id = 0;
    std::uint32_t key = kNone;  // kNone: empty
    std::uint32_t slot = 0;
  };
  // An entry's first slot: Fibonacci hashing (the top bits of id times 2^64 / phi). Ids are a run's
  // operation numbers, nearly consecutive, which this spreads evenly; mix64 cost three times as much and
  // take() computes it for every entry its backward shift passes (session 15, linfront).
  std::size_t home(std::uint64_t id) const {
    RAFTSIM_ASSERT(shift_ < 64 && entries_.size() == std::size_t{1} << (64 - shift_));
    return static_cast<std::size_t>((id * 0x9E3779B97F4A7C15ULL) >> shift_);
  }
  void grow() {
    std::vector<Entry> old = std::move(entries_);
    entries_.assign(std::max<std::size_t>(16, old.size() * 2), Entry{});
    shift_ = 64 - static_cast<unsigned>(std::countr_zero(entries_.size()));
    count_ = 0;
    for (const Entry& e : old) {
      if (e.key != kNone) insert(e.id, e.key, e.slot);
    }
  }
  std::vector<Entry> entries_;
  std::size_t count_ = 0;
  unsigned shift_ = 64;  // 64 - log2(entries_.size()) (64 while empty)
};

// Finds a key's index from a string_view without building a std::string.
struct NameHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

}  // namespace stream_detail

using stream_detail::Key;
using stream_detail::KeyStatus;
using stream_detail::Steps;

struct LinearizabilityStream::Impl {
  std::optional<std::string> initial;
  StreamLimits limits;
  Steps steps;
  KeyCheckScratch scratch;  // check_key_linearizability's buffers, for every key's cuts
  std::vector<std::unique_ptr<Key>> keys;  // in order of first appearance
  std::vector<std::string> names;          // keys[i]'s name (key_of's scan)
  std::unordered_map<std::string, std::uint32_t, stream_detail::NameHash, std::equal_to<>> key_index;
  stream_detail::InFlight in_flight;
  std::optional<std::uint32_t> first_refuted;
  bool finished = false;

  // The index of `name`'s key, made at its first operation. A run's histories have a few keys (the
  // 64-client benchmark five): those are found by a scan of their names, compared inline (length, then
  // bytes); the map's lookup (libstdc++ scans a small map too, comparing through memcmp) was 1.2% of that
  // run's check (session 15, linfront). Histories with many keys use the map.
  static constexpr std::size_t kScanMax = 8;
  static bool same_name(const std::string& a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < b.size(); ++i) {
      if (a[i] != b[i]) return false;
    }
    return true;
  }
  std::uint32_t key_of(std::string_view name) {
    if (names.size() <= kScanMax) {
      for (std::uint32_t i = 0; i < names.size(); ++i) {
        if (same_name(names[i], name)) return i;
      }
    } else if (const auto it = key_index.find(name); it != key_index.end()) {  // (emplace would copy the name)
      return it->second;
    }
    const auto k = static_cast<std::uint32_t>(keys.size());
    const bool fresh = key_index.emplace(name, k).second;
    RAFTSIM_ASSERT(fresh);
    names.emplace_back(name);
    keys.push_back(std::make_unique<Key>(std::string(name), initial, limits, steps, scratch));
    RAFTSIM_ASSERT(keys.size() == key_index.size() && keys.size() == names.size());
    return k;
  }

  std::pair<Key*, std::uint32_t> take(std::uint64_t id) {
    std::uint32_t k = 0, slot = 0;
    const bool found = in_flight.take(id, k, slot);
    RAFTSIM_ASSERT_MSG(found, "a completion without its invoke");
    return {keys[k].get(), slot};
  }
  void note(Key* key) {
    if (!first_refuted && key->status() == KeyStatus::refuted) {
      for (std::uint32_t i = 0; i < keys.size(); ++i) {
        if (keys[i].get() == key) first_refuted = i;
      }
    }
  }
};

LinearizabilityStream::LinearizabilityStream(std::optional<std::string> initial_value, const StreamLimits& limits)
    : impl_(std::make_unique<Impl>()) {
  impl_->initial = std::move(initial_value);
  impl_->limits = limits;
  impl_->steps.max = limits.steps_max;
}

LinearizabilityStream::~LinearizabilityStream() = default;

void LinearizabilityStream::invoke(std::uint64_t id, std::uint64_t process, Operation::Fn fn, std::string_view key,
                                   std::optional<std::string_view> input, std::optional<std::string_view> expected,
                                   std::int64_t time) {
  RAFTSIM_ASSERT(!impl_->finished);
  const std::uint32_t k = impl_->key_of(key);
  const std::uint32_t slot = impl_->keys[k]->invoke(id, process, fn, input, expected, time);
  const bool fresh = impl_->in_flight.insert(id, k, slot);
  RAFTSIM_ASSERT_MSG(fresh, "two operations in flight with the same id");
}

void LinearizabilityStream::ok(std::uint64_t id, std::optional<std::string_view> output, bool cas_succeeded,
                               std::int64_t time) {
  auto [key, slot] = impl_->take(id);
  key->ok(slot, output, cas_succeeded, time);
  impl_->note(key);
}

void LinearizabilityStream::fail(std::uint64_t id) {
  auto [key, slot] = impl_->take(id);
  key->fail(slot);
  impl_->note(key);
}

void LinearizabilityStream::info(std::uint64_t id) {
  auto [key, slot] = impl_->take(id);
  key->info(slot);
  impl_->note(key);
}

bool LinearizabilityStream::refuted() const { return impl_->first_refuted.has_value(); }

std::size_t LinearizabilityStream::memory_bytes() const {
  std::size_t total = impl_->in_flight.bytes();
  for (const auto& k : impl_->keys) total += k->bytes() + k->name().size() + 64;
  return total;
}

std::size_t LinearizabilityStream::frontier_peak() const {
  std::size_t peak = 0;
  for (const auto& k : impl_->keys) peak = std::max(peak, k->frontier_peak());
  return peak;
}

std::size_t LinearizabilityStream::batch_fallbacks() const {
  std::size_t n = 0;
  for (const auto& k : impl_->keys) n += k->batch_fallbacks();
  return n;
}

std::size_t LinearizabilityStream::restarts() const {
  std::size_t n = 0;
  for (const auto& k : impl_->keys) n += k->restarts();
  return n;
}

LinResult LinearizabilityStream::finish() {
  RAFTSIM_ASSERT(!impl_->finished);
  impl_->finished = true;
  impl_->in_flight.clear();
  for (const auto& k : impl_->keys) {
    k->finish();
    impl_->note(k.get());
  }
  LinResult result;
  std::vector<std::pair<std::string, std::vector<std::string>>> stopped;  // reason -> keys
  for (const auto& k : impl_->keys) {
    result.operations += k->operations();
    if (k->status() == KeyStatus::running) {
      if (k->operations() > 0) ++result.keys_checked;
    } else if (k->status() == KeyStatus::stopped) {
      auto it = std::find_if(stopped.begin(), stopped.end(), [&](const auto& s) { return s.first == k->reason(); });
      if (it == stopped.end()) it = stopped.insert(stopped.end(), {k->reason(), {}});
      it->second.push_back(stream_detail::show_key(k->name()));
    }
  }
  if (impl_->first_refuted) {
    const Key& k = *impl_->keys[*impl_->first_refuted];
    ++result.keys_checked;
    result.verdict = LinVerdict::not_linearizable;
    result.reason = k.reason();
    result.witness = k.witness();
    return result;
  }
  if (!stopped.empty()) {
    result.verdict = LinVerdict::unknown;
    for (const auto& [limit, keys] : stopped) {
      if (!result.reason.empty()) result.reason += "; ";
      result.reason += fmt::format("{} on key{} ", limit, keys.size() == 1 ? "" : "s");
      constexpr std::size_t kNamedMax = 10;
      for (std::size_t i = 0; i < std::min(keys.size(), kNamedMax); ++i) result.reason += (i == 0 ? "" : ", ") + keys[i];
      if (keys.size() > kNamedMax) result.reason += fmt::format(" and {} more", keys.size() - kNamedMax);
    }
  }
  return result;
}

LinResult check_linearizability_streaming(const History& history, const StreamLimits& limits, StreamStats* stats) {
  struct Event {
    std::int64_t time;
    bool is_return;
    std::uint32_t op;
  };
  std::vector<Event> events;
  events.reserve(2 * history.operations.size());
  for (std::uint32_t i = 0; i < history.operations.size(); ++i) {
    const Operation& op = history.operations[i];
    events.push_back({op.invoke_time, false, i});
    if (op.outcome != Operation::Outcome::info) events.push_back({op.complete_time, true, i});
  }
  // At equal times calls go first: the operations count as concurrent, as the batch checker reads ties.
  std::sort(events.begin(), events.end(), [](const Event& a, const Event& b) {
    if (a.time != b.time) return a.time < b.time;
    if (a.is_return != b.is_return) return !a.is_return;
    return a.op < b.op;
  });
  LinearizabilityStream stream(history.initial_value, limits);
  for (const Event& e : events) {
    const Operation& op = history.operations[e.op];
    if (!e.is_return) {
      stream.invoke(e.op, op.process, op.fn, op.key, op.input, op.expected, op.invoke_time);
      if (op.outcome == Operation::Outcome::info) stream.info(e.op);
    } else if (op.outcome == Operation::Outcome::ok) {
      stream.ok(e.op, op.output, op.cas_succeeded, op.complete_time);
    } else {
      stream.fail(e.op);
    }
  }
  LinResult r = stream.finish();
  if (stats != nullptr) {
    stats->batch_fallbacks = stream.batch_fallbacks();
    stats->restarts = stream.restarts();
    stats->frontier_peak = stream.frontier_peak();
  }
  return r;
}

}  // namespace checkers
