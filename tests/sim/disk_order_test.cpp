// Issue 15, items 1 and 2: the disk's two latency draws happen in one fixed order on every compiler, and
// writes complete in write order even when the latencies are zero.
#include <catch2/catch.hpp>

#include <memory>

#include "sim/disk.h"

namespace {
struct Block : sim::Payload {};
sim::DiskWrite block(std::uint64_t token) { return sim::DiskWrite{token, std::make_shared<Block>(), 10}; }

sim::LatencyModel uniform_us(std::int64_t lo, std::int64_t hi) {
  return sim::LatencyModel{sim::LatencyModel::Kind::uniform, sim::Duration::micros(lo), sim::Duration::micros(hi)};
}
sim::LatencyModel zero() { return sim::LatencyModel{sim::LatencyModel::Kind::fixed, sim::Duration{}, sim::Duration{}}; }
}  // namespace

TEST_CASE("disk: a write's latency is the fsync draw then the write draw, whatever the compiler", "[disk][determinism]") {
  // Distinct ranges, so that swapping the two draws changes the sum (clang evaluated `a + b` the other way).
  sim::DiskConfig config;
  config.write_latency = uniform_us(0, 1'000);
  config.fsync_latency = uniform_us(10'000, 1'000'000);
  config.group_commit = false;
  for (std::uint64_t seed = 1; seed <= 50; ++seed) {
    sim::Rng rng(seed, sim::Stream::disk);
    sim::Rng replay(seed, sim::Stream::disk);
    sim::Disk disk(config);
    const sim::Duration fsync = config.fsync_latency.draw(replay);
    const sim::Duration write = config.write_latency.draw(replay);
    CHECK(disk.write(sim::Time{}, block(1), rng) == sim::Time{} + write + fsync);
  }
}

TEST_CASE("disk: zero-latency writes issued at one instant complete at distinct times, in order", "[disk]") {
  for (const bool group_commit : {true, false}) {
    sim::DiskConfig config;
    config.write_latency = zero();
    config.fsync_latency = zero();
    config.group_commit = group_commit;
    sim::Rng rng(1, sim::Stream::disk);
    sim::Disk disk(config);
    const sim::Time now = sim::Time{} + sim::Duration::millis(5);
    sim::Time previous = now - sim::Duration::micros(1);
    for (std::uint64_t token = 1; token <= 5; ++token) {
      const sim::Time done = disk.write(now, block(token), rng);
      CHECK(done > previous);  // equal times would be ordered by a random tie-break
      previous = done;
    }
    for (std::uint64_t token = 1; token <= 5; ++token) disk.sync(token);
    CHECK(disk.durable().size() == 5);
  }
}

TEST_CASE("disk: positive latencies are not shifted by the in-order guarantee", "[disk]") {
  sim::DiskConfig config;
  config.write_latency = sim::LatencyModel{sim::LatencyModel::Kind::fixed, sim::Duration::micros(100), sim::Duration::micros(100)};
  config.fsync_latency = sim::LatencyModel{sim::LatencyModel::Kind::fixed, sim::Duration::micros(400), sim::Duration::micros(400)};
  config.group_commit = false;
  sim::Rng rng(1, sim::Stream::disk);
  sim::Disk disk(config);
  CHECK(disk.write(sim::Time{}, block(1), rng) == sim::Time{} + sim::Duration::micros(500));
  CHECK(disk.write(sim::Time{}, block(2), rng) == sim::Time{} + sim::Duration::micros(1000));
}
