#include "raft/command.h"

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
  // The same bytes, least significant first, as eight byte() calls; written out because the compiler kept
  // the loop (8 instructions a byte), and every node digests every entry it appends (issue 14).
  void u64(std::uint64_t v) {
    std::uint64_t s = state_;
    s = (s ^ (v & 0xff)) * kPrime;
    s = (s ^ ((v >> 8) & 0xff)) * kPrime;
    s = (s ^ ((v >> 16) & 0xff)) * kPrime;
    s = (s ^ ((v >> 24) & 0xff)) * kPrime;
    s = (s ^ ((v >> 32) & 0xff)) * kPrime;
    s = (s ^ ((v >> 40) & 0xff)) * kPrime;
    s = (s ^ ((v >> 48) & 0xff)) * kPrime;
    s = (s ^ (v >> 56)) * kPrime;
    state_ = s;
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

Entry::Entry(Term term, Command command) {
  const std::uint64_t digest = entry_digest(term, command);
  body_ = std::make_shared<const Body>(term, std::move(command), digest);  // built in place: no Body moved
  RAFTSIM_ASSERT(body_ != nullptr);
}

}  // namespace raft
