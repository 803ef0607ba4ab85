// Pooled payloads (sim/payload_pool.h): they behave as make_shared's do (one object, destroyed once, when
// the last owner lets go), and a dropped block is reused before a new one is cut.
#include <catch2/catch.hpp>

#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "sim/node_host.h"
#include "sim/payload_pool.h"

namespace {

struct Counted final : sim::Payload {
  explicit Counted(int& counter, std::string s) : live(counter), text(std::move(s)) { ++live; }
  ~Counted() override { --live; }
  int& live;
  std::string text;
};

}  // namespace

TEST_CASE("payload pool: a pooled payload is destroyed once, when its last owner lets go") {
  int live = 0;
  sim::PayloadPtr a = sim::make_payload<Counted>(live, std::string(100, 'x'));
  REQUIRE(live == 1);
  sim::PayloadPtr b = a;  // a duplicated message shares its payload
  a.reset();
  REQUIRE(live == 1);
  REQUIRE(static_cast<const Counted&>(*b).text == std::string(100, 'x'));
  b.reset();
  REQUIRE(live == 0);
}

TEST_CASE("payload pool: a dropped block is reused first, and many live payloads never share one") {
  int live = 0;
  const void* first = nullptr;
  {
    auto p = sim::make_payload<Counted>(live, "one");
    first = p.get();
  }
  auto q = sim::make_payload<Counted>(live, "two");
  // Pooled only outside AddressSanitizer (sim::kPayloadsPooled): there the heap decides where blocks go.
  if (sim::kPayloadsPooled) REQUIRE(static_cast<const void*>(q.get()) == first);
  // Past one chunk (64 KiB): every live payload has its own block.
  std::vector<std::shared_ptr<Counted>> many;
  std::set<const void*> addresses;
  for (int i = 0; i < 5000; ++i) {
    many.push_back(sim::make_payload<Counted>(live, std::to_string(i)));
    addresses.insert(many.back().get());
  }
  REQUIRE(addresses.size() == 5000);
  REQUIRE(live == 5001);
  for (int i = 0; i < 5000; ++i) REQUIRE(many[static_cast<std::size_t>(i)]->text == std::to_string(i));
  many.clear();
  q.reset();
  REQUIRE(live == 0);
}

TEST_CASE("payload pool: a payload made on one thread may be dropped on another") {
  int live = 0;
  sim::PayloadPtr p;
  std::thread maker([&] { p = sim::make_payload<Counted>(live, "made elsewhere"); });
  maker.join();
  REQUIRE(live == 1);
  std::thread dropper([&] { p.reset(); });
  dropper.join();
  REQUIRE(live == 0);
}
