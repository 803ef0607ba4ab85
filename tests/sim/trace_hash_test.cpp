// The running trace hash (sim/trace.h, version 2): properties, not a pinned value. Every field and every
// bit of it reaches the hash, the order of events matters, padding and addresses do not, and the helper
// pieces are what the header's comment says they are (checked against a computation from first principles).
#include <catch2/catch.hpp>

#include <bit>
#include <cstdint>
#include <cstring>
#include <functional>
#include <new>
#include <string>
#include <vector>

#include "sim/rng.h"
#include "sim/trace.h"

namespace {

// fold() computed without a 128-bit type, from 32-bit halves (schoolbook multiplication).
std::uint64_t fold_reference(std::uint64_t x, std::uint64_t y) {
  constexpr std::uint64_t kLow = 0xFFFFFFFFULL;
  const std::uint64_t ll = (x & kLow) * (y & kLow);
  const std::uint64_t lh = (x & kLow) * (y >> 32);
  const std::uint64_t hl = (x >> 32) * (y & kLow);
  const std::uint64_t hh = (x >> 32) * (y >> 32);
  const std::uint64_t middle = (ll >> 32) + (lh & kLow) + (hl & kLow);  // below 3 * 2^32
  const std::uint64_t low = (middle << 32) | (ll & kLow);
  const std::uint64_t high = hh + (lh >> 32) + (hl >> 32) + (middle >> 32);
  return low ^ high;
}

// A plausible event drawn at random: small counters, and sometimes full 64-bit digests in a, b, c.
sim::TraceEvent random_event(sim::Rng& rng) {
  sim::TraceEvent e;
  e.time_us = static_cast<std::int64_t>(rng.below(1ULL << 40));
  e.kind = static_cast<sim::EventKind>(rng.below(sim::kEventKindCount));
  e.label = static_cast<std::uint16_t>(rng.below(16));
  e.node = static_cast<std::int32_t>(rng.below(8)) - 1;
  e.peer = static_cast<std::int32_t>(rng.below(8)) - 1;
  e.incarnation = static_cast<std::uint32_t>(rng.below(5));
  const bool digests = rng.below(2) == 1;
  e.a = digests ? rng.next_u64() : rng.below(1000);
  e.b = rng.below(1000);
  e.c = digests ? rng.next_u64() : rng.below(1000);
  return e;
}

// One field of TraceEvent, its width in bits, and how to flip bit `bit` of it.
struct Field {
  std::string name;
  int bits;
  std::function<void(sim::TraceEvent&, int)> flip;
};

std::vector<Field> fields() {
  return {
      {"time_us", 64, [](sim::TraceEvent& e, int bit) { e.time_us = static_cast<std::int64_t>(static_cast<std::uint64_t>(e.time_us) ^ (1ULL << bit)); }},
      {"kind", 8, [](sim::TraceEvent& e, int bit) { e.kind = static_cast<sim::EventKind>(static_cast<std::uint8_t>(e.kind) ^ (1U << bit)); }},
      {"label", 16, [](sim::TraceEvent& e, int bit) { e.label = static_cast<std::uint16_t>(e.label ^ (1U << bit)); }},
      {"node", 32, [](sim::TraceEvent& e, int bit) { e.node = static_cast<std::int32_t>(static_cast<std::uint32_t>(e.node) ^ (1U << bit)); }},
      {"peer", 32, [](sim::TraceEvent& e, int bit) { e.peer = static_cast<std::int32_t>(static_cast<std::uint32_t>(e.peer) ^ (1U << bit)); }},
      {"incarnation", 32, [](sim::TraceEvent& e, int bit) { e.incarnation ^= 1U << bit; }},
      {"a", 64, [](sim::TraceEvent& e, int bit) { e.a ^= 1ULL << bit; }},
      {"b", 64, [](sim::TraceEvent& e, int bit) { e.b ^= 1ULL << bit; }},
      {"c", 64, [](sim::TraceEvent& e, int bit) { e.c ^= 1ULL << bit; }},
  };
}

bool valid_kind(const sim::TraceEvent& e) { return static_cast<int>(e.kind) < sim::kEventKindCount; }

std::uint64_t trace_hash_of(const std::vector<sim::TraceEvent>& events) {
  sim::Trace trace;
  for (const auto& e : events) trace.record(e);
  return trace.hash();
}

}  // namespace

TEST_CASE("trace hash: fold is the 128-bit product's halves xored") {
  using sim::trace_detail::fold;
  const std::uint64_t edges[] = {0, 1, 2, 0xFFFFFFFFULL, 0x100000000ULL, 0x8000000000000000ULL, ~0ULL, ~0ULL - 1};
  for (const std::uint64_t x : edges) {
    for (const std::uint64_t y : edges) REQUIRE(fold(x, y) == fold_reference(x, y));
  }
  sim::Rng rng(5, sim::Stream::workload);
  for (int i = 0; i < 10000; ++i) {
    const std::uint64_t x = rng.next_u64(), y = rng.next_u64();
    REQUIRE(fold(x, y) == fold_reference(x, y));
  }
  // Negative space: a zero factor wipes the other (why the constants have bit 63 set).
  CHECK(fold(0x1234, 0) == 0);
  CHECK(fold(0x1234, 1) == 0x1234);
}

TEST_CASE("trace hash: the constants are splitmix64's first outputs with bits 0 and 63 set") {
  std::uint64_t state = 0;
  std::vector<std::uint64_t> expected;
  for (int i = 0; i < 3; ++i) {
    state += 0x9E3779B97F4A7C15ULL;
    expected.push_back(sim::trace_detail::avalanche(state) | 1ULL | (1ULL << 63));
  }
  CHECK(sim::trace_detail::kK1 == expected[0]);
  CHECK(sim::trace_detail::kK3 == expected[1]);
  CHECK(sim::trace_detail::kK5 == expected[2]);
}

TEST_CASE("trace hash: every bit of every field changes the event's fold and the trace's hash") {
  sim::Rng rng(11, sim::Stream::workload);
  int flips = 0;
  for (int round = 0; round < 200; ++round) {
    const sim::TraceEvent base = random_event(rng);
    const std::uint64_t state = rng.next_u64();
    const std::uint64_t folded = sim::hash_event(state, base);
    const std::uint64_t hashed = trace_hash_of({base});
    for (const Field& f : fields()) {
      for (int bit = 0; bit < f.bits; ++bit) {
        sim::TraceEvent changed = base;
        f.flip(changed, bit);
        INFO(f.name << " bit " << bit << " round " << round);
        REQUIRE(sim::hash_event(state, changed) != folded);
        // Trace::record asserts a known kind: the kind's high bits are checked by the fold above.
        if (valid_kind(changed)) REQUIRE(trace_hash_of({changed}) != hashed);
        ++flips;
      }
    }
  }
  CHECK(flips == 200 * (64 + 8 + 16 + 32 * 3 + 64 * 3));
  // Positive space: the same event and state give the same fold.
  sim::Rng again(11, sim::Stream::workload);
  const sim::TraceEvent e = random_event(again);
  CHECK(sim::hash_event(7, e) == sim::hash_event(7, e));
}

TEST_CASE("trace hash: a flipped input bit flips about half of the finished hash's bits") {
  sim::Rng rng(13, sim::Stream::workload);
  long changed_bits = 0;
  long samples = 0;
  for (int round = 0; round < 50; ++round) {
    const sim::TraceEvent base = random_event(rng);
    const std::uint64_t hashed = trace_hash_of({base, base});
    for (const Field& f : fields()) {
      for (int bit = 0; bit < f.bits; ++bit) {
        sim::TraceEvent changed = base;
        f.flip(changed, bit);
        if (!valid_kind(changed)) continue;
        changed_bits += std::popcount(trace_hash_of({changed, base}) ^ hashed);
        ++samples;
      }
    }
  }
  const double mean = static_cast<double>(changed_bits) / static_cast<double>(samples);
  CHECK(mean > 30.0);
  CHECK(mean < 34.0);
}

TEST_CASE("trace hash: the order of events matters") {
  sim::Rng rng(17, sim::Stream::workload);
  for (int round = 0; round < 1000; ++round) {
    const sim::TraceEvent a = random_event(rng);
    sim::TraceEvent b = random_event(rng);
    if (a.time_us == b.time_us && a.kind == b.kind && a.label == b.label && a.node == b.node && a.peer == b.peer &&
        a.incarnation == b.incarnation && a.a == b.a && a.b == b.b && a.c == b.c) {
      b.a += 1;  // the two must differ for the swap to be a different trace
    }
    REQUIRE(trace_hash_of({a, b}) != trace_hash_of({b, a}));
    REQUIRE(trace_hash_of({a, b, a}) != trace_hash_of({a, a, b}));
  }
  // Two events whose words are only moved between fields (a <-> b, node <-> peer) are different events.
  sim::TraceEvent x;
  x.a = 5;
  x.b = 9;
  x.node = 1;
  x.peer = 2;
  sim::TraceEvent y = x;
  y.a = 9;
  y.b = 5;
  CHECK(trace_hash_of({x}) != trace_hash_of({y}));
  y = x;
  y.node = 2;
  y.peer = 1;
  CHECK(trace_hash_of({x}) != trace_hash_of({y}));
}

TEST_CASE("trace hash: the length counts, and zero words do not wipe the state") {
  const sim::TraceEvent zero = [] {
    sim::TraceEvent e;
    e.node = 0;
    e.peer = 0;
    return e;
  }();
  std::vector<sim::TraceEvent> events;
  std::vector<std::uint64_t> seen{trace_hash_of(events)};
  for (int n = 1; n <= 100; ++n) {
    events.push_back(zero);
    const std::uint64_t h = trace_hash_of(events);
    for (const std::uint64_t earlier : seen) REQUIRE(h != earlier);
    seen.push_back(h);
  }
  // Two different states stay different through events of all-zero or all-ones words below 2^63.
  sim::TraceEvent ones;
  ones.time_us = INT64_MAX;
  ones.kind = static_cast<sim::EventKind>(0xFF);
  ones.label = 0xFFFF;
  ones.node = -1;
  ones.peer = -1;
  ones.incarnation = 0xFFFFFFFFU;
  ones.a = ones.b = ones.c = (1ULL << 63) - 1;
  for (const sim::TraceEvent& e : {zero, ones}) {
    std::uint64_t s1 = 1, s2 = 2;
    for (int i = 0; i < 1000; ++i) {
      s1 = sim::hash_event(s1, e);
      s2 = sim::hash_event(s2, e);
      REQUIRE(s1 != s2);
    }
  }
}

TEST_CASE("trace hash: padding bytes and addresses do not reach it") {
  static_assert(sizeof(sim::TraceEvent) > 8 + 1 + 2 + 4 + 4 + 4 + 3 * 8, "the event has padding to test");
  sim::Rng rng(19, sim::Stream::workload);
  for (int round = 0; round < 100; ++round) {
    const sim::TraceEvent fields_only = random_event(rng);
    // Two copies whose padding bytes differ (0x00 versus 0xFF under the fields), at different addresses.
    alignas(sim::TraceEvent) unsigned char buffer1[sizeof(sim::TraceEvent)];
    alignas(sim::TraceEvent) unsigned char buffer2[sizeof(sim::TraceEvent)];
    std::memset(buffer1, 0x00, sizeof buffer1);
    std::memset(buffer2, 0xFF, sizeof buffer2);
    auto* e1 = new (buffer1) sim::TraceEvent;
    auto* e2 = new (buffer2) sim::TraceEvent;
    e1->time_us = e2->time_us = fields_only.time_us;
    e1->kind = e2->kind = fields_only.kind;
    e1->label = e2->label = fields_only.label;
    e1->node = e2->node = fields_only.node;
    e1->peer = e2->peer = fields_only.peer;
    e1->incarnation = e2->incarnation = fields_only.incarnation;
    e1->a = e2->a = fields_only.a;
    e1->b = e2->b = fields_only.b;
    e1->c = e2->c = fields_only.c;
    REQUIRE(std::memcmp(buffer1, buffer2, sizeof buffer1) != 0);  // negative space: the bytes do differ
    REQUIRE(sim::hash_event(3, *e1) == sim::hash_event(3, *e2));
    REQUIRE(trace_hash_of({*e1}) == trace_hash_of({*e2}));
  }
}

TEST_CASE("trace hash: a trace of the same events gives the same hash, whatever the sinks") {
  sim::Rng rng(23, sim::Stream::workload);
  std::vector<sim::TraceEvent> events;
  for (int i = 0; i < 500; ++i) events.push_back(random_event(rng));
  struct Counter : sim::TraceSink {
    int seen = 0;
    bool on_event(const sim::TraceEvent&) override { return ++seen > 0; }
  } counter;
  sim::Trace with_sink;
  with_sink.add_sink(&counter);
  for (const auto& e : events) with_sink.record(e);
  CHECK(counter.seen == 500);
  CHECK(with_sink.hash() == trace_hash_of(events));
  CHECK(with_sink.event_count() == 500);
  events.back().c ^= 1;
  CHECK(with_sink.hash() != trace_hash_of(events));
}
