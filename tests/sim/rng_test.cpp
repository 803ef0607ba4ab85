// The simulator's own randomness: reproducible per seed, independent per stream, and distributed as
// documented (checked statistically with bounds loose enough never to flake, tight enough to catch bugs).
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "sim/latency.h"
#include "sim/rng.h"

TEST_CASE("rng: the same seed and stream give the same sequence") {
  sim::Rng a(42, sim::Stream::network);
  sim::Rng b(42, sim::Stream::network);
  for (int i = 0; i < 1000; ++i) REQUIRE(a.next_u64() == b.next_u64());
}

TEST_CASE("rng: different seeds and different streams give different sequences") {
  sim::Rng a(42, sim::Stream::network);
  sim::Rng b(43, sim::Stream::network);
  sim::Rng c(42, sim::Stream::workload);
  int same_ab = 0, same_ac = 0;
  for (int i = 0; i < 100; ++i) {
    const auto x = a.next_u64();
    same_ab += x == b.next_u64();
    same_ac += x == c.next_u64();
  }
  REQUIRE(same_ab == 0);
  REQUIRE(same_ac == 0);
}

TEST_CASE("rng: drawing from one stream does not move another") {
  sim::Rng net1(7, sim::Stream::network);
  sim::Rng net2(7, sim::Stream::network);
  sim::Rng work(7, sim::Stream::workload);
  for (int i = 0; i < 50; ++i) work.next_u64();  // a "workload change"
  for (int i = 0; i < 100; ++i) REQUIRE(net1.next_u64() == net2.next_u64());
}

TEST_CASE("rng: below() stays in range and covers it uniformly") {
  sim::Rng r(1, sim::Stream::faults);
  std::vector<int> counts(10, 0);
  const int n = 100000;
  for (int i = 0; i < n; ++i) {
    const auto x = r.below(10);
    REQUIRE(x < 10);
    ++counts[x];
  }
  for (int c : counts) {
    REQUIRE(c > n / 10 * 0.9);
    REQUIRE(c < n / 10 * 1.1);
  }
  REQUIRE(r.below(1) == 0);
}

TEST_CASE("rng: between() is inclusive on both ends") {
  sim::Rng r(3, sim::Stream::timers);
  bool saw_lo = false, saw_hi = false;
  for (int i = 0; i < 10000; ++i) {
    const auto x = r.between(-2, 2);
    REQUIRE(x >= -2);
    REQUIRE(x <= 2);
    saw_lo |= x == -2;
    saw_hi |= x == 2;
  }
  REQUIRE(saw_lo);
  REQUIRE(saw_hi);
  REQUIRE(r.between(5, 5) == 5);
}

TEST_CASE("rng: unit, bernoulli and exponential have the right moments") {
  sim::Rng r(9, sim::Stream::disk);
  const int n = 200000;
  double sum_u = 0, sum_e = 0;
  int heads = 0;
  for (int i = 0; i < n; ++i) {
    const double u = r.unit();
    REQUIRE(u >= 0.0);
    REQUIRE(u < 1.0);
    sum_u += u;
    heads += r.bernoulli(0.3);
    sum_e += r.exponential(5.0);
  }
  REQUIRE(std::abs(sum_u / n - 0.5) < 0.01);
  REQUIRE(std::abs(static_cast<double>(heads) / n - 0.3) < 0.01);
  REQUIRE(std::abs(sum_e / n - 5.0) < 0.1);
}

TEST_CASE("rng: bernoulli(0) and bernoulli(1) consume no randomness") {
  // A disabled fault must not shift the random choices that follow it.
  sim::Rng a(11, sim::Stream::network);
  sim::Rng b(11, sim::Stream::network);
  for (int i = 0; i < 10; ++i) {
    REQUIRE_FALSE(a.bernoulli(0.0));
    REQUIRE(a.bernoulli(1.0));
  }
  REQUIRE(a.next_u64() == b.next_u64());
}

TEST_CASE("latency: bimodal draws mostly fast with a rare long tail") {
  sim::LatencyModel m;
  m.kind = sim::LatencyModel::Kind::bimodal;
  m.min = sim::Duration::micros(100);
  m.max = sim::Duration::micros(200);
  m.tail_probability = 0.05;
  m.tail_min = sim::Duration::millis(50);
  m.tail_max = sim::Duration::millis(60);
  sim::Rng r(5, sim::Stream::network);
  int fast = 0, tail = 0;
  for (int i = 0; i < 20000; ++i) {
    const auto d = m.draw(r);
    if (d >= m.min && d <= m.max) ++fast;
    else if (d >= m.tail_min && d <= m.tail_max) ++tail;
    else FAIL("latency outside both modes: " << d.us);
  }
  REQUIRE(tail > 20000 * 0.04);
  REQUIRE(tail < 20000 * 0.06);
  REQUIRE(fast + tail == 20000);
}

TEST_CASE("latency: exponential stays between min and max") {
  sim::LatencyModel m;
  m.kind = sim::LatencyModel::Kind::exponential;
  m.min = sim::Duration::micros(100);
  m.max = sim::Duration::micros(5000);
  m.mean = sim::Duration::micros(600);
  sim::Rng r(5, sim::Stream::network);
  double sum = 0;
  for (int i = 0; i < 20000; ++i) {
    const auto d = m.draw(r);
    REQUIRE(d >= m.min);
    REQUIRE(d <= m.max);
    sum += static_cast<double>(d.us);
  }
  REQUIRE(std::abs(sum / 20000 - 600) < 30);
}
