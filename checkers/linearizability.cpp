#include "checkers/linearizability.h"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
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

// Whether two bitsets of `n` words are equal: a loop, not memcmp (std::equal on words is memcmp too), whose
// call costs more than the three or four words the searches compare (10% of the batch search's time).
inline bool same_words(const std::uint64_t* a, const std::uint64_t* b, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    if (a[i] != b[i]) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------------------
// The values of one key, interned so model states are small integers. Id 0 is nil; id 1 is the dead state.
//
// State equivalence (the dead state): a value that no operation of the key observes - no read returned
// it, no cas compared against it, and, on a key with appends, it is not a prefix of such a value - can
// never be seen again: reads and matching cas fail on it, a cas whose compare failed leaves it alone, an
// append turns it into another such value (if s + a were a prefix of an observed value, so would s be),
// and only a write or a matching cas leaves it. All such values therefore behave the same under every
// sequence of operations, and the search folds them into one state, kDead: configurations that differ
// only in which unobserved value the key holds are explored once. This is what keeps many concurrent
// appends cheap when a write overwrites them before any read (their orders all give unobserved values),
// and writes nobody reads from multiplying the states.

class ValueTable {
 public:
  static constexpr std::uint32_t kNil = 0;
  static constexpr std::uint32_t kDead = 1;

  // Flat (session 15): the texts in one arena, an open-addressing index of ids and open-addressing memos,
  // so interning a value or memoizing an append allocates nothing per value. The streaming checker runs a
  // search at every cut of a key in batch mode (hundreds per simulated minute at 64 clients), and the
  // node-based maps and one std::string per value (twice) were a third of each search's set-up and
  // teardown. Ids are given in the same order as before, so the searches are the same.
  // Borrowed texts (session 16, linsetup2): a value interned from the caller's text is not copied: the
  // table points at it (intern_text: the caller keeps it alive and unchanged while the table lives, as the
  // History and the streaming checker's values are during a check). Only the values appends make are
  // copied, into blocks that never move. Copying every value of a segment was most of interning's cost.
  ValueTable() : spans_(2, Span{nullptr, 0}), hashes_(2, TextHash{}) {}

  // Back to a new table's state (nil and the dead state only), keeping the capacities (KeyCheckScratch).
  void clear() {
    spans_.resize(2);
    hashes_.resize(2);
    index_.clear();  // (reserve or the first intern sizes it again, in the same capacity)
    appended_.clear();
    blocks_.clear();
    block_next_ = nullptr;
    block_left_ = 0;
    bytes_ = 0;
    prefixes_ = false;
    observed_.clear();
    headed_.clear();
    relevant_.clear();
  }

  // Declares the values the key's operations observe (read outputs, cas expected values) and whether the
  // key has appends (then prefixes of them count as observed too). Call once, before canon().
  void set_observed(const std::vector<std::uint32_t>& observed, bool prefixes) {
    prefixes_ = prefixes;
    // Distinct ids are distinct values: duplicates go first, marked by id in relevant_ (an observed value
    // is observable, its own prefix: canon() knows these without a search), so that only distinct values
    // are sorted by text (many reads see the same value, and values built by appends share long prefixes).
    RAFTSIM_ASSERT(relevant_.empty() && observed_.empty());
    relevant_.assign(spans_.size(), -1);
    std::vector<Headed>& headed = headed_;
    headed.clear();
    for (std::uint32_t id : observed) {
      if (id == kNil || id == kDead || relevant_[id] == 1) continue;
      relevant_[id] = 1;
      headed.push_back({head(text(id)), id});
    }
    // By text, through each value's first 8 bytes as a big-endian number (zero-padded): where those
    // differ they order the values as their texts do (a padding zero is at most any byte, and where it
    // meets a real byte the shorter value is a prefix of the longer), so the full texts are compared only
    // on a tie. The same order, with most comparisons in a flat array instead of two loads and a memcmp
    // call (session 15, linsetup: this sort was most of prepare_states at the streaming check's cuts).
    std::sort(headed.begin(), headed.end(), [&](const Headed& a, const Headed& b) {
      return a.head != b.head ? a.head < b.head : text(a.id) < text(b.id);
    });
    observed_.resize(headed.size());
    for (std::size_t i = 0; i < headed.size(); ++i) observed_[i] = headed[i].id;
    bytes_ += observed_.size() * sizeof(std::uint32_t);  // (as before headed_: the limit's verdicts stay)
  }

  // The state a value stands for: itself if some operation can observe it, else kDead. Nil is kept (it is
  // the initial value and a prefix of everything an append makes).
  std::uint32_t canon(std::uint32_t id) {
    if (id == kNil || id == kDead) return id;
    if (id >= relevant_.size()) relevant_.resize(id + 1, -1);
    if (relevant_[id] < 0) relevant_[id] = observable(text(id)) ? 1 : 0;
    return relevant_[id] != 0 ? id : kDead;
  }

  // Whether `s` occurs in some observed value (used to drop info appends that nobody can see).
  bool occurs_in_observed(std::string_view s, std::size_t& work_left) const {
    for (std::uint32_t id : observed_) {
      const std::string_view v = text(id);
      if (v.size() > work_left) {
        work_left = 0;
        return true;  // too costly to tell: assume it does (keeping an operation is always sound)
      }
      work_left -= v.size();
      if (v.find(s) != std::string_view::npos) return true;
    }
    return false;
  }

  std::uint32_t intern(const std::optional<std::string>& v) { return v ? intern_text(*v) : kNil; }
  // (The table borrows the text: a temporary would leave it dangling.)
  std::uint32_t intern(std::optional<std::string>&&) = delete;

  // Room for about `n` values without growing (a segment's operations mostly bring one new value each).
  void reserve(std::size_t n) {
    spans_.reserve(spans_.size() + n);
    hashes_.reserve(hashes_.size() + n);
    std::size_t slots = kIndexMin;
    while (slots < 2 * (spans_.size() + n)) slots *= 2;
    if (slots > index_.size()) rebuild_index(slots);
  }

  static constexpr std::uint32_t kAbsent = 0xFFFFFFFFu;
  // The id of value `v` (never nil) if it is interned, else kAbsent.
  std::uint32_t find(std::string_view v) const {
    if (index_.empty()) return kAbsent;
    const std::uint64_t h = hash_text(v).hash;
    const std::size_t mask = index_.size() - 1;
    for (std::size_t i = splitmix64(h) & mask; index_[i] != kEmpty; i = (i + 1) & mask) {
      const std::uint32_t id = index_[i];
      if (hashes_[id].hash == h && text(id) == v) return id;
    }
    return kAbsent;
  }
  // Ids are below this.
  std::size_t size() const { return spans_.size(); }

  // intern() of a value given as text (never nil), hashed here. The table keeps pointing at `v`'s text
  // (see the constructor): it must outlive the table.
  std::uint32_t intern_text(std::string_view v) { return intern_parts(v, std::string_view(), hash_text(v)); }
  // The same with the value's hash_text given (check_key_linearizability: the caller's).
  std::uint32_t intern_text(std::string_view v, TextHash th) {
    if (RAFTSIM_DEBUG_INVARIANTS) {
      const TextHash direct = hash_text(v);
      RAFTSIM_ASSERT(direct.hash == th.hash && direct.power == th.power);
    }
    return intern_parts(v, std::string_view(), th);
  }

  // The state after appending value `arg` to state `state`, memoized: appends are applied over and over
  // during backtracking. nil counts as "". The joined value is hashed from its parts' hashes and built only
  // if new (session 15, linsetup).
  std::uint32_t append(std::uint32_t state, std::uint32_t arg) {
    const std::uint64_t key = (static_cast<std::uint64_t>(state) << 32) | arg;
    if (const std::uint32_t found = appended_.find(key); found != Memo::kAbsent) return found;
    const TextHash hs = hashes_[state];  // (nil: hash_text(""))
    const TextHash ha = hashes_[arg];
    const std::uint32_t id =
        intern_parts(text_or_empty(state), text_or_empty(arg), {hs.hash * ha.power + ha.hash, hs.power * ha.power});
    appended_.insert(key, id);
    bytes_ += 32;
    return id;
  }

  // The value of `id`: nullopt for nil. Valid until the next intern.
  std::optional<std::string_view> value(std::uint32_t id) const {
    RAFTSIM_ASSERT_MSG(id != kDead, "the dead state stands for many values");
    if (id == kNil) return std::nullopt;
    return text(id);
  }
  // The value of `id` as appends read it (nil: ""). Valid until the next intern.
  std::string_view appended_text(std::uint32_t id) const {
    RAFTSIM_ASSERT_MSG(id != kDead, "the dead state stands for many values");
    return text_or_empty(id);
  }
  // hash_text of the value of a non-nil `id` (kept since it was interned: never recomputed).
  std::uint64_t text_hash(std::uint32_t id) const {
    RAFTSIM_ASSERT(id != kDead && id != kNil && id < hashes_.size());
    return hashes_[id].hash;
  }
  std::size_t bytes() const { return bytes_; }


 private:
  struct Span {
    const char* data;
    std::uint32_t length;
  };
 public:
  // (uint64 key -> uint32 value), open addressing with linear probing; nothing is ever removed. (Public:
  // KeySearch keeps one too.)
  class Memo {
   public:
    static constexpr std::uint32_t kAbsent = 0xFFFFFFFFu;
    std::uint32_t find(std::uint64_t key) const {
      if (slots_.empty()) return kAbsent;
      const std::size_t mask = slots_.size() - 1;
      for (std::size_t i = splitmix64(key) & mask;; i = (i + 1) & mask) {
        if (slots_[i].key == key) return slots_[i].value;
        if (slots_[i].key == kEmptyKey) return kAbsent;
      }
    }
    // Empty again; a small table keeps its slots (KeyCheckScratch: the next search's first growths are free).
    void clear() {
      if (slots_.size() > kKeptSlots) {
        slots_ = std::vector<Slot>();
      } else {
        std::fill(slots_.begin(), slots_.end(), Slot{kEmptyKey, 0});
      }
      count_ = 0;
    }
    // `key` is not in the memo (find said so).
    void insert(std::uint64_t key, std::uint32_t value) {
      RAFTSIM_ASSERT(key != kEmptyKey && value != kAbsent);
      if (2 * (count_ + 1) > slots_.size()) grow();
      put(key, value);
      ++count_;
    }

   private:
    struct Slot {
      std::uint64_t key;
      std::uint32_t value;
    };
    static constexpr std::uint64_t kEmptyKey = ~std::uint64_t{0};  // ids (2^32 - 1, 2^32 - 1): never asked
    static constexpr std::size_t kKeptSlots = 256;
    void put(std::uint64_t key, std::uint32_t value) {
      const std::size_t mask = slots_.size() - 1;
      std::size_t i = splitmix64(key) & mask;
      while (slots_[i].key != kEmptyKey) i = (i + 1) & mask;
      slots_[i] = Slot{key, value};
    }
    void grow() {
      std::vector<Slot> old(std::max<std::size_t>(16, 2 * slots_.size()), Slot{kEmptyKey, 0});
      old.swap(slots_);
      for (const Slot& s : old) {
        if (s.key != kEmptyKey) put(s.key, s.value);
      }
    }
    std::vector<Slot> slots_;
    std::size_t count_ = 0;
  };

 private:
  static constexpr std::uint32_t kEmpty = 0;  // an empty index slot (ids 0 and 1 are never indexed)
  static constexpr std::size_t kIndexMin = 16;

  std::string_view text(std::uint32_t id) const {
    const Span sp = spans_[id];
    return std::string_view(sp.data, sp.length);
  }
  std::string_view text_or_empty(std::uint32_t id) const { return id == kNil ? std::string_view() : text(id); }

  // The id of the text a + b (never nil; hash_text(a + b) is th), interned if new. If one part is empty
  // the new value is the other one, borrowed (it is the caller's text, or already the table's); else the
  // two are joined in the table's blocks.
  std::uint32_t intern_parts(std::string_view a, std::string_view b, TextHash th) {
    if (2 * (spans_.size() + 1) > index_.size()) rebuild_index(std::max(kIndexMin, 2 * index_.size()));
    const std::size_t mask = index_.size() - 1;
    const std::size_t length = a.size() + b.size();
    std::size_t i = splitmix64(th.hash) & mask;
    for (; index_[i] != kEmpty; i = (i + 1) & mask) {
      const std::uint32_t id = index_[i];
      if (hashes_[id].hash != th.hash || spans_[id].length != length) continue;
      const std::string_view t = text(id);
      if (t.substr(0, a.size()) == a && t.substr(a.size()) == b) return id;
    }
    RAFTSIM_ASSERT_MSG(length <= 0xFFFFFFFFu && spans_.size() < kAbsent,
                       "a key's values exceed the value table's 32-bit lengths and ids");
    const auto id = static_cast<std::uint32_t>(spans_.size());
    index_[i] = id;
    const char* data = b.empty() ? a.data() : a.empty() ? b.data() : join(a, b);
    spans_.push_back({data, static_cast<std::uint32_t>(length)});
    hashes_.push_back(th);
    if (RAFTSIM_DEBUG_INVARIANTS) {
      const TextHash direct = hash_text(text(id));
      RAFTSIM_ASSERT(direct.hash == th.hash && direct.power == th.power);
    }
    bytes_ += 2 * length + 96;  // (the accounting of the node-based table before: the memory limit's
                                // verdicts stay the same)
    return id;
  }

  // a + b copied into the blocks (a and b may be texts of the table: blocks never move).
  static constexpr std::size_t kBlockBytes = 4096;
  const char* join(std::string_view a, std::string_view b) {
    const std::size_t length = a.size() + b.size();
    if (length > block_left_) {
      const std::size_t size = std::max(kBlockBytes, length);
      blocks_.push_back(std::unique_ptr<char[]>(new char[size]));
      block_next_ = blocks_.back().get();
      block_left_ = size;
    }
    char* to = block_next_;
    std::memcpy(to, a.data(), a.size());
    std::memcpy(to + a.size(), b.data(), b.size());
    block_next_ += length;
    block_left_ -= length;
    return to;
  }

  void rebuild_index(std::size_t slots) {
    index_.assign(slots, kEmpty);
    const std::size_t mask = slots - 1;
    for (std::uint32_t id = 2; id < spans_.size(); ++id) {
      std::size_t i = splitmix64(hashes_[id].hash) & mask;
      while (index_[i] != kEmpty) i = (i + 1) & mask;
      index_[i] = id;
    }
  }

  std::vector<std::unique_ptr<char[]>> blocks_;  // the texts appends made (join), never moved
  char* block_next_ = nullptr;                   // the free part of the last block
  std::size_t block_left_ = 0;
  std::vector<Span> spans_;           // id -> its text, borrowed or in blocks_ (ids 0 and 1: none)
  std::vector<TextHash> hashes_;      // id -> hash_text of its text (ids 0 and 1: that of "")
  std::vector<std::uint32_t> index_;  // open addressing over the texts: ids, kEmpty for a free slot
  Memo appended_;
  std::size_t bytes_ = 0;
  bool prefixes_ = false;
  std::vector<std::uint32_t> observed_;  // ids of the observed values, sorted by value, distinct
  struct Headed {
    std::uint64_t head;  // head() of the value
    std::uint32_t id;
  };
  std::vector<Headed> headed_;  // observed_ with their heads, in the same order (observable's search)
  // The first 8 bytes of `v` as a big-endian number, zero-padded: a < b for the numbers implies a < b for
  // the texts (see set_observed).
  // (A value of 8 bytes or more: one load and, on a little-endian host, a byte swap; a shorter one: its
  // bytes only, then shifted into place. Heads are taken for every value canon() and set_observed() see;
  // the loop over all eight bytes with a test for each was a third of observable's cost.)
  static std::uint64_t head(std::string_view v) {
    const std::size_t n = v.size();
    if (n >= 8) {
      if constexpr (std::endian::native == std::endian::little) {
        std::uint64_t h = 0;
        std::memcpy(&h, v.data(), sizeof h);
        return __builtin_bswap64(h);
      }
    }
    std::uint64_t h = 0;
    const std::size_t m = std::min<std::size_t>(8, n);
    for (std::size_t i = 0; i < m; ++i) h = (h << 8) | static_cast<unsigned char>(v[i]);
    return m == 0 ? 0 : h << (8 * (8 - m));
  }
  std::vector<std::int8_t> relevant_;    // id -> 1 observable, 0 not, -1 not computed yet

  bool observable(std::string_view v) const {
    // The first observed value not below v, found through the heads as set_observed sorted them.
    const std::uint64_t hv = head(v);
    const auto at = std::lower_bound(headed_.begin(), headed_.end(), v, [&](const Headed& o, std::string_view x) {
      return o.head != hv ? o.head < hv : text(o.id) < x;
    });
    if (at == headed_.end()) return false;
    return prefixes_ ? text(at->id).starts_with(v) : text(at->id) == v;
  }
};

// One operation of a key, with its values interned.
struct KeyOp {
  std::size_t index = 0;  // into History::operations
  Fn fn = Fn::read;
  bool info = false;
  bool killer = false;  // an info op that can only hide the value (see prepare_states); lazily linearized
  bool cas_succeeded = true;
  std::uint32_t input = 0;
  std::uint32_t result = 0;  // write and cas: the state they leave, input or ValueTable::kDead
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
      next = op.result;
      return true;
    case Fn::append:
      next = state == ValueTable::kDead ? state : values.canon(values.append(state, op.input));
      return true;
    case Fn::cas:
      if (state == op.expected) {
        next = op.result;
        return op.cas_succeeded;
      }
      next = state;
      return !op.cas_succeeded;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------------------
// The memo of explored configurations (Lowe 2017, section 4), with subsumption on info operations.
//
// A configuration is (R, I, s): the linearized operations with a known outcome R, the linearized info
// operations I, and the model state s. Lowe prunes a configuration seen before. We also prune (R, I', s)
// once some (R, I, s) with I a subset of I' was seen: info operations are optional and have no return
// event, so every continuation of (R, I', s) is also a continuation of (R, I, s), with the same length.
// The search stays complete: if it failed, take the visited configuration C with a completion that has the
// fewest steps; the next configuration on that completion was either visited (fewer steps: contradiction)
// or pruned by a visited configuration that has a completion at least as short (contradiction again).
// Without this, a history with k pending info operations can revisit each state under 2^k subsets of them.
//
// Layout: an open-addressing table (linear probing) keyed by (R, s) whose entries are groups; a group holds
// its R bitset and a list of the minimal I bitsets seen with it (an antichain: a new I removes the
// supersets of it). Bitsets live in arenas. Memory is predicted before every growth so the limit holds.

// The memory limit of the whole check, shared by the keys being searched (round-robin, see
// check_linearizability): each cache charges what it holds here, so the limit bounds their sum.
struct MemoryBudget {
  std::size_t limit = 0;
  std::size_t used = 0;
};

class ConfigCache {
 public:
  enum class Added : std::uint8_t { added, subsumed, over_memory };

  ConfigCache(std::size_t req_words, std::size_t info_words, MemoryBudget& budget)
      : req_words_(req_words), info_words_(info_words), budget_(budget) {
    RAFTSIM_ASSERT(req_words_ > 0);
  }
  ~ConfigCache() {
    RAFTSIM_ASSERT(budget_.used >= charged_);
    budget_.used -= charged_;
  }
  ConfigCache(const ConfigCache&) = delete;
  ConfigCache& operator=(const ConfigCache&) = delete;

  // `hash` covers (R, s). `extra_bytes`: memory the same search uses elsewhere (interned values), counted
  // against the limit.
  Added add(std::uint64_t hash, const std::uint64_t* req, const std::uint64_t* info, std::uint32_t state,
            std::size_t extra_bytes) {
    extra_bytes_ = extra_bytes;
    const Added added = add_unsynced(hash, req, info, state);
    // What this search holds now, charged to the shared budget. (held_: bytes(), kept up to date where
    // a capacity changes, grow_table and reserve, rather than summed at every step.)
    if (RAFTSIM_DEBUG_INVARIANTS) RAFTSIM_ASSERT(held_ == bytes());
    const std::size_t now = held_ + extra_bytes_;
    if (now != charged_) {
      budget_.used = budget_.used - charged_ + now;
      charged_ = now;
    }
    return added;
  }

  std::size_t size() const { return configs_; }
  std::size_t bytes() const {
    return slots_.capacity() * sizeof(Slot) + req_arena_.bytes() + group_head_.bytes() + info_arena_.bytes() +
           info_next_.bytes();
  }

 private:
  // Whether this search may hold `total` bytes: the others' share plus `total` within the limit.
  bool fits(std::size_t total) const { return budget_.used - charged_ + total <= budget_.limit; }

  Added add_unsynced(std::uint64_t hash, const std::uint64_t* req, const std::uint64_t* info, std::uint32_t state) {
    if ((groups_ + 1) * 2 > slots_.size() && !grow_table()) return Added::over_memory;
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
      Slot& slot = slots_[i];
      if (slot.group == 0) {
        const auto group = new_group(req);
        if (!group) return Added::over_memory;
        if (info_words_ > 0 && !push_info(*group, info)) return Added::over_memory;
        slot = Slot{hash, state, *group + 1};
        return Added::added;
      }
      if (slot.hash == hash && slot.state == state &&
          same_words(req, &req_arena_[(slot.group - 1) * req_words_], req_words_)) {
        return info_words_ == 0 ? Added::subsumed : add_info(slot.group - 1, info);
      }
    }
  }

  static constexpr std::uint32_t kEnd = 0xFFFFFFFFu;

  // A buffer that grows like a reserve()d vector (reserve below) but is written in place: no insert or
  // push_back bookkeeping per configuration, no zeroing. bytes(): what the vector's capacity charged.
  template <typename T>
  struct Arena {
    std::unique_ptr<T[]> data;
    std::size_t capacity = 0;
    T& operator[](std::size_t i) { return data[i]; }
    const T& operator[](std::size_t i) const { return data[i]; }
    std::size_t bytes() const { return capacity * sizeof(T); }
  };

  struct Slot {
    std::uint64_t hash = 0;
    std::uint32_t state = 0;
    std::uint32_t group = 0;  // 1 + group index; 0: empty slot
  };

  bool subset(const std::uint64_t* a, const std::uint64_t* b) const {
    for (std::size_t w = 0; w < info_words_; ++w) {
      if ((a[w] & ~b[w]) != 0) return false;
    }
    return true;
  }
  const std::uint64_t* info_bits(std::uint32_t node) const { return &info_arena_[node * info_words_]; }

  Added add_info(std::uint32_t group, const std::uint64_t* info) {
    std::uint32_t* link = &group_head_[group];
    while (*link != kEnd) {
      const std::uint32_t node = *link;
      if (subset(info_bits(node), info)) return Added::subsumed;
      if (subset(info, info_bits(node))) {  // the new set subsumes this one: drop it
        *link = info_next_[node];
        info_next_[node] = free_nodes_;
        free_nodes_ = node;
        continue;
      }
      link = &info_next_[node];
    }
    return push_info(group, info) ? Added::added : Added::over_memory;
  }

  std::optional<std::uint32_t> new_group(const std::uint64_t* req) {
    if (groups_ >= kEnd - 1) return std::nullopt;
    if (!reserve(req_arena_, groups_ * req_words_, req_words_) || !reserve(group_head_, groups_, 1)) {
      return std::nullopt;
    }
    std::uint64_t* to = &req_arena_[groups_ * req_words_];
    for (std::size_t w = 0; w < req_words_; ++w) to[w] = req[w];
    group_head_[groups_] = kEnd;
    ++configs_;
    return static_cast<std::uint32_t>(groups_++);
  }

  bool push_info(std::uint32_t group, const std::uint64_t* info) {
    std::uint32_t node = free_nodes_;
    if (node != kEnd) {
      free_nodes_ = info_next_[node];
      std::memcpy(&info_arena_[node * info_words_], info, info_words_ * sizeof(std::uint64_t));
    } else {
      if (info_nodes_ >= kEnd - 1) return false;
      if (!reserve(info_arena_, info_nodes_ * info_words_, info_words_) || !reserve(info_next_, info_nodes_, 1)) {
        return false;
      }
      node = static_cast<std::uint32_t>(info_nodes_++);
      std::memcpy(&info_arena_[node * info_words_], info, info_words_ * sizeof(std::uint64_t));
      info_next_[node] = kEnd;
    }
    info_next_[node] = group_head_[group];
    group_head_[group] = node;
    ++configs_;
    return true;
  }

  bool grow_table() {
    const std::size_t capacity = slots_.empty() ? 64 : slots_.size() * 2;
    // During the rehash the old and the new table coexist.
    if (!fits(bytes() + capacity * sizeof(Slot) + extra_bytes_)) return false;
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(capacity, Slot{});
    const std::size_t mask = capacity - 1;
    for (const Slot& s : old) {
      if (s.group == 0) continue;
      std::size_t i = s.hash & mask;
      while (slots_[i].group != 0) i = (i + 1) & mask;
      slots_[i] = s;
    }
    held_ = bytes();
    return true;
  }

  // Room for `more` elements after the `used` first of `v`, growing geometrically, if the memory limit
  // allows (a reallocation holds the old and the new buffer at once). The capacities grow as the
  // reserve()d vectors' did before (so bytes() and the memory limit's verdicts are the same), and new
  // entries are stored in place, without the vector's insert and push_back (a sixth of the cost of a new
  // configuration).
  template <typename T>
  bool reserve(Arena<T>& v, std::size_t used, std::size_t more) {
    RAFTSIM_ASSERT(used <= v.capacity);
    if (used + more <= v.capacity) return true;
    return grow(v, used, more);
  }
  template <typename T>
  bool grow(Arena<T>& v, std::size_t used, std::size_t more) {
    const std::size_t capacity = std::max({v.capacity * 2, used + more, std::size_t{256}});
    if (!fits(bytes() + capacity * sizeof(T) + extra_bytes_)) return false;
    std::unique_ptr<T[]> bigger(new T[capacity]);  // (uninitialized: only the used part is ever read)
    if (used > 0) std::memcpy(bigger.get(), v.data.get(), used * sizeof(T));
    v.data = std::move(bigger);
    v.capacity = capacity;
    held_ = bytes();
    return true;
  }

  std::size_t req_words_;
  std::size_t info_words_;
  MemoryBudget& budget_;
  std::size_t charged_ = 0;  // what this cache has charged to budget_
  std::size_t held_ = 0;     // bytes(): the capacities change only in grow_table and reserve
  std::size_t extra_bytes_ = 0;
  std::size_t groups_ = 0;
  std::size_t configs_ = 0;  // configurations recorded (groups plus info sets), for reports
  std::vector<Slot> slots_;
  // groups_ and info_nodes_ say how much of the arenas is used.
  Arena<std::uint64_t> req_arena_;  // group g's R at [g * req_words_]
  Arena<std::uint32_t> group_head_;  // group g's first info node
  Arena<std::uint64_t> info_arena_;  // node n's I at [n * info_words_]
  Arena<std::uint32_t> info_next_;
  std::size_t info_nodes_ = 0;  // info nodes allocated (live or on the free list)
  std::uint32_t free_nodes_ = kEnd;
};

// ---------------------------------------------------------------------------------------------------------
// The limits of the whole check: search steps (deterministic) and the caller's give_up (a time limit).

class Deadline {
 public:
  explicit Deadline(const LinLimits& limits) : limits_(limits) {}
  // Charges `steps` more search steps; true once a limit is reached (and from then on).
  bool expired(std::uint64_t steps = 0) const {
    steps_ += steps;
    if (!stopped_by_caller_ && limits_.give_up && limits_.give_up()) stopped_by_caller_ = true;
    return out_of_steps() || stopped_by_caller_;
  }
  // Which limit stopped the check, for the verdict's reason.
  std::string reason() const {
    RAFTSIM_ASSERT(out_of_steps() || stopped_by_caller_);
    if (out_of_steps()) return fmt::format("step limit of {} reached", limits_.steps_max);
    return limits_.give_up_reason;
  }

 private:
  bool out_of_steps() const { return limits_.steps_max != 0 && steps_ >= limits_.steps_max; }

  const LinLimits& limits_;
  mutable std::uint64_t steps_ = 0;  // shared by every key's search
  mutable bool stopped_by_caller_ = false;
};

// ---------------------------------------------------------------------------------------------------------
// Which operations that reset the value (writes, and cas that may succeed) could start the value a read
// returned: on a key with appends, those whose value is a prefix of the read's value; otherwise those
// whose value equals it. Prefixes are found with hash_text's polynomial, rolled over the read's value and
// compared with the hashes the value table keeps, so the index costs O(total length of the values read),
// not O(reads x writes), and hashes no reset's value again.

// Operations indexed by the text of a value they carry (a reset's value, an append's argument): by
// (hash_text, length) in an open-addressing table whose entries are lists in operation order, with the
// lengths present, so "every operation whose value is a prefix of s" costs one probe per prefix length some
// indexed value has (session 16: the reset index's table, shared with the search's appends).
class ValuePrefixIndex {
 public:
  static constexpr std::uint32_t kNone = 0xFFFFFFFFu;
  static std::uint64_t key(std::uint64_t hash, std::size_t length) { return hash ^ splitmix64(length); }

  // Empty, sized for `indexed` entries among operations numbered below `ops`.
  void reset(std::size_t ops, std::size_t indexed) {
    std::size_t slots = 8;
    while (slots < 2 * indexed) slots *= 2;
    by_hash_.assign(slots, Bucket{0, kNone, kNone});
    next_.assign(ops, kNone);
    lengths_.clear();
  }
  // Appends `op` to the list of key `k`; `length`: its value's length, if the value has a text (a nil
  // value is indexed under a key of its own and takes part in no prefix lookup).
  void add(std::uint32_t op, std::uint64_t k, std::optional<std::size_t> length) {
    RAFTSIM_ASSERT(op < next_.size() && next_[op] == kNone);
    Bucket& b = bucket(k);
    if (b.first == kNone) {
      b.first = op;
    } else {
      next_[b.last] = op;
    }
    b.last = op;
    if (length) {
      if (*length >= lengths_.size()) lengths_.resize(*length + 1, 0);
      lengths_[*length] = 1;
    }
  }
  // The list of key `k`: first_with, then next until kNone.
  std::uint32_t first_with(std::uint64_t k) const {
    const std::size_t mask = by_hash_.size() - 1;
    for (std::size_t i = splitmix64(k) & mask; by_hash_[i].first != kNone; i = (i + 1) & mask) {
      if (by_hash_[i].hash == k) return by_hash_[i].first;
    }
    return kNone;
  }
  std::uint32_t next(std::uint32_t op) const { return next_[op]; }
  // Calls visit(op) for the operations indexed under the key of each prefix of `s`, the empty one first,
  // then by length (only the lengths some value has), each list in operation order. Candidates only:
  // hashes can collide, the caller compares the texts.
  template <typename Visit>
  void prefixes(std::string_view s, Visit&& visit) const {
    std::uint64_t h = 0;
    for (std::uint32_t op = first_with(key(h, 0)); op != kNone; op = next_[op]) visit(op);
    // Only the prefixes as long as some value can be one (a long value built by appends would otherwise
    // look up every one of its prefixes).
    const std::size_t longest = std::min(s.size(), lengths_.empty() ? 0 : lengths_.size() - 1);
    for (std::size_t i = 0; i < longest; ++i) {
      h = h * kTextHashBase + static_cast<unsigned char>(s[i]) + 1;  // hash_text's, a byte at a time
      if (lengths_[i + 1] == 0) continue;
      for (std::uint32_t op = first_with(key(h, i + 1)); op != kNone; op = next_[op]) visit(op);
    }
  }
  std::size_t bytes() const { return by_hash_.capacity() * sizeof(Bucket) + next_.capacity() * 4 + lengths_.capacity(); }

 private:
  struct Bucket {
    std::uint64_t hash;
    std::uint32_t first;  // the first operation with this key, kNone for a free bucket
    std::uint32_t last;
  };
  // The bucket of `k`: its own, or the free one where it would go.
  Bucket& bucket(std::uint64_t k) {
    const std::size_t mask = by_hash_.size() - 1;
    std::size_t i = splitmix64(k) & mask;
    while (by_hash_[i].first != kNone && by_hash_[i].hash != k) i = (i + 1) & mask;
    if (by_hash_[i].first == kNone) by_hash_[i].hash = k;
    return by_hash_[i];
  }

  std::vector<Bucket> by_hash_;        // open addressing over the keys
  std::vector<std::uint32_t> next_;    // an operation -> the next one with its key, in operation order
  std::vector<std::uint8_t> lengths_;  // length -> 1 if some indexed value has it
};

class ResetIndex {
 public:
  // Flat (session 15): the resets by the hash of their value, and each observer's starters in one array, so
  // building the index allocates a few vectors, not a node and a vector per value and per read. The resets
  // of one hash are a list in operation order, reached through an open-addressing table (session 16,
  // linsetup2: a probe instead of a binary search per prefix looked up, and no sort; the same starters in
  // the same order as the sorted array gave).
  ResetIndex(const std::vector<KeyOp>& ops, const ValueTable& values, bool has_appends) {
    starters_.reserve(ops.size());
    std::size_t resetting = 0;
    for (const KeyOp& op : ops) resetting += resets(op) ? 1 : 0;
    by_value_.reset(ops.size(), resetting);
    for (std::uint32_t i = 0; i < ops.size(); ++i) {
      if (!resets(ops[i])) continue;
      const auto v = values.value(ops[i].input);
      if (v) {
        by_value_.add(i, ValuePrefixIndex::key(values.text_hash(ops[i].input), v->size()), v->size());
      } else {
        by_value_.add(i, kNilKey, std::nullopt);
      }
    }
    // Observers of the same value have the same starters: each value's are found once and shared (many
    // reads and matching cas of a segment see the same value).
    ranges_.assign(ops.size(), Range{0, 0});
    std::vector<Range> of_value(values.size(), Range{kUnfound, kUnfound});
    for (std::uint32_t i = 0; i < ops.size(); ++i) {
      if (!observes(ops[i]) || ops[i].info) continue;
      const std::uint32_t v = observed(ops[i]);
      RAFTSIM_ASSERT(v < of_value.size());
      Range& range = of_value[v];
      if (range.begin == kUnfound) {
        range.begin = static_cast<std::uint32_t>(starters_.size());
        find(ops, values, v, has_appends);
        RAFTSIM_ASSERT_MSG(starters_.size() <= kOffsetMax, "a reset index's starters outgrew its 32-bit offsets");
        range.end = static_cast<std::uint32_t>(starters_.size());
      }
      ranges_[i] = range;
    }
  }

  // Whether `op` requires a particular value when it takes effect (a read, or a cas whose compare matched),
  // and that value.
  static bool observes(const KeyOp& op) { return op.fn == Fn::read || (op.fn == Fn::cas && op.cas_succeeded); }
  static std::uint32_t observed(const KeyOp& op) { return op.fn == Fn::read ? op.output : op.expected; }

  // Whether `op` may replace the value whatever it was. An ok cas whose compare did not match never does.
  static bool resets(const KeyOp& op) { return op.fn == Fn::write || (op.fn == Fn::cas && op.cas_succeeded); }

  // The resets that could start what observer `read` saw (empty for an operation that is not one).
  std::span<const std::uint32_t> starters(std::uint32_t read) const {
    RAFTSIM_ASSERT(std::size_t{read} < ranges_.size());
    const Range range = ranges_[read];
    return {starters_.data() + range.begin, starters_.data() + range.end};
  }

 private:
  static constexpr std::size_t kOffsetMax = 0xFFFFFFFEu;  // ranges_ hold offsets into starters_ in 32 bits
  static constexpr std::uint32_t kUnfound = 0xFFFFFFFFu;  // a value whose starters are not found yet
  struct Range {
    std::uint32_t begin;  // [begin, end) in starters_
    std::uint32_t end;
  };
  static constexpr std::uint64_t kNilKey = 0x6E696C6E696C6E69ULL;

  // Appends the starters of a read of `output` to starters_.
  void find(const std::vector<KeyOp>& ops, const ValueTable& values, std::uint32_t output, bool has_appends) {
    const auto v = values.value(output);
    auto confirm = [&](std::uint32_t op) {
      const auto w = values.value(ops[op].input);  // confirm: hashes can collide
      if (w == v || (has_appends && v && (!w || v->starts_with(*w)))) starters_.push_back(op);
    };
    auto collect = [&](std::uint64_t k) {
      for (std::uint32_t op = by_value_.first_with(k); op != ValuePrefixIndex::kNone; op = by_value_.next(op)) confirm(op);
    };
    if (!v) {
      collect(kNilKey);
      return;
    }
    if (!has_appends) {
      collect(ValuePrefixIndex::key(values.text_hash(output), v->size()));
      return;
    }
    collect(kNilKey);  // appending to nil starts from ""
    by_value_.prefixes(*v, confirm);
  }

  ValuePrefixIndex by_value_;            // the resets by their value
  std::vector<Range> ranges_;            // op -> its starters in starters_ (empty for a non-observer)
  std::vector<std::uint32_t> starters_;  // the starters of each observed value, one value after another
};

// ---------------------------------------------------------------------------------------------------------
// The Wing & Gong search for one key, with Lowe's improvements: call and return events in a doubly-linked
// list ordered by time; linearizing an operation lifts its call and return out of the list, backtracking
// puts them back (unlift) in O(1). A call can be linearized while it precedes the first remaining return.
// Info operations have no return event (it would be at +infinity) and are optional: the search succeeds
// as soon as every operation with a known outcome is linearized.

// paused: the slice of steps given to run() is used up; run() again continues where it stopped. memory:
// the budget is exhausted; the search is consistent and may be continued once memory is freed.
enum class SearchStatus : std::uint8_t { linearizable, not_linearizable, timeout, memory, paused };

// How many of the earliest pending observers a move that changes the value must leave reachable
// (KeySearch::observers_reachable; the witness names them too, stuck_ops).
constexpr std::size_t kObserversChecked = 3;

class KeySearch {
 public:
  // `witness`: keep the longest partial linearization (longest_prefix) for a witness; a caller that wants
  // only the verdict (check_key_linearizability) saves its upkeep at every step.
  KeySearch(const std::vector<KeyOp>& ops, ValueTable& values, std::uint32_t initial, const Deadline& deadline,
            MemoryBudget& budget, bool witness = true)
      : ops_(ops),
        witness_(witness),
        values_(values),
        deadline_(deadline),
        state_(initial),
        slot_(number_ops(ops)),
        req_bits_(std::max<std::size_t>(1, (required_left_ + 63) / 64), 0),
        info_bits_((ops.size() - required_left_ + 63) / 64, 0),
        cache_(req_bits_.size(), info_bits_.size(), budget),
        has_appends_(std::any_of(ops.begin(), ops.end(), [](const KeyOp& op) { return op.fn == Fn::append; })),
        resets_(ops, values, has_appends_) {
    RAFTSIM_ASSERT(!ops_.empty());
    build_entries();
    build_reads();
    has_info_ = std::any_of(ops_.begin(), ops_.end(), [](const KeyOp& op) { return op.info && !op.killer; });
    zobrist_.reserve(ops_.size());
    for (std::size_t i = 0; i < ops_.size(); ++i) zobrist_.push_back(splitmix64(0x5EED0000ULL + i));
  }

  // Searches for at most about `slice_steps` steps (0: no slice).
  SearchStatus run(std::uint64_t slice_steps);

  // Local op indexes of the longest partial linearization found, in order, and the state it leaves.
  const std::vector<std::uint32_t>& longest_prefix() const { return best_; }
  std::uint32_t longest_prefix_state() const { return best_state_; }
  std::size_t cache_size() const { return cache_.size(); }
  std::size_t memory_bytes() const { return cache_.bytes() + values_.bytes() + reach_bytes_; }

 private:
  struct Entry {
    std::int32_t op = -1;     // local op index; -1 for the head sentinel
    std::int32_t match = -1;  // for a call: its return entry, or -1 (info: no return)
    std::int32_t prev = -1;
    std::int32_t next = -1;
    bool call = false;
    // For a call: the scan passes its operation is tried in (bit 1 << Pass, see in_pass), kept here so
    // the scan, which skips most entries in most passes, does not load the operation to decide that.
    std::uint8_t passes = 0;
    // For a forced candidate (set by note_forced, at the start of run): kForcedRead if it is a read, and
    // `seen`, the value the read returned or the failed cas compared against. The forced pass tells from
    // these alone whether the model rejects it (a read of another value, a cas whose compare would match),
    // without loading the operation: most forced candidates are rejected in most configurations.
    std::uint32_t seen = 0;
  };
  static constexpr std::uint8_t kForcedRead = 1U << 3;
  enum class Pass : std::uint8_t { forced, required, info };
  enum class Try : std::uint8_t { linearized, rejected, known, over_memory };
  struct Frame {
    std::int32_t entry;  // the call linearized; for a killer, the failed cas it was linearized for
    std::uint32_t op;
    std::uint32_t state_before;
    Pass pass;  // the scan pass the entry was linearized in, to resume it on backtrack
    bool killer;
  };

  void build_entries();
  void build_reads();
  void note_forced();
  void note_observers();
  bool can_reach(std::uint32_t state, std::uint32_t read);
  bool observers_reachable(std::uint32_t op, std::uint32_t next);
  std::uint32_t continuations(std::uint32_t state, std::uint32_t out);
  bool continued(std::uint32_t state, std::uint32_t out);
  bool pending_in(std::uint32_t at) const;
  void unlink_read(std::uint32_t op) {
    read_next_[read_prev_[op]] = read_next_[op];
    read_prev_[read_next_[op]] = read_prev_[op];
  }
  void relink_read(std::uint32_t op) {
    read_next_[read_prev_[op]] = op;
    read_prev_[read_next_[op]] = op;
  }
  // Operations with a known outcome that see the value: reads, and cas whose compare matched.
  static bool is_observer(const KeyOp& op) { return ResetIndex::observes(op) && !op.info; }
  void lift(std::int32_t call);
  void unlift(std::int32_t call);
  static bool in_pass(const KeyOp& op, Pass pass);
  static std::uint8_t pass_bit(Pass pass) { return static_cast<std::uint8_t>(1U << static_cast<unsigned>(pass)); }
  Try try_linearize(std::int32_t call, Pass pass);
  Try try_killer(std::int32_t failed_cas);
  Try commit(std::uint32_t op, std::uint32_t next, const Frame& frame);
  std::int32_t backtrack(Pass& pass);
  void record_prefix();
  // Numbers the operations with a known outcome and the info operations separately (their bitsets are
  // kept apart for the subsumption check) and counts the former.
  std::vector<std::uint32_t> number_ops(const std::vector<KeyOp>& ops) {
    std::vector<std::uint32_t> slot(ops.size());
    std::uint32_t info = 0;
    for (std::size_t i = 0; i < ops.size(); ++i) {
      slot[i] = ops[i].info ? info++ : static_cast<std::uint32_t>(required_left_++);
    }
    return slot;
  }
  void flip(std::uint32_t op) {
    const std::uint32_t i = slot_[op];
    const std::uint64_t bit = std::uint64_t{1} << (i % 64);
    if (ops_[op].info) {
      info_bits_[i / 64] ^= bit;
    } else {
      req_bits_[i / 64] ^= bit;
      set_hash_ ^= zobrist_[op];
    }
  }

  const std::vector<KeyOp>& ops_;
  bool witness_;
  ValueTable& values_;
  const Deadline& deadline_;
  std::uint32_t state_;
  std::size_t required_left_ = 0;      // operations with a known outcome not linearized yet
  std::vector<std::uint32_t> slot_;    // op -> its bit in req_bits_ or info_bits_
  std::vector<std::uint64_t> req_bits_;   // linearized operations with a known outcome
  std::vector<std::uint64_t> info_bits_;  // linearized info operations
  std::uint64_t set_hash_ = 0;            // Zobrist hash of req_bits_
  std::vector<std::uint64_t> zobrist_;
  ConfigCache cache_;
  std::vector<Entry> entries_;  // [0] is the head sentinel
  std::vector<Frame> stack_;    // the current partial linearization
  // The killers (KeyOp::killer) in invoke order, kept out of the event list. They are interchangeable, so
  // the search only ever uses the earliest unused one: the used ones are always the first killers_used_.
  std::vector<std::uint32_t> killers_;
  std::size_t killers_used_ = 0;
  std::uint64_t steps_ = 0;
  std::int32_t entry_ = -2;  // where run() continues scanning (-2: not started)
  Pass pass_ = Pass::forced;
  bool has_appends_;
  bool has_info_ = false;  // some info operation is in the event list (not a killer)
  ResetIndex resets_;
  // The observers (see is_observer) not linearized yet, in invoke order: a circular doubly-linked list with
  // the sentinel at index ops_.size(), unlinked and relinked in LIFO order like the event list.
  std::vector<std::uint32_t> read_prev_;
  std::vector<std::uint32_t> read_next_;
  std::vector<std::uint32_t> best_;
  std::uint32_t best_state_ = 0;
  std::size_t best_agrees_ = 0;  // best_[0, best_agrees_) equals the current stack
  // What can_reach reads of an observed value, laid out for it (note_observers, at the start of run): the
  // value and its starters as bits of req_bits_ or info_bits_ (kStarterInfo set: info_bits_), so the test
  // loads neither the operations nor the slots. can_reach runs up to kObserversChecked times per move. One
  // record per distinct observed value, shared by its observers (many reads of a register see the same
  // few values: per observer, the starters would be repeated for each).
  struct ObserverReach {
    std::uint32_t out = 0;
    std::uint32_t first = 0;  // its starters are starter_bits_[first, last)
    std::uint32_t last = 0;
  };
  static constexpr std::uint32_t kStarterInfo = 0x80000000u;
  std::vector<std::uint32_t> reach_of_;  // op -> its record in reaches_ (observers only)
  std::vector<ObserverReach> reaches_;
  std::vector<std::uint32_t> starter_bits_;
  std::vector<std::uint32_t> starter_values_;  // the value each starter writes
  static constexpr std::uint32_t kNoList = 0xFFFFFFFFu;
  std::vector<std::uint32_t> starter_continuations_;  // its continuations(value, out), once asked (or kNoList)
  // An operation's bit as starter_bits_ and continuation_bits_ hold it.
  std::uint32_t bit_of(std::uint32_t op) const {
    RAFTSIM_ASSERT(slot_[op] < kStarterInfo);
    return slot_[op] | (ops_[op].info ? kStarterInfo : 0);
  }
  bool bit_linearized(std::uint32_t b) const {
    const std::uint32_t i = b & ~kStarterInfo;
    const std::uint64_t word = (b & kStarterInfo) != 0 ? info_bits_[i / 64] : req_bits_[i / 64];
    return ((word >> (i % 64)) & 1) != 0;
  }
  ValuePrefixIndex appends_;  // every append, by the text of its value (continuations)
  ValueTable::Memo continuations_;         // (state, observed value) -> its list in continuation_bits_
  std::vector<std::uint32_t> continuation_bits_;
  std::size_t reach_bytes_ = 0;  // the observers' records and the continuation lists, charged (commit)
};

void KeySearch::build_entries() {
  struct Event {
    std::int64_t time;
    std::uint32_t op;
  };
  // The calls and the returns apart, each by (time, op), then merged with calls first at equal times: the
  // order one sort of all the events by (time, call before return, op) gave, at less cost. The calls come
  // in invoke order already (a segment lists its operations as they were invoked), so only the returns
  // usually need sorting (session 15, linsetup).
  std::vector<Event> calls;
  std::vector<Event> returns;
  calls.reserve(ops_.size());
  returns.reserve(ops_.size());
  for (std::uint32_t i = 0; i < ops_.size(); ++i) {
    if (ops_[i].killer) {
      killers_.push_back(i);
      continue;
    }
    calls.push_back({ops_[i].invoke_time, i});
    if (!ops_[i].info) returns.push_back({ops_[i].complete_time, i});
  }
  // (The operations usually come in invoke order already: then the stable sort, and its buffer, is skipped.)
  auto by_invoke = [&](std::uint32_t a, std::uint32_t b) { return ops_[a].invoke_time < ops_[b].invoke_time; };
  if (!std::is_sorted(killers_.begin(), killers_.end(), by_invoke)) {
    std::stable_sort(killers_.begin(), killers_.end(), by_invoke);
  }
  // At equal times calls go first: the operations count as concurrent, the lenient reading (Porcupine does
  // the same). The parsers never produce ties.
  auto by_time = [](const Event& a, const Event& b) { return a.time != b.time ? a.time < b.time : a.op < b.op; };
  if (!std::is_sorted(calls.begin(), calls.end(), by_time)) std::sort(calls.begin(), calls.end(), by_time);
  if (!std::is_sorted(returns.begin(), returns.end(), by_time)) std::sort(returns.begin(), returns.end(), by_time);
  const std::size_t count = calls.size() + returns.size();
  entries_.assign(count + 1, Entry{});
  std::vector<std::int32_t> call_of(ops_.size(), -1);
  std::size_t c = 0;
  std::size_t r = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const bool is_return = c == calls.size() || (r < returns.size() && returns[r].time < calls[c].time);
    const std::uint32_t op_index = is_return ? returns[r++].op : calls[c++].op;
    const auto at = static_cast<std::int32_t>(i + 1);
    Entry& e = entries_[static_cast<std::size_t>(at)];
    e.op = static_cast<std::int32_t>(op_index);
    e.call = !is_return;
    e.prev = at - 1;
    e.next = i + 1 < count ? at + 1 : -1;
    if (e.call) {
      call_of[op_index] = at;
      const KeyOp& op = ops_[op_index];
      // in_pass for each pass, written out: an info operation is tried in the info pass alone; one with a
      // known outcome in the required pass unless it is a read, and in the forced pass if it is a read or
      // a cas whose compare failed.
      if (op.info) {
        e.passes = pass_bit(Pass::info);
      } else {
        const bool read = op.fn == Fn::read;
        const bool forced = read || (op.fn == Fn::cas && !op.cas_succeeded);
        e.passes = static_cast<std::uint8_t>((forced ? pass_bit(Pass::forced) : 0) | (read ? 0 : pass_bit(Pass::required)));
      }
      if (RAFTSIM_DEBUG_INVARIANTS) {
        std::uint8_t passes = 0;
        for (Pass p : {Pass::forced, Pass::required, Pass::info}) {
          if (in_pass(op, p)) passes = static_cast<std::uint8_t>(passes | pass_bit(p));
        }
        RAFTSIM_ASSERT(passes == e.passes);
      }
      RAFTSIM_ASSERT(e.passes != 0);  // every operation is tried in the required or the info pass
    } else {
      RAFTSIM_ASSERT_MSG(call_of[op_index] > 0, "an operation completes before it is invoked");
      entries_[static_cast<std::size_t>(call_of[op_index])].match = at;
    }
  }
  RAFTSIM_ASSERT(c == calls.size() && r == returns.size());
  entries_[0].next = count == 0 ? -1 : 1;
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

void KeySearch::build_reads() {
  std::vector<std::uint32_t> reads(ops_.size());  // (written in place: no push_back per operation)
  std::size_t count = 0;
  for (std::uint32_t i = 0; i < ops_.size(); ++i) {
    if (is_observer(ops_[i])) reads[count++] = i;
  }
  reads.resize(count);
  // (Usually in invoke order already, as the operations are: then the stable sort and its buffer are skipped.)
  auto by_invoke = [&](std::uint32_t a, std::uint32_t b) { return ops_[a].invoke_time < ops_[b].invoke_time; };
  if (!std::is_sorted(reads.begin(), reads.end(), by_invoke)) std::stable_sort(reads.begin(), reads.end(), by_invoke);
  const auto sentinel = static_cast<std::uint32_t>(ops_.size());
  read_prev_.assign(ops_.size() + 1, sentinel);
  read_next_.assign(ops_.size() + 1, sentinel);
  std::uint32_t prev = sentinel;
  for (std::uint32_t r : reads) {
    read_next_[prev] = r;
    read_prev_[r] = prev;
    prev = r;
  }
  read_next_[prev] = sentinel;
  read_prev_[sentinel] = prev;
}

// A necessary condition for `read` (an observer: a read, or a cas whose compare matched) to be linearized
// later from a configuration with value `state`: the value it saw is the state, or appends can extend the
// state into it, or a reset operation that could start it is still to be linearized. Checked against the
// earliest pending observers each time the state changes (observers_reachable), it cuts a wrong order of
// writes or appends (or a missing info append) as soon as the value diverges from what those observers
// saw, instead of when their returns are reached.
bool KeySearch::can_reach(std::uint32_t state, std::uint32_t read) {
  const ObserverReach& o = reaches_[reach_of_[read]];
  if (state == o.out) return true;
  // The starters before the state's own appends: a pending reset is the common answer (an observer of a
  // later value), and a few bit tests cost less than a memo lookup.
  for (std::uint32_t k = o.first; k < o.last; ++k) {
    if (bit_linearized(starter_bits_[k])) continue;
    const std::uint32_t from = starter_values_[k];
    if (from == o.out) return true;  // a starter still to be linearized
    // (a starter's list is fixed: kept beside it, so this path looks nothing up)
    if (starter_continuations_[k] == kNoList) starter_continuations_[k] = continuations(from, o.out);
    if (pending_in(starter_continuations_[k])) return true;  // a starter still to be linearized, then appends
  }
  return has_appends_ && state != ValueTable::kDead && continued(state, o.out);
}

// Whether pending appends can begin to turn `state` into `out`: the state is a prefix of it and some
// pending append begins the rest. Appends must spell the rest (a reset would start the value anew), so the
// first of them is still to come. Without this test the search linearized an append before the write it
// follows in some observer's value ("84 " before "85" under a read of "8584 ", or before a write of "85"
// still pending), and found out only when that observer's return came (session 16: on the 64-client
// benchmark a quarter fewer search steps).
bool KeySearch::continued(std::uint32_t state, std::uint32_t out) { return pending_in(continuations(state, out)); }

// Whether some append of the list at `at` in continuation_bits_ is still to be linearized.
bool KeySearch::pending_in(std::uint32_t at) const {
  const std::uint32_t count = continuation_bits_[at];
  RAFTSIM_ASSERT(at + count < continuation_bits_.size());
  for (std::uint32_t k = at + 1; k <= at + count; ++k) {
    if (!bit_linearized(continuation_bits_[k])) return true;
  }
  return false;
}

// The appends whose value the rest of `out` after `state` begins with: the offset of their list in
// continuation_bits_ (its length, then each as starter bits, see note_observers); an empty list if `out`
// does not start with `state` (then no append can help either).
// Memoized per pair, since the search asks about the same few pairs over and over and the list does not
// depend on what is linearized.
std::uint32_t KeySearch::continuations(std::uint32_t state, std::uint32_t out) {
  RAFTSIM_ASSERT(state != ValueTable::kDead && state != out);
  const std::uint64_t key = (std::uint64_t{state} << 32) | out;
  std::uint32_t at = continuations_.find(key);
  if (at == ValueTable::Memo::kAbsent) {
    const std::string_view from = values_.appended_text(state);
    const std::string_view to = out == ValueTable::kNil ? std::string_view() : values_.appended_text(out);
    // (nil is no append's result, so nothing turns a state into it)
    const bool extends = out != ValueTable::kNil && to.starts_with(from);
    const std::string_view rest = extends ? to.substr(from.size()) : std::string_view();
    RAFTSIM_ASSERT_MSG(continuation_bits_.size() < kNoList, "the continuation lists outgrew their 32-bit offsets");
    at = static_cast<std::uint32_t>(continuation_bits_.size());
    continuation_bits_.push_back(0);
    if (extends) {
      // The appends whose value is a prefix of the rest (appends_), confirmed by text.
      appends_.prefixes(rest, [&](std::uint32_t a) {
        if (!rest.starts_with(values_.appended_text(ops_[a].input))) return;
        continuation_bits_.push_back(bit_of(a));
        ++continuation_bits_[at];
      });
    }
    continuations_.insert(key, at);
    reach_bytes_ += 32 + 4 * (continuation_bits_.size() - at);  // (charged like ValueTable's memos)
  }
  RAFTSIM_ASSERT(at < continuation_bits_.size());
  return at;
}

void KeySearch::note_observers() {
  constexpr std::uint32_t kUnset = 0xFFFFFFFFu;
  reach_of_.assign(ops_.size(), kUnset);
  reaches_.clear();
  starter_bits_.clear();
  starter_values_.clear();
  starter_continuations_.clear();
  // The appends by the text of their value (nil appends as "": the key of the empty text), for continuations.
  appends_.reset(ops_.size(), static_cast<std::size_t>(std::count_if(
                                  ops_.begin(), ops_.end(), [](const KeyOp& op) { return op.fn == Fn::append; })));
  for (std::uint32_t a = 0; a < ops_.size(); ++a) {
    if (ops_[a].fn != Fn::append) continue;
    const std::string_view arg = values_.appended_text(ops_[a].input);
    appends_.add(a, ValuePrefixIndex::key(arg.empty() ? 0 : values_.text_hash(ops_[a].input), arg.size()), arg.size());
  }
  std::vector<std::uint32_t> record_of_value(values_.size(), kUnset);
  for (std::uint32_t r = 0; r < ops_.size(); ++r) {
    if (!is_observer(ops_[r])) continue;
    const std::uint32_t out = ResetIndex::observed(ops_[r]);
    RAFTSIM_ASSERT(out < record_of_value.size());
    if (record_of_value[out] == kUnset) {
      record_of_value[out] = static_cast<std::uint32_t>(reaches_.size());
      ObserverReach o;
      o.out = out;
      o.first = static_cast<std::uint32_t>(starter_bits_.size());
      for (std::uint32_t op : resets_.starters(r)) {  // (the same for every observer of the value)
        RAFTSIM_ASSERT(ResetIndex::resets(ops_[op]) && ops_[op].input != ValueTable::kDead);
        starter_bits_.push_back(bit_of(op));
        starter_values_.push_back(ops_[op].input);
        starter_continuations_.push_back(kNoList);
      }
      o.last = static_cast<std::uint32_t>(starter_bits_.size());
      reaches_.push_back(o);
    }
    reach_of_[r] = record_of_value[out];
  }
  RAFTSIM_ASSERT(reach_of_.size() == ops_.size() && reaches_.size() <= ops_.size());
  // Charged with the continuations (commit): the search holds these as long as it runs.
  reach_bytes_ += reach_of_.size() * 4 + reaches_.size() * sizeof(ObserverReach) + starter_bits_.size() * 12 +
                  appends_.bytes();
}

// Whether every one of the first kObserversChecked pending observers other than `op` can still be
// linearized after the state becomes `next` (can_reach). Each is a necessary condition, so any number of
// them keeps the search complete; checking only the earliest (as until session 16) let the search take
// writes and appends in an order the second or third observer had already ruled out, and find out only
// when that observer's return came, after exploring every order of the operations in between. On the
// 64-client benchmark (20 s history, 50k operations) three observers took the search from 1.47M to about
// 0.9M steps and its configurations from 240k to 130k; more observers cut a little more but cost more
// than they saved (docs/performance.md, session 16).
bool KeySearch::observers_reachable(std::uint32_t op, std::uint32_t next) {
  const auto sentinel = static_cast<std::uint32_t>(ops_.size());
  std::size_t checked = 0;
  for (std::uint32_t r = read_next_[sentinel]; r != sentinel && checked < kObserversChecked; r = read_next_[r]) {
    if (r == op) continue;  // (a cas observes the value it replaces: its own test is the model's step)
    if (!can_reach(next, r)) return false;
    ++checked;
  }
  RAFTSIM_ASSERT(checked <= kObserversChecked);
  return true;
}

// Linearizes the call if the model allows it and the resulting configuration is new (Lowe's memo: a
// configuration already seen, or subsumed by one, has already been explored, to failure).
KeySearch::Try KeySearch::try_linearize(std::int32_t call, Pass pass) {
  const Entry& e = entries_[static_cast<std::size_t>(call)];
  const auto op = static_cast<std::uint32_t>(e.op);
  std::uint32_t next = 0;
  if (!step(ops_[op], state_, values_, next)) return Try::rejected;
  flip(op);
  // An append that leaves the state as it was (the dead state stays dead) still uses itself up: some
  // observer may have needed it to continue its value (can_reach). A write or cas that leaves the state
  // as it was needs no check: the observers' answers from the same state, with one starter of that very
  // value fewer, are the same (the state itself reaches whatever that starter would have).
  if ((next != state_ || ops_[op].fn == Fn::append) && !observers_reachable(op, next)) {
    flip(op);
    return Try::rejected;
  }
  return commit(op, next, Frame{call, op, state_, pass, false});
}

// Records the configuration reached by linearizing `op` (already flipped in the bitsets) into state
// `next`, unless it was explored before.
KeySearch::Try KeySearch::commit(std::uint32_t op, std::uint32_t next, const Frame& frame) {
  const auto added =
      cache_.add(config_hash(set_hash_, next), req_bits_.data(), info_bits_.data(), next,
                 values_.bytes() + reach_bytes_);
  if (added != ConfigCache::Added::added) {
    flip(op);
    return added == ConfigCache::Added::over_memory ? Try::over_memory : Try::known;
  }
  stack_.push_back(frame);
  state_ = next;
  if (frame.killer) {
    ++killers_used_;
  } else {
    lift(frame.entry);
    if (is_observer(ops_[op])) unlink_read(op);
    if (!ops_[op].info) --required_left_;
  }
  record_prefix();
  return Try::linearized;
}

// Linearizes a killer so that `failed_cas`, whose compare would match the value now, can fail next. Only
// the earliest unused killer is tried (they all leave the dead state, and the earliest is available
// whenever any is), and only if it was invoked before the first remaining return (real-time order).
KeySearch::Try KeySearch::try_killer(std::int32_t failed_cas) {
  if (killers_used_ == killers_.size()) return Try::rejected;
  const std::uint32_t op = killers_[killers_used_];
  std::int32_t first_return = failed_cas;
  while (entries_[static_cast<std::size_t>(first_return)].call) first_return = entries_[static_cast<std::size_t>(first_return)].next;
  RAFTSIM_ASSERT(first_return >= 0);  // the failed cas's own return is still in the list
  const KeyOp& r = ops_[static_cast<std::size_t>(entries_[static_cast<std::size_t>(first_return)].op)];
  if (ops_[op].invoke_time > r.complete_time) return Try::rejected;
  flip(op);
  const std::uint32_t next = ValueTable::kDead;
  if (next != state_ && !observers_reachable(op, next)) {
    flip(op);
    return Try::rejected;
  }
  return commit(op, next, Frame{failed_cas, op, state_, Pass::required, true});
}

// Undoes linearizations until one whose configuration may have other children to explore; returns the
// entry to continue scanning from and sets `pass`, or -1 if the search space is exhausted. A configuration
// whose forced move failed has failed as a whole, so the frame that created it is popped too.
std::int32_t KeySearch::backtrack(Pass& pass) {
  while (!stack_.empty()) {
    const Frame f = stack_.back();
    stack_.pop_back();
    best_agrees_ = std::min(best_agrees_, stack_.size());
    const std::uint32_t op = f.op;
    flip(op);
    state_ = f.state_before;
    if (f.killer) {
      --killers_used_;
    } else {
      unlift(f.entry);
      if (is_observer(ops_[op])) relink_read(op);
      if (!ops_[op].info) ++required_left_;
    }
    if (f.pass != Pass::forced) {
      pass = f.pass;
      return entries_[static_cast<std::size_t>(f.entry)].next;
    }
  }
  return -1;
}

// Keeps the longest partial linearization for the witness. Only the part of the stack that differs from
// the recorded one is copied, so this is amortized O(1) per step.
void KeySearch::record_prefix() {
  if (!witness_ || stack_.size() <= best_.size()) return;
  best_.resize(best_agrees_);
  for (std::size_t i = best_agrees_; i < stack_.size(); ++i) {
    best_.push_back(stack_[i].op);
  }
  best_agrees_ = stack_.size();
  best_state_ = state_;
}

void KeySearch::note_forced() {
  for (Entry& e : entries_) {
    if (!e.call || (e.passes & pass_bit(Pass::forced)) == 0) continue;
    const KeyOp& op = ops_[static_cast<std::size_t>(e.op)];
    RAFTSIM_ASSERT(!op.info && (op.fn == Fn::read || (op.fn == Fn::cas && !op.cas_succeeded)));
    if (op.fn == Fn::read) {
      e.passes = static_cast<std::uint8_t>(e.passes | kForcedRead);
      e.seen = op.output;
    } else {
      e.seen = op.expected;
    }
  }
}

// Whether `op` may be tried in `pass`. Forced moves are operations with a known outcome that never change
// the state (reads, and cas whose compare did not match): if one can be linearized now, some linearization
// does so if any exists. It is available, so nothing left must precede it in real time, and as it leaves
// the state alone it can be moved to the front of any completion. So a configuration with a forced move
// has that one child only (partial-order reduction; it also keeps reads from multiplying orders).
bool KeySearch::in_pass(const KeyOp& op, Pass pass) {
  switch (pass) {
    case Pass::forced:
      return !op.info && (op.fn == Fn::read || (op.fn == Fn::cas && !op.cas_succeeded));
    case Pass::required:
      // Not the reads: the required pass scans the same calls in the same configuration as the forced
      // pass before it (a configuration reaches its required pass only once every forced move was
      // rejected, and backtracking restores the list and the state), and a read is rejected by the state
      // alone. A cas whose compare failed stays: a rejected one may call for a killer (try_killer).
      return !op.info && op.fn != Fn::read;
    case Pass::info:
      return op.info;
  }
  return false;
}

// The candidates of a configuration (calls before the first return) are scanned in up to three passes:
// forced moves; then operations with a known outcome; then info operations, which may never have taken
// effect and so are best linearized only when something needs their effect (trying them late keeps the
// search from wandering through the orders of optional operations).
SearchStatus KeySearch::run(std::uint64_t slice_steps) {
  if (entry_ == -2) {
    note_forced();
    note_observers();
    stack_.reserve(ops_.size());  // at most one frame per operation: no regrowth on the way down
    best_state_ = state_;
    entry_ = entries_[0].next;
    pass_ = Pass::forced;
  }
  // The scan position lives in the object between slices; locals here for speed.
  std::int32_t entry = entry_;
  Pass pass = pass_;
  const std::uint64_t slice_end = slice_steps == 0 ? ~std::uint64_t{0} : steps_ + slice_steps;
  auto pause = [&](SearchStatus status) {
    entry_ = entry;
    pass_ = pass;
    return status;
  };
  while (required_left_ > 0) {
    // Limits are checked every 1024 steps: often enough to stop within a millisecond, rarely enough to
    // cost nothing.
    if ((++steps_ & 1023) == 0) {
      if (deadline_.expired(1024)) return pause(SearchStatus::timeout);
      if (steps_ >= slice_end) return pause(SearchStatus::paused);
    }
    const Entry* e = entry >= 0 ? &entries_[static_cast<std::size_t>(entry)] : nullptr;
    if (e != nullptr && e->call) {
      if ((e->passes & pass_bit(pass)) == 0) {
        entry = e->next;
        continue;
      }
      // The model's verdict on a forced candidate, from the entry (note_forced): try_linearize would reject
      // it, and a rejected forced candidate is passed over (no killer in this pass).
      if (pass == Pass::forced && ((e->passes & kForcedRead) != 0 ? state_ != e->seen : state_ == e->seen)) {
        entry = e->next;
        continue;
      }
      switch (try_linearize(entry, pass)) {
        case Try::linearized:
          entry = entries_[0].next;
          pass = Pass::forced;
          continue;
        case Try::over_memory:
          return pause(SearchStatus::memory);
        case Try::known:
          // A forced move already explored: this configuration fails as a whole.
          if (pass == Pass::forced) break;
          entry = e->next;
          continue;
        case Try::rejected: {
          const KeyOp& op = ops_[static_cast<std::size_t>(e->op)];
          if (pass == Pass::required && op.fn == Fn::cas && !op.info && !op.cas_succeeded && state_ == op.expected) {
            const Try k = try_killer(entry);
            if (k == Try::over_memory) return pause(SearchStatus::memory);
            if (k == Try::linearized) {
              entry = entries_[0].next;
              pass = Pass::forced;
              continue;
            }
          }
          entry = e->next;
          continue;
        }
      }
    } else if (pass == Pass::forced || (pass == Pass::required && has_info_)) {
      // A return (its operation must be linearized before anything later) ends this pass. The end of the
      // list cannot come first while an operation with a known outcome is left, since its return follows.
      // Without info operations in the list the info pass would linearize nothing and end at the same
      // return: the search backtracks at once (the same configurations, in the same order, fewer steps).
      pass = pass == Pass::forced ? Pass::required : Pass::info;
      entry = entries_[0].next;
      continue;
    }
    entry = backtrack(pass);
    if (entry < 0) return SearchStatus::not_linearizable;
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
    // Runs of one key (a single-key history, as the streaming check's cuts hand over) skip the hashing.
    if (!groups.empty() && groups.back().key == op.key) {
      groups.back().indexes.push_back(i);
      continue;
    }
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
  // By id (ids are distinct values): the values writes, matching cas and the initial value produce, and
  // the append arguments with their lengths. A read's value ends with some argument iff its tail of one
  // of those lengths is an argument: a lookup per distinct length instead of a comparison per append
  // (the streaming check runs this at every cut, on reads of values built by dozens of appends).
  std::vector<std::uint8_t> producible(values.size(), 0);  // 1: produced; 2: an append argument
  std::vector<std::size_t> lengths;                        // of the append arguments, distinct
  producible[initial] |= 1;
  for (const KeyOp& op : ops) {
    if (op.fn == Fn::write || (op.fn == Fn::cas && op.cas_succeeded)) producible[op.input] |= 1;
    if (op.fn != Fn::append) continue;
    const std::string_view arg = *values.value(op.input);  // an append always has an argument
    producible[op.input] |= 2;
    if (std::find(lengths.begin(), lengths.end(), arg.size()) == lengths.end()) lengths.push_back(arg.size());
  }
  for (std::size_t i = 0; i < ops.size(); ++i) {
    const KeyOp& op = ops[i];
    if (op.fn != Fn::read || op.info) continue;
    if ((producible[op.output] & 1) != 0) continue;
    const auto out = values.value(op.output);
    const bool by_append = out && std::any_of(lengths.begin(), lengths.end(), [&](std::size_t n) {
                             if (n > out->size()) return false;
                             const std::uint32_t id = values.find(out->substr(out->size() - n));
                             return id != ValueTable::kAbsent && (producible[id] & 2) != 0;
                           });
    if (!by_append) return i;
  }
  return std::nullopt;
}

// Declares the observed values (see ValueTable: the dead state), gives writes and cas the state they
// leave, and drops the info operations that cannot matter.
//
// Dropping: on a key where no cas failed its compare with a known outcome, an info write or cas that
// leaves the dead state, or an info append whose argument occurs in no observed value, can be taken as
// never having happened. Take any linearization that includes such an operation W: from W to the next
// write or matching cas the key holds unobserved values (an append's argument stays inside every later
// value until a reset), so nothing in that stretch is a read or a matching cas; it holds only appends,
// info operations and writes. Removing W leaves every one of them legal (appends and writes apply to any
// value; an info cas that now matches may be taken as not having happened), and the stretch still ends at
// the same reset, after which nothing differs. Conversely, a linearization without W is one in which W
// never took effect, which an info outcome allows. So the verdict is the same with W dropped. A cas whose
// compare failed is the exception, since it could tell W's unobserved value from the one before it.
void prepare_states(std::vector<KeyOp>& ops, ValueTable& values) {
  bool appends = false;
  bool failed_cas = false;
  std::vector<std::uint32_t> observed(ops.size());  // (written in place: no push_back per operation)
  std::size_t count = 0;
  for (const KeyOp& op : ops) {
    appends = appends || op.fn == Fn::append;
    if (op.fn == Fn::read && !op.info) observed[count++] = op.output;
    if (op.fn == Fn::cas) observed[count++] = op.expected;
    failed_cas = failed_cas || (op.fn == Fn::cas && !op.info && !op.cas_succeeded);
  }
  observed.resize(count);
  values.set_observed(observed, appends);
  for (KeyOp& op : ops) {
    if (op.fn == Fn::write || op.fn == Fn::cas) op.result = values.canon(op.input);
  }
  // The substring test costs the total length of the observed values per info append: bounded, and an
  // append it cannot afford to test is kept.
  std::size_t work_left = std::size_t{1} << 26;
  auto hides = [&](const KeyOp& op) {
    if (!op.info) return false;
    if (op.fn == Fn::write) return op.result == ValueTable::kDead;
    if (op.fn != Fn::append) return false;
    const std::string_view arg = *values.value(op.input);
    if (arg.empty() || work_left == 0) return false;
    return !values.occurs_in_observed(arg, work_left);
  };
  if (!failed_cas) {
    std::erase_if(ops, [&](const KeyOp& op) { return hides(op) || (op.info && op.fn == Fn::cas && op.result == ValueTable::kDead); });
    return;
  }
  // With cas that failed their compare, such an operation W can matter in one way only: by hiding a value
  // that a failed cas C would otherwise have matched. By the argument above, W can then be moved later
  // (an info operation has no completion, so nothing must follow it) up to just before the first failed
  // cas of its stretch, or dropped if there is none. And every such write or append leaves the dead state
  // from any state, so they are interchangeable: the search keeps them aside as "killers" and linearizes
  // one only right before a failed cas whose compare would match now (KeySearch::try_killer).
  for (KeyOp& op : ops) op.killer = hides(op);
}

// ---------------------------------------------------------------------------------------------------------
// Witness text.

std::string show_value(const std::optional<std::string>& v) { return v ? fmt::format("\"{}\"", *v) : "nil"; }
std::string show_state(const ValueTable& values, std::uint32_t state) {
  if (state == ValueTable::kDead) return "(a value no operation observes)";
  const std::optional<std::string_view> v = values.value(state);
  return v ? fmt::format("\"{}\"", *v) : "nil";
}

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
// invoked before it completes (the candidates the search tried), the earliest pending observer, and the
// linearized operations overlapping the first one (whose order the search could have chosen differently).
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
  // The search also cuts states from which one of the earliest pending observers cannot be satisfied
  // (KeySearch::observers_reachable), so those observers are part of the reason even when invoked later.
  std::vector<std::size_t> observers;
  for (std::size_t i = 0; i < ops.size(); ++i) {
    if (!in_prefix[i] && !ops[i].info && ResetIndex::observes(ops[i])) observers.push_back(i);
  }
  std::stable_sort(observers.begin(), observers.end(),
                   [&](std::size_t a, std::size_t b) { return ops[a].invoke_time < ops[b].invoke_time; });
  if (observers.size() > kObserversChecked) observers.resize(kObserversChecked);
  RAFTSIM_ASSERT(observers.size() <= kObserversChecked);
  const KeyOp& s = ops[*stuck];
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < ops.size(); ++i) {
    const bool open = !in_prefix[i] && ops[i].invoke_time < s.complete_time;
    const bool overlapping = in_prefix[i] && ops[i].complete_time > s.invoke_time;
    const bool observer = std::find(observers.begin(), observers.end(), i) != observers.end();
    if (open || overlapping || observer) out.push_back(ops[i].index);
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
      show_key(key), ops.size(), w.longest_prefix.size(), show_state(values, search.longest_prefix_state()));
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

// One key's check in progress: its operations, values and search, kept together so the search can be
// paused and resumed (its references into ops and values stay valid: the Task does not move).
struct KeyTask {
  const KeyGroup* group = nullptr;
  ValueTable values;
  std::vector<KeyOp> ops;
  std::unique_ptr<KeySearch> search;
};

struct KeyResult {
  LinVerdict verdict = LinVerdict::linearizable;  // unknown: not decided yet (still searching)
  std::string reason;
  std::optional<LinWitness> witness;
};

// Interns the key's operations and runs the checks that need no search. A decided key gets its verdict;
// otherwise the task gets its search and the verdict is unknown.
KeyResult prepare_key(const History& history, KeyTask& task, const Deadline& deadline, MemoryBudget& budget) {
  const KeyGroup& group = *task.group;
  const std::uint32_t initial = task.values.intern(history.initial_value);
  task.ops = intern_ops(history, group, task.values);
  if (const auto bad = unproducible_read(task.ops, task.values, initial)) {
    const std::size_t index = task.ops[*bad].index;
    return {LinVerdict::not_linearizable,
            fmt::format("key {}: operation #{} read {}, which is never written", show_key(group.key), index,
                        show_value(history.operations[index].output)),
            read_witness(history, group.key, index)};
  }
  prepare_states(task.ops, task.values);
  if (std::none_of(task.ops.begin(), task.ops.end(), [](const KeyOp& op) { return !op.info; })) return {};
  task.search = std::make_unique<KeySearch>(task.ops, task.values, task.values.canon(initial), deadline, budget);
  return {LinVerdict::unknown, "", std::nullopt};
}

KeyResult refuted(const History& history, const KeyTask& task) {
  LinWitness w = search_witness(history, task.group->key, task.ops, *task.search, task.values);
  return {LinVerdict::not_linearizable,
          fmt::format("key {}: no linearization (longest partial linearization: {} of {} operations)",
                      show_key(task.group->key), w.longest_prefix.size(), task.ops.size()),
          std::move(w)};
}

// Every limit that stopped some key, with the keys it stopped: "memory limit of 1073741824 bytes reached
// on keys k1 (5000000 configurations), k7 (...); timeout after 10s on keys k2, k3".
class LimitReport {
 public:
  void add(const std::string& limit, const std::string& key) {
    auto it = std::find_if(limits_.begin(), limits_.end(), [&](const auto& l) { return l.first == limit; });
    if (it == limits_.end()) it = limits_.insert(limits_.end(), {limit, {}});
    it->second.push_back(key);
  }
  bool empty() const { return limits_.empty(); }
  std::string text() const {
    std::string out;
    for (const auto& [limit, keys] : limits_) {
      if (!out.empty()) out += "; ";
      out += fmt::format("{} on key{} ", limit, keys.size() == 1 ? "" : "s");
      // A limit that stopped a thousand keys names the first few and counts the rest.
      constexpr std::size_t kNamedMax = 10;
      for (std::size_t i = 0; i < std::min(keys.size(), kNamedMax); ++i) out += (i == 0 ? "" : ", ") + keys[i];
      if (keys.size() > kNamedMax) out += fmt::format(" and {} more", keys.size() - kNamedMax);
    }
    return out;
  }

 private:
  std::vector<std::pair<std::string, std::vector<std::string>>> limits_;
};

}  // namespace

// (Empty: the buffers are ScratchBuffers, whose members' types are this file's own.)
struct KeyCheckScratch::Buffers {
  virtual ~Buffers() = default;
};

namespace {
// What KeyCheckScratch keeps between check_key_linearizability calls.
struct ScratchBuffers final : KeyCheckScratch::Buffers {
  // The caller's value id -> the table's id, valid if stamped with the current call's number: a new call
  // takes the next number instead of clearing the map (it spans all the streaming key's values).
  struct Mapped {
    std::uint32_t call;
    std::uint32_t id;
  };
  std::vector<Mapped> id_of;
  std::uint32_t call = 0;  // the current call's number (0: none yet; the map's entries start at 0)
  ValueTable values;                  // clear()ed by each call
  std::vector<KeyOp> ops;
};
}  // namespace

KeyCheckScratch::KeyCheckScratch() : buffers_(std::make_unique<ScratchBuffers>()) {}
KeyCheckScratch::~KeyCheckScratch() = default;

const char* verdict_name(LinVerdict verdict) {
  switch (verdict) {
    case LinVerdict::linearizable: return "linearizable";
    case LinVerdict::not_linearizable: return "not-linearizable";
    case LinVerdict::unknown: return "unknown";
  }
  return "?";
}

// Keys are checked independently (P-compositionality) and share the limits fairly: every key whose search
// does not finish within its first slice of steps joins a round-robin in which each gets the same number
// of steps in turn, so a hard key cannot starve an easy violation in another key; the first refuted key
// decides at once. The memory budget is shared too: when a search needs more than is left, the key
// holding the most memory is stopped (verdict unknown for that key) and its memory freed, so an easy key
// is never the one starved. A time or step limit stops every key still searching. An unknown verdict
// names every limit hit and the keys it stopped.
LinResult check_linearizability(const History& history, const LinLimits& limits) {
  constexpr std::uint64_t kSliceSteps = std::uint64_t{1} << 16;
  const Deadline deadline(limits);
  MemoryBudget budget{limits.memory_bytes_max, 0};
  LinResult result;
  const std::vector<KeyGroup> groups = group_by_key(history);
  // Most keys finish within their first slice, and a key that does is freed at once (so a history of a
  // thousand keys never holds a thousand searches). Under a step limit, the first slices together take at
  // most half of it, so the keys late in the history get their turn too.
  std::uint64_t first_slice_steps = kSliceSteps;
  if (limits.steps_max != 0) {
    first_slice_steps = std::clamp<std::uint64_t>(limits.steps_max / (2 * std::max<std::size_t>(1, groups.size())),
                                                  1024, kSliceSteps);
  }
  for (const KeyGroup& g : groups) result.operations += g.indexes.size();
  LimitReport stopped;
  std::vector<std::unique_ptr<KeyTask>> active;  // keys still searching, in order of first appearance
  auto decide = [&](std::unique_ptr<KeyTask>& task, KeyResult r) {
    if (r.verdict == LinVerdict::not_linearizable) {
      ++result.keys_checked;
      result.verdict = r.verdict;
      result.reason = std::move(r.reason);
      result.witness = std::move(r.witness);
      return true;
    }
    if (r.verdict == LinVerdict::linearizable) ++result.keys_checked;
    task.reset();
    return false;
  };
  // Runs one slice of a key's search; true if the check is decided (a key refuted).
  auto step = [&](std::unique_ptr<KeyTask>& task, std::uint64_t slice) {
    while (true) {
      switch (task->search->run(slice)) {
        case SearchStatus::linearizable: return decide(task, {});
        case SearchStatus::not_linearizable: return decide(task, refuted(history, *task));
        case SearchStatus::paused: return false;
        case SearchStatus::timeout: return false;  // reported below for every key still searching
        case SearchStatus::memory: {
          // Stop the key holding the most memory: this one, or another (then this one continues).
          std::unique_ptr<KeyTask>* hog = &task;
          for (auto& other : active) {
            if (other && other->search->memory_bytes() > (*hog)->search->memory_bytes()) hog = &other;
          }
          stopped.add(fmt::format("memory limit of {} bytes reached", limits.memory_bytes_max),
                      fmt::format("{} ({} configurations)", show_key((*hog)->group->key), (*hog)->search->cache_size()));
          const bool self = hog == &task;
          hog->reset();
          if (self) return false;
          continue;
        }
      }
    }
  };
  for (const KeyGroup& group : groups) {
    if (deadline.expired()) {
      stopped.add(deadline.reason(), show_key(group.key));
      continue;
    }
    auto task = std::make_unique<KeyTask>();
    task->group = &group;
    KeyResult r = prepare_key(history, *task, deadline, budget);
    if (r.verdict != LinVerdict::unknown) {
      if (decide(task, std::move(r))) return result;
      continue;
    }
    active.push_back(std::move(task));
    if (step(active.back(), first_slice_steps)) return result;
    if (!active.back()) active.pop_back();
  }
  while (!active.empty() && !deadline.expired()) {
    for (auto& task : active) {
      if (task && step(task, kSliceSteps)) return result;
      if (deadline.expired()) break;
    }
    std::erase_if(active, [](const auto& t) { return !t; });
  }
  for (const auto& task : active) {
    if (task) stopped.add(deadline.reason(), show_key(task->group->key));
  }
  if (!stopped.empty()) {
    result.verdict = LinVerdict::unknown;
    result.reason = stopped.text();
  }
  return result;
}

// The same steps as check_linearizability on a one-key history (group_by_key, prepare_key, one search to
// its end: with a single key, slices and round-robin change nothing, and a memory stop stops this key),
// without the strings: each distinct value is interned once, in the order intern_ops would intern it (the
// initial value, then each operation's input, expected and output), so the ids, and so the search, are
// the same as check_linearizability's on the History these operations describe.
LinVerdict check_key_linearizability(std::uint32_t initial, const std::vector<KeyOpIds>& in, std::size_t id_bound,
                                     const std::function<std::string_view(std::uint32_t)>& text,
                                     const LinLimits& limits) {
  return check_key_linearizability(
      initial, in, id_bound,
      [&](std::uint32_t id) {
        const std::string_view t = text(id);
        return HashedText{t, hash_text(t)};
      },
      limits);
}

LinVerdict check_key_linearizability(std::uint32_t initial, const std::vector<KeyOpIds>& in, std::size_t id_bound,
                                     const std::function<HashedText(std::uint32_t)>& text,
                                     const LinLimits& limits, KeyCheckScratch* scratch) {
  std::optional<KeyCheckScratch> own;
  auto& buffers = static_cast<ScratchBuffers&>(scratch != nullptr ? scratch->buffers() : own.emplace().buffers());
  // The caller's ids -> the table's (see ScratchBuffers::Mapped).
  std::vector<ScratchBuffers::Mapped>& id_of = buffers.id_of;
  if (buffers.call == 0xFFFFFFFFu) {  // (numbers used up: every entry is stale again at 0)
    std::fill(id_of.begin(), id_of.end(), ScratchBuffers::Mapped{0, 0});
    buffers.call = 0;
  }
  const std::uint32_t call = ++buffers.call;
  if (id_of.size() < id_bound) id_of.resize(id_bound, ScratchBuffers::Mapped{0, 0});
  ValueTable& values = buffers.values;
  values.clear();
  values.reserve(std::min(id_bound, in.size() + 1));
  auto intern = [&](std::uint32_t id) -> std::uint32_t {
    if (id == 0) return ValueTable::kNil;
    RAFTSIM_ASSERT(id < id_bound);
    ScratchBuffers::Mapped& mapped = id_of[id];
    if (mapped.call != call) {
      const HashedText t = text(id);
      mapped = {call, values.intern_text(t.text, t.hash)};
    }
    RAFTSIM_ASSERT(mapped.id != ValueTable::kNil && mapped.id != ValueTable::kDead && mapped.id < values.size());
    return mapped.id;
  };
  const std::uint32_t init = intern(initial);
  std::vector<KeyOp>& ops = buffers.ops;
  ops.resize(in.size());  // (written in place, then cut to the operations kept: no push_back per operation)
  std::size_t kept = 0;
  for (std::size_t i = 0; i < in.size(); ++i) {
    const KeyOpIds& op = in[i];
    if (op.info && op.fn == Fn::read) continue;  // constrains nothing (as group_by_key leaves it out)
    KeyOp& k = ops[kept++];
    k = KeyOp{};
    k.index = i;
    k.fn = op.fn;
    k.info = op.info;
    k.cas_succeeded = k.info || op.cas_succeeded;
    k.input = intern(op.input);
    k.expected = intern(op.expected);
    k.output = intern(op.output);
    k.invoke_time = op.invoke_time;
    k.complete_time = k.info ? Operation::kNever : op.complete_time;
    RAFTSIM_ASSERT_MSG(k.info || k.complete_time >= k.invoke_time, "an operation completes before its invoke");
  }
  ops.resize(kept);
  if (ops.empty()) return LinVerdict::linearizable;
  if (unproducible_read(ops, values, init)) return LinVerdict::not_linearizable;
  prepare_states(ops, values);
  if (std::none_of(ops.begin(), ops.end(), [](const KeyOp& op) { return !op.info; })) return LinVerdict::linearizable;
  LinLimits steps_only;  // (give_up is not polled: see the header)
  steps_only.steps_max = limits.steps_max;
  steps_only.memory_bytes_max = limits.memory_bytes_max;
  const Deadline deadline(steps_only);
  MemoryBudget budget{limits.memory_bytes_max, 0};
  KeySearch search(ops, values, values.canon(init), deadline, budget, /*witness=*/false);
  switch (search.run(0)) {
    case SearchStatus::linearizable: return LinVerdict::linearizable;
    case SearchStatus::not_linearizable: return LinVerdict::not_linearizable;
    case SearchStatus::timeout:
    case SearchStatus::memory:
    case SearchStatus::paused: return LinVerdict::unknown;
  }
  return LinVerdict::unknown;
}

}  // namespace checkers
