// The log mirror (checkers/log_mirror.h) against a model that keeps every node's whole log: whatever the
// mirror folds into its shared committed prefix, and whenever it does (issue 14 moved the folding of other
// nodes' logs to the commits that grow the prefix), at() and at_or_at_crash() must answer what a full copy
// answers, for every node and index, after every event of generated streams (malformed events included).
#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "checkers/log_mirror.h"
#include "sim/trace_event.h"
#include "tests/support/test_draw.h"

namespace {

using checkers::LogMirror;
using sim::EventKind;
using Slot = LogMirror::Slot;

constexpr int kNodes = 5;

// The same rules as LogMirror::apply, on whole copies (no shared prefix, no folding).
struct Model {
  std::vector<Slot> logs[kNodes];
  std::optional<std::vector<Slot>> at_crash[kNodes];
  std::vector<Slot> committed;

  // Returns whether the event was malformed (as LogMirror::apply reports a problem).
  bool apply(const sim::TraceEvent& e) {
    const auto n = static_cast<std::size_t>(e.node);
    std::vector<Slot>& log = logs[n];
    switch (e.kind) {
      case EventKind::crash:
        at_crash[n] = log;
        log.clear();
        return false;
      case EventKind::restart:
        at_crash[n].reset();
        return false;
      case EventKind::log_truncate:
        if (e.a == 0 || e.a > log.size() + 1) return true;
        log.resize(e.a - 1);
        return false;
      case EventKind::log_append: {
        if (e.a != log.size() + 1) return true;
        if (!log.empty() && e.b < log.back().term) return true;
        log.push_back(Slot{e.b, e.c, checkers::chain_hash(log.empty() ? 0 : log.back().chain, e.b, e.c)});
        return false;
      }
      case EventKind::commit:
        for (std::uint64_t i = committed.size() + 1; i <= std::min<std::uint64_t>(e.a, log.size()); ++i) {
          committed.push_back(log[i - 1]);
        }
        return false;
      case EventKind::snapshot_installed:
      case EventKind::snapshot_restored: {
        if (e.a == 0) return false;
        if (e.a > committed.size()) {
          log.clear();
          return true;
        }
        const Slot& last = committed[e.a - 1];
        const bool holds = e.a <= log.size() && log[e.a - 1].chain == last.chain;
        if (!holds) log.assign(committed.begin(), committed.begin() + static_cast<std::ptrdiff_t>(e.a));
        return last.term != e.b;
      }
      default:
        return false;
    }
  }
};

using test_support::Draw;

// One event of a Raft-like run: mostly appends of a leader's entries (the same digest at the same index and
// term on every node, so that logs agree and fold), commits within a node's log, and now and then a
// truncation, a crash, a restart, a snapshot, or a malformed event.
sim::TraceEvent next_event(Draw& d, const Model& m, std::uint64_t& term, std::int64_t& t) {
  sim::TraceEvent e;
  e.time_us = (t += 1);
  const int node = static_cast<int>(d.below(kNodes));
  const auto n = static_cast<std::size_t>(node);
  e.node = node;
  const std::uint64_t size = m.logs[n].size();
  const std::uint64_t r = d.below(1000);
  if (r < 550) {
    e.kind = EventKind::log_append;
    e.a = r < 545 ? size + 1 : 1 + d.below(size + 3);  // a gap or an overwrite now and then
    if (r % 97 == 0) term += 1;
    e.b = r < 544 ? term : term - std::min<std::uint64_t>(term - 1, 1);
    e.c = e.a * 1000 + e.b + (r % 13 == 0 ? 7 : 0);  // another node's entry now and then
  } else if (r < 850) {
    e.kind = EventKind::commit;
    e.a = 1 + d.below(size + 2);
  } else if (r < 900) {
    e.kind = EventKind::log_truncate;
    e.a = 1 + d.below(size + 2);
  } else if (r < 930) {
    e.kind = EventKind::crash;
  } else if (r < 960) {
    e.kind = EventKind::restart;
  } else {
    e.kind = r < 980 ? EventKind::snapshot_installed : EventKind::snapshot_restored;
    e.a = d.below(m.committed.size() + 2);
    e.b = e.a >= 1 && e.a <= m.committed.size() && r % 5 != 0 ? m.committed[e.a - 1].term : term;
  }
  return e;
}

bool same(const Slot* a, const Slot* b) { return (a == nullptr) == (b == nullptr) && (a == nullptr || *a == *b); }

}  // namespace

TEST_CASE("log mirror: the shared prefix answers as whole copies of every log would", "[checkers][memory]") {
  std::size_t problems = 0, folded = 0;
  for (std::uint64_t seed = 1; seed <= 8; ++seed) {
    Draw d{seed};
    LogMirror mirror;
    Model model;
    std::uint64_t term = 1;
    std::int64_t t = 0;
    for (int step = 0; step < 3000; ++step) {
      const sim::TraceEvent e = next_event(d, model, term, t);
      const bool malformed = model.apply(e);
      const std::optional<std::string> problem = mirror.apply(e);
      INFO("seed " << seed << ", event " << step << ", kind " << static_cast<int>(e.kind) << ", node " << e.node);
      REQUIRE(problem.has_value() == malformed);
      problems += malformed ? 1 : 0;
      REQUIRE(mirror.committed() == model.committed);
      for (int node = 0; node < kNodes; ++node) {
        const auto n = static_cast<std::size_t>(node);
        REQUIRE(mirror.log(node).size() == model.logs[n].size());
        REQUIRE(mirror.log_at_crash(node).has_value() == model.at_crash[n].has_value());
        folded += mirror.log(node).base();
        const std::vector<Slot>& seen = model.at_crash[n] ? *model.at_crash[n] : model.logs[n];
        for (std::uint64_t i = 1; i <= std::max(model.logs[n].size(), seen.size()) + 1; ++i) {
          const Slot* own = i <= model.logs[n].size() ? &model.logs[n][i - 1] : nullptr;
          const Slot* any = i <= seen.size() ? &seen[i - 1] : nullptr;
          REQUIRE(same(mirror.at(node, i), own));
          REQUIRE(same(mirror.at_or_at_crash(node, i), any));
          // The shortcut commit-quorum takes: a node up whose shared prefix reaches i holds the committed entry.
          if (mirror.in_shared_prefix(node, i)) REQUIRE((own != nullptr && *own == model.committed[i - 1]));
        }
      }
    }
  }
  CHECK(problems > 100);  // malformed events were exercised
  CHECK(folded > 50000);  // and the shared prefix was used
}
