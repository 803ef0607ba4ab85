// Network fates, link blocking and partitions; disk ordering and crash loss.
#include <catch2/catch.hpp>

#include <memory>

#include "sim/disk.h"
#include "sim/network.h"

TEST_CASE("network: a reliable network delivers everything and counts it") {
  sim::Rng r(1, sim::Stream::network);
  sim::Network net(3, sim::NetworkConfig{}, r);
  for (int i = 0; i < 100; ++i) REQUIRE(net.send(0, 1).fate == sim::Network::Fate::delivered);
  REQUIRE(net.counters().sent == 100);
  REQUIRE(net.counters().dropped == 0);
}

TEST_CASE("network: drop and duplicate probabilities are honoured") {
  sim::Rng r(2, sim::Stream::network);
  sim::NetworkConfig c;
  c.drop_probability = 0.2;
  c.duplicate_probability = 0.1;
  sim::Network net(2, c, r);
  for (int i = 0; i < 10000; ++i) net.send(0, 1);
  REQUIRE(net.counters().dropped > 1800);
  REQUIRE(net.counters().dropped < 2200);
  REQUIRE(net.counters().duplicated > 650);  // 10% of the 80% not dropped
  REQUIRE(net.counters().duplicated < 950);
}

TEST_CASE("network: one-way blocks are one way, partitions are two-way, heal clears all") {
  sim::Rng r(3, sim::Stream::network);
  sim::Network net(5, sim::NetworkConfig{}, r);
  net.block(0, 1);
  REQUIRE(net.send(0, 1).fate == sim::Network::Fate::blocked);
  REQUIRE(net.send(1, 0).fate == sim::Network::Fate::delivered);
  net.partition({0, 0, 1, 1, 1});
  REQUIRE(net.is_blocked(0, 2));
  REQUIRE(net.is_blocked(3, 1));
  REQUIRE_FALSE(net.is_blocked(0, 1));  // same group: the earlier one-way block is replaced
  REQUIRE_FALSE(net.is_blocked(2, 4));
  net.heal();
  REQUIRE_FALSE(net.any_blocked());
  REQUIRE(net.counters().blocked == 1);
}

namespace {
struct Record : sim::Payload {
  explicit Record(int v) : value(v) {}
  int value;
};
sim::DiskWrite write(std::uint64_t token) { return sim::DiskWrite{token, std::make_shared<Record>(static_cast<int>(token)), 10}; }
}  // namespace

TEST_CASE("disk: writes complete in order and become durable only when synced") {
  sim::DiskConfig config;
  sim::Rng r(4, sim::Stream::disk);
  sim::Disk disk(config);
  const sim::Time t1 = disk.write(sim::Time{0}, write(1), r);
  const sim::Time t2 = disk.write(sim::Time{0}, write(2), r);
  REQUIRE(t2 > t1);  // the second write waits for the first
  REQUIRE(disk.durable().empty());
  disk.sync(1);
  REQUIRE(disk.durable().size() == 1);
  REQUIRE(disk.pending() == 1);
}

TEST_CASE("disk: a crash loses exactly the writes that were not yet synced") {
  sim::DiskConfig config;
  sim::Rng r(4, sim::Stream::disk);
  sim::Disk disk(config);
  disk.write(sim::Time{0}, write(1), r);
  disk.write(sim::Time{0}, write(2), r);
  disk.write(sim::Time{0}, write(3), r);
  disk.sync(1);
  REQUIRE(disk.crash() == 2);
  REQUIRE(disk.durable().size() == 1);
  REQUIRE(static_cast<const Record&>(*disk.durable()[0]).value == 1);
  REQUIRE(disk.counters().lost_on_crash == 2);
  REQUIRE(disk.pending() == 0);
}

TEST_CASE("disk: a checkpoint replaces the records before it once durable and not before") {
  sim::DiskConfig config;
  sim::Rng r(4, sim::Stream::disk);
  sim::Disk disk(config);
  disk.write(sim::Time{0}, write(1), r);
  disk.write(sim::Time{0}, write(2), r);
  sim::DiskWrite checkpoint = write(3);
  checkpoint.replaces_earlier = true;
  disk.write(sim::Time{0}, checkpoint, r);
  disk.write(sim::Time{0}, write(4), r);
  disk.sync(1);
  disk.sync(2);
  REQUIRE(disk.durable().size() == 2);  // the checkpoint is not durable yet: a crash now must keep 1 and 2
  disk.sync(3);
  REQUIRE(disk.durable().size() == 1);
  REQUIRE(static_cast<const Record&>(*disk.durable()[0]).value == 3);
  REQUIRE(disk.crash() == 1);  // write 4 is lost; the checkpoint stays
  REQUIRE(disk.durable().size() == 1);
  REQUIRE(disk.counters().synced == 3);  // the replaced records still count as synced
}

TEST_CASE("disk: with group commit, writes issued during an fsync share the next one, still in order") {
  sim::DiskConfig config;
  config.group_commit = true;
  config.write_latency = sim::LatencyModel{sim::LatencyModel::Kind::fixed, sim::Duration::micros(0), sim::Duration::micros(0)};
  config.fsync_latency = sim::LatencyModel{sim::LatencyModel::Kind::fixed, sim::Duration::millis(10), sim::Duration::millis(10)};
  sim::Rng r(4, sim::Stream::disk);
  sim::Disk disk(config);
  const sim::Time t1 = disk.write(sim::Time{0}, write(1), r);  // idle: its own fsync, done at 10ms
  CHECK(t1.us == 10'000);
  // Three writes while that fsync runs: one batch behind it, done around 20ms, strictly ordered.
  const sim::Time t2 = disk.write(sim::Time{1'000}, write(2), r);
  const sim::Time t3 = disk.write(sim::Time{2'000}, write(3), r);
  const sim::Time t4 = disk.write(sim::Time{3'000}, write(4), r);
  CHECK(t2.us == 20'000);
  CHECK(t3.us == 20'001);
  CHECK(t4.us == 20'002);
  // A write once that batch runs waits for the batch after it; without group commit it would wait for all.
  const sim::Time t5 = disk.write(sim::Time{12'000}, write(5), r);
  CHECK(t5.us > t4.us);
  CHECK(t5.us <= 30'003);
  sim::DiskConfig serial = config;
  serial.group_commit = false;
  sim::Disk one_by_one(serial);
  for (int i = 1; i <= 4; ++i) one_by_one.write(sim::Time{0}, write(i), r);
  CHECK(one_by_one.write(sim::Time{0}, write(5), r).us == 50'000);
}

TEST_CASE("disk: with a bandwidth a big write takes longer than a small one, without one size is free") {
  sim::DiskConfig config;
  config.write_latency = sim::LatencyModel{sim::LatencyModel::Kind::fixed, sim::Duration::micros(100), sim::Duration::micros(100)};
  config.fsync_latency = sim::LatencyModel{sim::LatencyModel::Kind::fixed, sim::Duration::millis(1), sim::Duration::millis(1)};
  sim::Rng r(4, sim::Stream::disk);
  auto sized = [](std::uint64_t token, std::uint32_t bytes) {
    return sim::DiskWrite{token, std::make_shared<Record>(static_cast<int>(token)), bytes};
  };
  sim::Disk unlimited(config);
  CHECK(unlimited.write(sim::Time{0}, sized(1, 1'000'000), r).us == 1'100);  // 0 MB/s: size costs nothing
  config.bandwidth_mb_per_s = 2;  // 2 bytes per microsecond
  sim::Disk slow(config);
  CHECK(slow.write(sim::Time{0}, sized(1, 10), r).us == 1'105);
  CHECK(slow.write(sim::Time{100'000}, sized(2, 20'000), r).us == 100'000 + 1'100 + 10'000);
  CHECK(slow.write(sim::Time{200'000}, sized(3, 1), r).us == 200'000 + 1'100 + 1);  // rounded up, never free
  slow.set_speed_factor(4);  // a slow disk stretches the transfer too
  CHECK(slow.write(sim::Time{300'000}, sized(4, 2'000), r).us == 300'000 + 4 * (1'100 + 1'000));
}

TEST_CASE("disk: a write issued while the disk fails completes with an I/O error and is never durable") {
  sim::DiskConfig config;
  sim::Rng r(4, sim::Stream::disk);
  sim::Disk disk(config);
  disk.write(sim::Time{0}, write(1), r);  // issued before the fault: unaffected
  disk.set_failing(true);
  REQUIRE(disk.failing());
  disk.write(sim::Time{0}, write(2), r);
  disk.set_failing(false);
  disk.write(sim::Time{0}, write(3), r);  // issued after it: durable unless an earlier write fails first
  REQUIRE(disk.sync(1));
  REQUIRE_FALSE(disk.sync(2));
  // Write 2 failed: the file is in an unknown state, and nothing after it may become durable beyond the
  // lost record (a gap in the log): write 3 fails, and so does every later write of this incarnation.
  REQUIRE_FALSE(disk.sync(3));
  disk.write(sim::Time{0}, write(4), r);
  REQUIRE_FALSE(disk.sync(4));
  REQUIRE(disk.durable().size() == 1);
  REQUIRE(static_cast<const Record&>(*disk.durable()[0]).value == 1);
  REQUIRE(disk.counters().failed == 3);
  REQUIRE(disk.counters().synced == 1);
  REQUIRE(disk.pending() == 0);
  // A restart reads back what is durable and writes on from there.
  disk.crash();
  disk.write(sim::Time{0}, write(5), r);
  REQUIRE(disk.sync(5));
  REQUIRE(disk.durable().size() == 2);
  REQUIRE(static_cast<const Record&>(*disk.durable()[1]).value == 5);
}

TEST_CASE("disk: without a failure, a write issued after the failing window is durable") {
  sim::DiskConfig config;
  sim::Rng r(4, sim::Stream::disk);
  sim::Disk disk(config);
  disk.set_failing(true);
  disk.set_failing(false);  // a window in which nothing was written
  disk.write(sim::Time{0}, write(1), r);
  REQUIRE(disk.sync(1));
  REQUIRE(disk.counters().failed == 0);
}

TEST_CASE("disk: a failing disk draws and times its writes exactly as a healthy one") {
  sim::DiskConfig config;
  sim::Rng ra(9, sim::Stream::disk);
  sim::Rng rb(9, sim::Stream::disk);
  sim::Disk healthy(config);
  sim::Disk failing(config);
  failing.set_failing(true);
  for (std::uint64_t token = 1; token <= 5; ++token) {
    REQUIRE(healthy.write(sim::Time{0}, write(token), ra) == failing.write(sim::Time{0}, write(token), rb));
  }
  for (std::uint64_t token = 1; token <= 5; ++token) REQUIRE_FALSE(failing.sync(token));
  REQUIRE(failing.durable().empty());
  REQUIRE(failing.counters().failed == 5);
}

TEST_CASE("disk: a failed checkpoint releases nothing") {
  sim::DiskConfig config;
  sim::Rng r(4, sim::Stream::disk);
  sim::Disk disk(config);
  disk.write(sim::Time{0}, write(1), r);
  disk.set_failing(true);
  sim::DiskWrite checkpoint = write(2);
  checkpoint.replaces_earlier = true;
  disk.write(sim::Time{0}, checkpoint, r);
  REQUIRE(disk.sync(1));
  REQUIRE_FALSE(disk.sync(2));
  REQUIRE(disk.durable().size() == 1);
  REQUIRE(static_cast<const Record&>(*disk.durable()[0]).value == 1);
}
