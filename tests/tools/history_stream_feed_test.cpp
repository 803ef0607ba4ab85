// The run's history feed (tools/history/history_stream.h) queues client events and hands them to the
// streaming checker in bursts: the verdict and the operation count must be those of the whole history read
// at once (to_checker_history and the batch checker), however the bursts fall: by count (more events than
// kBurstEvents) or by bytes (values longer than kBurstTextBytes).
#include <catch2/catch.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "checkers/linearizability.h"
#include "tools/history/history_convert.h"
#include "tools/history/history_stream.h"

namespace {

using Type = sim::HistoryEvent::Type;

sim::HistoryEvent event(Type type, std::uint64_t op_id, std::uint64_t process, sim::ClientOp op, std::string key,
                        std::string value = {}, std::string expected = {}, bool cas_succeeded = false) {
  sim::HistoryEvent e;
  e.type = type;
  e.op_id = op_id;
  e.process = process;
  e.op = op;
  e.key = std::move(key);
  e.value = std::move(value);
  e.expected = std::move(expected);
  e.cas_succeeded = cas_succeeded;
  return e;
}

// `operations` operations of two clients over three keys, each pair of them overlapping (both invoked, then
// both completed), every completion true to a register model: linearizable. Every 97th operation fails and
// every 89th never completes (info). `long_value_bytes` > 0: the puts write values that long.
std::vector<sim::HistoryEvent> make_history(std::size_t operations, std::size_t long_value_bytes = 0) {
  std::vector<sim::HistoryEvent> events;
  std::map<std::string, std::string> model;  // key -> value ("" when absent)
  std::uint64_t next_id = 1;
  for (std::size_t i = 0; i < operations; i += 2) {
    struct Planned {
      sim::HistoryEvent invoke;
      sim::HistoryEvent done;
    };
    std::vector<Planned> pair;
    for (std::uint64_t client = 0; client < 2; ++client) {
      const std::size_t n = i + client;
      const std::string key = "k" + std::to_string(n % 3);
      const std::uint64_t id = next_id++;
      std::string& value = model[key];
      Planned p;
      const std::string mine = long_value_bytes > 0 ? std::string(long_value_bytes, static_cast<char>('a' + n % 26))
                                                    : std::to_string(n);
      if (n % 97 == 96) {
        p.invoke = event(Type::invoke, id, client, sim::ClientOp::put, key, "never-" + mine);
        p.done = event(Type::fail, id, client, sim::ClientOp::put, key);
      } else if (n % 89 == 88) {  // an append that took effect, though its client never heard
        p.invoke = event(Type::invoke, id, client, sim::ClientOp::append, key, " i" + std::to_string(n));
        value += " i" + std::to_string(n);
        p.done = event(Type::info, id, client, sim::ClientOp::append, key);
      } else {
        switch (n % 4) {
          case 0:
            p.invoke = event(Type::invoke, id, client, sim::ClientOp::get, key);
            p.done = event(Type::ok, id, client, sim::ClientOp::get, key, value);
            break;
          case 1:
            p.invoke = event(Type::invoke, id, client, sim::ClientOp::put, key, mine);
            value = mine;
            p.done = event(Type::ok, id, client, sim::ClientOp::put, key, mine);
            break;
          case 2:
            p.invoke = event(Type::invoke, id, client, sim::ClientOp::append, key, " " + std::to_string(n));
            value += " " + std::to_string(n);
            p.done = event(Type::ok, id, client, sim::ClientOp::append, key, " " + std::to_string(n));
            break;
          default: {
            const bool match = n % 8 == 3;
            const std::string expected = match ? value : "no-" + mine;
            p.invoke = event(Type::invoke, id, client, sim::ClientOp::cas, key, "c" + mine, expected);
            if (match) value = "c" + mine;
            p.done = event(Type::ok, id, client, sim::ClientOp::cas, key, "c" + mine, expected, match);
          }
        }
      }
      pair.push_back(p);
    }
    // Both invoked, then both completed: the first took effect first, which the checker must find.
    for (const Planned& p : pair) events.push_back(p.invoke);
    for (auto it = pair.rbegin(); it != pair.rend(); ++it) events.push_back(it->done);
  }
  return events;
}

checkers::LinResult fed(const std::vector<sim::HistoryEvent>& events) {
  tools::HistoryStreamFeed feed(checkers::StreamLimits{});
  for (const sim::HistoryEvent& e : events) feed.on_event(e);
  return feed.finish();
}

// The value the get at `event_index` returned, changed: a read nobody wrote.
std::vector<sim::HistoryEvent> with_stale_read(std::vector<sim::HistoryEvent> events, std::size_t after) {
  for (std::size_t i = after; i < events.size(); ++i) {
    sim::HistoryEvent& e = events[i];
    if (e.type == Type::ok && e.op == sim::ClientOp::get) {
      e.value += "-never-written";
      return events;
    }
  }
  FAIL("no get to change");
  return events;
}

}  // namespace

TEST_CASE("history feed: bursts by count give the whole history's verdict", "[history][stream]") {
  const std::vector<sim::HistoryEvent> events = make_history(3 * tools::HistoryStreamFeed::kBurstEvents / 2 + 10);
  // Three full bursts and a remainder of 20 events, which only finish hands over.
  REQUIRE(events.size() % tools::HistoryStreamFeed::kBurstEvents == 20);
  const checkers::LinResult whole = checkers::check_linearizability(tools::to_checker_history(events));
  const checkers::LinResult streamed = fed(events);
  CHECK(whole.verdict == checkers::LinVerdict::linearizable);
  CHECK(streamed.verdict == whole.verdict);
  CHECK(streamed.operations == whole.operations);

  // A stale read in the remainder, and one in the first burst: refuted either way.
  for (std::size_t after : {events.size() - 16, std::size_t{10}}) {
    const std::vector<sim::HistoryEvent> bad = with_stale_read(events, after);
    CHECK(checkers::check_linearizability(tools::to_checker_history(bad)).verdict ==
          checkers::LinVerdict::not_linearizable);
    CHECK(fed(bad).verdict == checkers::LinVerdict::not_linearizable);
  }
}

TEST_CASE("history feed: bursts by bytes give the whole history's verdict", "[history][stream]") {
  // Puts of 300 KiB values: a burst ends every few events, by bytes.
  const std::size_t bytes = 300 * 1024;
  static_assert(tools::HistoryStreamFeed::kBurstTextBytes < 16 * 300 * 1024);
  const std::vector<sim::HistoryEvent> events = make_history(60, bytes);
  const checkers::LinResult whole = checkers::check_linearizability(tools::to_checker_history(events));
  CHECK(whole.verdict == checkers::LinVerdict::linearizable);
  CHECK(fed(events).verdict == whole.verdict);
  CHECK(fed(events).operations == whole.operations);
  const std::vector<sim::HistoryEvent> bad = with_stale_read(events, events.size() / 2);
  CHECK(fed(bad).verdict == checkers::LinVerdict::not_linearizable);
}
