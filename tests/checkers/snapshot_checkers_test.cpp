// The snapshot checkers (paper 7) on hand-made event streams: each rule with a stream that breaks it and
// one that keeps it.
#include <catch2/catch.hpp>

#include "checkers/figure2.h"
#include "checkers/log_matching.h"
#include "checkers/snapshot_checkers.h"
#include "checkers/state_machine_safety.h"
#include "tests/checkers/event_feed.h"

using checker_test::Ev;
using checker_test::feed;
using K = sim::EventKind;

TEST_CASE("snapshot-state: a snapshot at the applied index with the cluster's one digest is silent") {
  checkers::SnapshotState c;
  CHECK_FALSE(feed(c, {{K::apply, 0, 1, 1, 11}, {K::apply, 0, 2, 1, 12}, {K::snapshot_taken, 0, 2, 1, 0xAB},
                       {K::apply, 1, 1, 1, 11}, {K::apply, 1, 2, 1, 12}, {K::snapshot_taken, 1, 2, 1, 0xAB},
                       {K::snapshot_installed, 2, 2, 1, 0xAB}, {K::crash, 0}, {K::snapshot_restored, 0, 2, 1, 0xAB}}));
}

TEST_CASE("snapshot-state: a snapshot beyond or behind what the node applied is a violation") {
  checkers::SnapshotState c;
  const auto v = feed(c, {{K::apply, 0, 1, 1, 11}, {K::snapshot_taken, 0, 2, 1, 0xAB}});
  REQUIRE(v);
  CHECK(v->checker == "snapshot-state");
  CHECK(v->message.find("exactly") != std::string::npos);
}

TEST_CASE("snapshot-state: two snapshots at one index with different state digests are a violation") {
  checkers::SnapshotState c;
  const auto v = feed(c, {{K::apply, 0, 1, 1, 11}, {K::snapshot_taken, 0, 1, 1, 0xAB},
                          {K::apply, 1, 1, 1, 11}, {K::snapshot_taken, 1, 1, 1, 0xCD}});
  REQUIRE(v);
  CHECK(v->nodes == std::vector<std::int32_t>{0, 1});
}

TEST_CASE("snapshot-state: installing a snapshot no node took is a violation") {
  checkers::SnapshotState c;
  const auto v = feed(c, {{K::snapshot_installed, 2, 5, 1, 0xAB}});
  REQUIRE(v);
  CHECK(v->message.find("no node took") != std::string::npos);
}

TEST_CASE("applied-monotonic: applying on after an install, and restarting from the durable snapshot, is silent") {
  checkers::AppliedMonotonic c;
  CHECK_FALSE(feed(c, {{K::apply, 0, 1, 1, 1}, {K::snapshot_installed, 0, 5, 1, 9}, {K::disk_write, 0, 7},
                       {K::disk_synced, 0, 7}, {K::apply, 0, 6, 1, 1}, {K::crash, 0},
                       {K::snapshot_restored, 0, 5, 1, 9}, {K::apply, 0, 6, 1, 1}}));
}

TEST_CASE("applied-monotonic: installing a snapshot the state already covers rolls it back") {
  checkers::AppliedMonotonic c;
  const auto v = feed(c, {{K::apply, 0, 1, 1, 1}, {K::apply, 0, 2, 1, 1}, {K::apply, 0, 3, 1, 1},
                          {K::snapshot_installed, 0, 2, 1, 9}});
  REQUIRE(v);
  CHECK(v->checker == "applied-monotonic");
}

TEST_CASE("applied-monotonic: a restart below a durable snapshot is a violation, below an unsynced one is not") {
  checkers::AppliedMonotonic durable;
  const auto v = feed(durable, {{K::apply, 0, 1, 1, 1}, {K::snapshot_taken, 0, 1, 1, 9}, {K::disk_write, 0, 3},
                                {K::disk_synced, 0, 3}, {K::crash, 0}, {K::apply, 0, 1, 1, 1}});
  REQUIRE(v);
  CHECK(v->message.find("durable") != std::string::npos);
  checkers::AppliedMonotonic lost;  // the snapshot's write was lost in the crash: the log replays from 1
  CHECK_FALSE(feed(lost, {{K::apply, 0, 1, 1, 1}, {K::snapshot_taken, 0, 1, 1, 9}, {K::disk_write, 0, 3},
                          {K::crash, 0}, {K::apply, 0, 1, 1, 1}}));
  checkers::AppliedMonotonic restored_old;
  CHECK(feed(restored_old, {{K::apply, 0, 1, 1, 1}, {K::apply, 0, 2, 1, 1}, {K::snapshot_taken, 0, 2, 1, 9},
                            {K::disk_write, 0, 3}, {K::disk_synced, 0, 3}, {K::crash, 0},
                            {K::snapshot_restored, 0, 1, 1, 8}}));
}

TEST_CASE("state-machine-safety and log-matching follow a snapshot install") {
  checkers::StateMachineSafety sms;
  CHECK_FALSE(feed(sms, {{K::apply, 0, 1, 1, 1}, {K::snapshot_installed, 0, 5, 1, 9}, {K::apply, 0, 6, 1, 6}}));
  checkers::LogMatching lm;
  // Node 0 commits 1..2; node 1 installs a snapshot up to 2 and appends 3 after it.
  CHECK_FALSE(feed(lm, {{K::log_append, 0, 1, 1, 1}, {K::log_append, 0, 2, 1, 2}, {K::commit, 0, 2},
                        {K::snapshot_installed, 1, 2, 1, 9}, {K::log_append, 1, 3, 1, 3}}));
  checkers::LogMatching beyond;
  CHECK(feed(beyond, {{K::log_append, 0, 1, 1, 1}, {K::commit, 0, 1}, {K::snapshot_installed, 1, 2, 1, 9}}));
}

TEST_CASE("figure2 append-receiver: an install discards the log only if it lacks the snapshot's last entry") {
  // Node 1 holds entries 1..3 of term 1; node 0 (leader of term 1) sends a snapshot up to 2, term 1.
  const auto stream = [](bool discard) {
    checkers::Figure2Rules f;
    std::optional<checkers::Violation> v = feed(f, {
        {K::role, 1, 0, 1},
        {K::log_append, 1, 1, 1, 1}, {K::log_append, 1, 2, 1, 2}, {K::log_append, 1, 3, 1, 3},
        {K::deliver, 0, 1, 2, 1, 1, 1, 4},  // InstallSnapshot: term 1, x = 2, y = 1
    });
    if (v) return v;
    if (discard) {
      v = feed(f, {{K::log_truncate, 1, 3}, {K::snapshot_installed, 1, 2, 1, 9}, {K::disk_write, 1, 1},
                   {K::timer_fired, 1}});
    } else {
      v = feed(f, {{K::snapshot_installed, 1, 2, 1, 9}, {K::disk_write, 1, 1}, {K::timer_fired, 1}});
    }
    return v;
  };
  CHECK_FALSE(stream(false));
  const auto v = stream(true);
  REQUIRE(v);
  CHECK(v->checker == "append-receiver");
}
