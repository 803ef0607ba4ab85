#include "raft/command.h"

#include <array>
#include <cstddef>
#include <string_view>

#include "base/assert.h"

namespace raft {

const char* op_name(OpKind op) {
  switch (op) {
    case OpKind::noop:
      return "noop";
    case OpKind::get:
      return "get";
    case OpKind::put:
      return "put";
    case OpKind::append:
      return "append";
    case OpKind::cas:
      return "cas";
    case OpKind::config:
      return "config";
  }
  RAFTSIM_ASSERT_MSG(false, "op_name: value outside the OpKind enum");
  return "?";
}

namespace {

// FNV-1a over explicit little-endian bytes, so the digest does not depend on the host's endianness,
// pointer values or std::hash (which is implementation-defined). Strings are hashed as length + bytes so
// that ("ab","c") and ("a","bc") differ.
class Fnv1a {
 public:
  void byte(std::uint8_t b) {
    state_ ^= b;
    state_ *= kPrime;
  }
  // The same bytes, least significant first, as eight byte() calls. A byte of zero only multiplies by the
  // prime (x ^ 0 == x), so the zero bytes above the highest nonzero one are one multiplication by a power
  // of the prime (mod 2^64, the same product): the numbers digested (terms, lengths, ids) are mostly one or
  // two bytes, and an entry's digest hashed 48 bytes of them one by one (issue 14). The digest is unchanged.
  void u64(std::uint64_t v) {
    std::uint64_t s = state_;
    std::size_t bytes = 0;
    for (; v != 0; v >>= 8, ++bytes) s = (s ^ (v & 0xff)) * kPrime;
    RAFTSIM_ASSERT(bytes <= 8);
    state_ = s * kPrimePowers[8 - bytes];
  }
  void str(std::string_view s) {
    u64(s.size());
    std::uint64_t h = state_;
    for (char c : s) {
      h = (h ^ static_cast<std::uint8_t>(c)) * kPrime;
    }
    state_ = h;
  }
  // splitmix64 finalizer: FNV-1a's low bits mix poorly; checkers may bucket on any bits.
  std::uint64_t finish() const {
    std::uint64_t z = state_;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

 private:
  static constexpr std::uint64_t kOffsetBasis = 0xcbf29ce484222325ULL;
  static constexpr std::uint64_t kPrime = 0x100000001b3ULL;
  // kPrimePowers[k] = kPrime^k mod 2^64: k zero bytes.
  static constexpr std::array<std::uint64_t, 9> kPrimePowers = [] {
    std::array<std::uint64_t, 9> powers{};
    powers[0] = 1;
    for (std::size_t k = 1; k < powers.size(); ++k) powers[k] = powers[k - 1] * kPrime;
    return powers;
  }();
  std::uint64_t state_ = kOffsetBasis;
};

}  // namespace

std::uint64_t entry_digest(Term term, const Command& command) {
  Fnv1a h;
  h.u64(term.value);
  h.byte(static_cast<std::uint8_t>(command.op));
  h.str(command.key);
  h.str(command.value);
  h.str(command.expected);
  h.u64(command.client_id);
  h.u64(command.request_id);
  return h.finish();
}

std::uint64_t entry_digest(const Entry& entry) { return entry.digest(); }

Entry::Entry(Term term, Command&& command) {
  const std::uint64_t digest = entry_digest(term, command);
  body_ = std::make_shared<const Body>(term, std::move(command), digest);  // built in place: no Body moved
  RAFTSIM_ASSERT(body_ != nullptr);
}

}  // namespace raft
