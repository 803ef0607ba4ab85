#include <catch2/catch.hpp>

#include "raft/log.h"
#include "raft/message.h"
#include "harness.h"

using namespace raft_test;

TEST_CASE("log: term_at is 0 before the first entry and beyond the end, matches() is the 5.3 check") {
  raft::Log log({entry(1), entry(1), entry(2)});
  CHECK(log.last_index() == I(3));
  CHECK(log.last_term() == T(2));
  CHECK(log.term_at(I(0)) == T(0));
  CHECK(log.term_at(I(4)) == T(0));
  CHECK(log.matches(I(0), T(0)));
  CHECK(log.matches(I(3), T(2)));
  CHECK_FALSE(log.matches(I(3), T(1)));
  CHECK_FALSE(log.matches(I(4), T(2)));
  CHECK(log.first_index_of_term_at(I(2)) == I(1));
  CHECK(log.last_index_of_term(T(1)) == I(2));
  CHECK_FALSE(log.last_index_of_term(T(3)).has_value());
  log.truncate_from(I(2));
  CHECK(log.last_index() == I(1));
  CHECK(log.slice(I(1), 10).size() == 1);
  CHECK(log.slice(I(2), 10).empty());
}

TEST_CASE("5.4.1: up-to-date comparison uses last term first, then length") {
  raft::Log log({entry(1), entry(2)});
  CHECK(log.is_up_to_date(T(3), I(1)));      // later last term wins even if shorter
  CHECK_FALSE(log.is_up_to_date(T(1), I(9))); // earlier last term loses even if longer
  CHECK(log.is_up_to_date(T(2), I(2)));      // equal is up-to-date
  CHECK_FALSE(log.is_up_to_date(T(2), I(1)));
}

TEST_CASE("digest: deterministic, covers every field, and hashes string boundaries") {
  Entry a = entry(3, "key", "value");
  CHECK(raft::entry_digest(a) == raft::entry_digest(entry(3, "key", "value")));
  // Entries are immutable: each variant is a new entry from a changed copy of a's command.
  const auto with = [&](auto change) {
    Command c = a.command();
    change(c);
    return Entry(a.term(), std::move(c));
  };
  CHECK(raft::entry_digest(a) != raft::entry_digest(Entry(T(4), a.command())));
  CHECK(raft::entry_digest(a) != raft::entry_digest(with([](Command& c) { c.op = OpKind::append; })));
  // (push_back, not = "x": GCC 12 -Wrestrict false positive, PR105651)
  CHECK(raft::entry_digest(a) != raft::entry_digest(with([](Command& c) { c.expected.push_back('x'); })));
  CHECK(raft::entry_digest(a) != raft::entry_digest(with([](Command& c) { c.client_id++; })));
  CHECK(raft::entry_digest(a) != raft::entry_digest(with([](Command& c) { c.request_id++; })));
  Entry c = entry(3, "ab", "c");
  Entry d = entry(3, "a", "bc");
  CHECK(raft::entry_digest(c) != raft::entry_digest(d));
}

namespace {

// The digest as documented (raft/command.h): FNV-1a over the explicit little-endian bytes, each u64 as eight
// bytes and each string as its length then its bytes, then the splitmix64 finalizer; written byte by byte,
// to pin the digest that the traces carry while raft/command.cpp computes it faster.
std::uint64_t reference_digest(raft::Term term, const Command& c) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  const auto byte = [&](std::uint64_t b) { h = (h ^ (b & 0xff)) * 0x100000001b3ULL; };
  const auto u64 = [&](std::uint64_t v) {
    for (int i = 0; i < 8; ++i) byte(v >> (8 * i));
  };
  const auto str = [&](const std::string& s) {
    u64(s.size());
    for (char ch : s) byte(static_cast<std::uint8_t>(ch));
  };
  u64(term.value);
  byte(static_cast<std::uint8_t>(c.op));
  str(c.key);
  str(c.value);
  str(c.expected);
  u64(c.client_id);
  u64(c.request_id);
  std::uint64_t z = h;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace

TEST_CASE("digest: the same as FNV-1a byte by byte, for numbers of every width (zero bytes skipped)") {
  // Numbers with one to eight significant bytes, zero bytes inside them, and the extremes.
  const std::uint64_t numbers[] = {0,          1,          0xff,       0x100,       0x1234,      0x10000,
                                   0xff00ff,   0x1000000,  0xdeadbeef, 0x100000000, 0x0100000001, 0x123456789abcULL,
                                   1ULL << 48, 1ULL << 56, 0x0100000000000001ULL,   ~0ULL};
  for (const std::uint64_t n : numbers) {
    Command c;
    c.op = OpKind::cas;
    c.key = std::string(static_cast<std::size_t>(n % 7), 'k');
    c.value = "v";
    c.expected = "e";
    c.client_id = n;
    c.request_id = ~n;
    const raft::Term term(n == 0 ? 1 : n);
    CHECK(raft::entry_digest(term, c) == reference_digest(term, c));
    CHECK(raft::entry_digest(Entry(term, c)) == reference_digest(term, c));
  }
}

TEST_CASE("entry: copies share the content, equality is by content, the digest is the entry's") {
  const Entry a = entry(3, "key", "value");
  const Entry copy = a;  // shares a's body: same strings, same digest
  CHECK(copy == a);
  CHECK(&copy.command() == &a.command());
  const Entry apart = entry(3, "key", "value");  // the same content, created apart
  CHECK(apart == a);
  CHECK(&apart.command() != &a.command());
  CHECK(apart.digest() == a.digest());
  CHECK_FALSE(entry(3, "key", "other") == a);
  CHECK_FALSE(entry(4, "key", "value") == a);
  CHECK(a.digest() == raft::entry_digest(a.term(), a.command()));
  CHECK(raft::entry_digest(a) == a.digest());
  // A log slice shares its entries with the log.
  raft::Log log;
  log.append(a);
  log.append(entry(3, "k2", "v2"));
  const raft::EntryList slice = log.slice(I(1), 2);
  REQUIRE(slice.size() == 2);
  CHECK(&slice[0].command() == &a.command());
  CHECK(slice[1] == log.at(I(2)));
  CHECK(log.digest_at(I(2)) == slice[1].digest());
}

namespace {

// The digest as raft/command.cpp documents it, one byte at a time: FNV-1a over the little-endian bytes of
// term, op, each string as (u64 length, bytes), client id and request id, then the splitmix64 finalizer.
// The digest is in every trace (log_append, apply): a faster implementation must give exactly this.
std::uint64_t reference_digest(const Entry& e) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  auto byte = [&](std::uint8_t b) { h = (h ^ b) * 0x100000001b3ULL; };
  auto u64 = [&](std::uint64_t v) {
    for (int i = 0; i < 8; ++i) byte(static_cast<std::uint8_t>(v >> (8 * i)));
  };
  auto str = [&](const std::string& s) {
    u64(s.size());
    for (char c : s) byte(static_cast<std::uint8_t>(c));
  };
  u64(e.term().value);
  byte(static_cast<std::uint8_t>(e.command().op));
  str(e.command().key);
  str(e.command().value);
  str(e.command().expected);
  u64(e.command().client_id);
  u64(e.command().request_id);
  std::uint64_t z = h;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace

TEST_CASE("digest: equals the byte-at-a-time definition (every byte value, long strings, high bits)") {
  Entry a = entry(3, "key", "value");
  CHECK(raft::entry_digest(a) == reference_digest(a));
  Command cb;
  cb.op = OpKind::cas;
  cb.client_id = 0x8000000000000001ULL;
  cb.request_id = ~0ULL;
  const Entry b(T(0xfedcba9876543210ULL), cb);
  CHECK(raft::entry_digest(b) == reference_digest(b));
  std::string every_byte;
  for (int c = 0; c < 256; ++c) every_byte.push_back(static_cast<char>(c));
  Command cc = entry(7, every_byte, every_byte + every_byte).command();
  cc.expected = "x";
  const Entry c(T(7), cc);
  CHECK(raft::entry_digest(c) == reference_digest(c));
  // A golden value, so that a change of both definitions together is seen too (computed before issue 14's
  // speed-up, by the byte-at-a-time implementation).
  CHECK(raft::entry_digest(entry(3, "key", "value")) == 0x1c9a16de09f115faULL);
}

TEST_CASE("names: op, role and message names, message_term reads any RPC's term") {
  CHECK(std::string(raft::op_name(OpKind::cas)) == "cas");
  CHECK(std::string(raft::role_name(Role::candidate)) == "candidate");
  const Message m = AppendEntriesReply{T(7), true, I(3), I(0), T(0)};
  CHECK(std::string(raft::message_name(m)) == "AppendEntriesReply");
  CHECK(raft::message_term(m) == T(7));
  CHECK(raft::message_term(Message{RequestVote{T(5), N(2), I(0), T(0)}}) == T(5));
}

TEST_CASE("entry list: one entry in place, more in a vector, read like a vector either way") {
  using raft::EntryList;
  const Entry a = entry(1, "a");
  const Entry b = entry(1, "b");
  EntryList none;
  CHECK(none.empty());
  CHECK(none.size() == 0);
  CHECK(none.begin() == none.end());

  EntryList list;
  list.push_back(a);
  REQUIRE(list.size() == 1);
  CHECK(&list[0].command() == &a.command());  // the same shared body, held in place
  CHECK(list.end() - list.begin() == 1);
  list.push_back(b);  // the one in place moves to the vector, with the new one after it
  REQUIRE(list.size() == 2);
  CHECK(list.front() == a);
  CHECK(list.back() == b);
  CHECK(list == EntryList({a, b}));
  CHECK_FALSE(list == EntryList({b, a}));
  CHECK_FALSE(list == EntryList({a}));

  // From a vector (as the codec and tests build them), copied or taken over, of any length.
  const std::vector<Entry> one{a};
  CHECK(EntryList(one) == EntryList({a}));
  CHECK(EntryList(std::vector<Entry>{a}) == EntryList({a}));
  CHECK(EntryList(std::vector<Entry>{a, b}) == list);
  CHECK(EntryList(std::vector<Entry>{}).empty());

  // A moved-from list is empty, whether it held its entry in place or in the vector.
  EntryList single({a});
  EntryList taken(std::move(single));
  CHECK(taken.size() == 1);
  CHECK(single.empty());  // the documented moved-from state
  EntryList pair = list;
  EntryList assigned;
  assigned = std::move(pair);
  CHECK(assigned == list);
  CHECK(pair.empty());
}
