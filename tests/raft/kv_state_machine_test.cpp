#include <catch2/catch.hpp>

#include "raft/kv_state_machine.h"

namespace {

raft::Command cmd(raft::OpKind op, std::string key, std::string value = "", std::string expected = "") {
  raft::Command c;
  c.op = op;
  c.key = std::move(key);
  c.value = std::move(value);
  c.expected = std::move(expected);
  return c;
}

}  // namespace

using raft::OpKind;

TEST_CASE("kv: get of an absent key reads empty and creates nothing") {
  raft::KvStateMachine kv;
  const raft::KvResult r = kv.apply(cmd(OpKind::get, "a"));
  CHECK(r.value.empty());
  CHECK_FALSE(r.cas_succeeded);
  CHECK(kv.data().empty());
}

TEST_CASE("kv: put replaces and returns the new value, get reads it") {
  raft::KvStateMachine kv;
  CHECK(kv.apply(cmd(OpKind::put, "a", "1")).value == "1");
  CHECK(kv.apply(cmd(OpKind::put, "a", "2")).value == "2");
  CHECK(kv.apply(cmd(OpKind::get, "a")).value == "2");
  CHECK(kv.get("a") == "2");
}

TEST_CASE("kv: append concatenates (absent key starts empty) and returns the new value") {
  raft::KvStateMachine kv;
  CHECK(kv.apply(cmd(OpKind::append, "a", "x")).value == "x");
  CHECK(kv.apply(cmd(OpKind::append, "a", "y")).value == "xy");
  CHECK(kv.get("a") == "xy");
}

TEST_CASE("kv: cas sets only when the current value equals expected, and returns the old value") {
  raft::KvStateMachine kv;
  kv.apply(cmd(OpKind::put, "a", "1"));

  const raft::KvResult fail = kv.apply(cmd(OpKind::cas, "a", "3", "2"));
  CHECK_FALSE(fail.cas_succeeded);
  CHECK(fail.value == "1");
  CHECK(kv.get("a") == "1");

  const raft::KvResult ok = kv.apply(cmd(OpKind::cas, "a", "3", "1"));
  CHECK(ok.cas_succeeded);
  CHECK(ok.value == "1");
  CHECK(kv.get("a") == "3");
}

TEST_CASE("kv: cas on an absent key succeeds only with expected empty, a failed cas creates nothing") {
  raft::KvStateMachine kv;
  CHECK_FALSE(kv.apply(cmd(OpKind::cas, "a", "v", "x")).cas_succeeded);
  CHECK(kv.data().count("a") == 0);
  CHECK(kv.apply(cmd(OpKind::cas, "a", "v", "")).cas_succeeded);
  CHECK(kv.get("a") == "v");
}

TEST_CASE("kv: noop changes nothing, keys iterate in sorted order") {
  raft::KvStateMachine kv;
  kv.apply(cmd(OpKind::put, "b", "2"));
  kv.apply(cmd(OpKind::put, "a", "1"));
  const auto before = kv.data();
  CHECK(kv.apply(cmd(OpKind::noop, "")).value.empty());
  CHECK(kv.data() == before);
  REQUIRE(kv.data().size() == 2);
  CHECK(kv.data().begin()->first == "a");
}
