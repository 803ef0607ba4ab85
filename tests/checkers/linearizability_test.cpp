// Tests of the history parsers and the linearizability checker: the shared Jepsen histories with their
// known verdicts, generated histories (linearizable by construction, then corrupted), a cross-check against
// a brute-force search on small random histories, hand-made corner cases, parser errors and the limits.
#include <catch2/catch.hpp>

#include "tests/support/sweep_size.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "checkers/history.h"
#include "checkers/history_generator.h"
#include "checkers/history_parse.h"
#include "checkers/linearizability.h"
#include "checkers/linearizability_stream.h"

namespace {

using checkers::History;
using checkers::HistoryFormat;
using checkers::HistoryGenConfig;
using checkers::HistoryParseError;
using checkers::LinLimits;
using checkers::LinVerdict;
using checkers::Operation;
using Fn = Operation::Fn;
using Outcome = Operation::Outcome;

// ---------------------------------------------------------------------------------------------------------
// Helpers

// The generator's PRNG, also for the corruptions and the small random histories below.
using Rng = checkers::SplitMix64;

// Builds hand-made histories: times are given explicitly, info operations never complete.
class Builder {
 public:
  explicit Builder(std::optional<std::string> initial = std::nullopt) { h_.initial_value = std::move(initial); }

  Builder& read(std::optional<std::string> out, std::int64_t inv, std::int64_t comp, const std::string& key = "") {
    Operation& op = add(Fn::read, inv, comp, key);
    op.output = std::move(out);
    return *this;
  }
  Builder& write(std::optional<std::string> in, std::int64_t inv, std::int64_t comp, const std::string& key = "") {
    add(Fn::write, inv, comp, key).input = std::move(in);
    return *this;
  }
  Builder& append(const std::string& in, std::int64_t inv, std::int64_t comp, const std::string& key = "") {
    add(Fn::append, inv, comp, key).input = in;
    return *this;
  }
  Builder& cas(std::optional<std::string> expected, std::optional<std::string> in, bool succeeded, std::int64_t inv,
               std::int64_t comp, const std::string& key = "") {
    Operation& op = add(Fn::cas, inv, comp, key);
    op.expected = std::move(expected);
    op.input = std::move(in);
    op.cas_succeeded = succeeded;
    return *this;
  }
  // The last operation added ends `info` (never completes) or `fail`.
  Builder& info() {
    h_.operations.back().outcome = Outcome::info;
    h_.operations.back().complete_time = Operation::kNever;
    return *this;
  }
  Builder& failed() {
    h_.operations.back().outcome = Outcome::fail;
    return *this;
  }
  const History& history() const { return h_; }
  LinVerdict verdict() const { return checkers::check_linearizability(h_).verdict; }

 private:
  Operation& add(Fn fn, std::int64_t inv, std::int64_t comp, const std::string& key) {
    Operation op;
    op.fn = fn;
    op.key = key;
    op.invoke_time = inv;
    op.complete_time = comp;
    op.process = h_.operations.size();
    op.id = h_.operations.size();
    h_.operations.push_back(std::move(op));
    return h_.operations.back();
  }

  History h_;
};

bool is_ok_read(const Operation& op) { return op.fn == Fn::read && op.outcome == Outcome::ok; }
bool sets_value(const Operation& op) {
  return op.outcome == Outcome::ok && (op.fn == Fn::write || (op.fn == Fn::cas && op.cas_succeeded));
}

// A stale read: makes read R return the value of an ok write W that an ok write or successful cas W2 on the
// same key overwrote, with W before W2 and W2 before R in real time. Values are unique and appends end with
// ',', so the state never holds W's value again after W2: not linearizable. False if no such triple exists.
bool make_stale_read(History& h) {
  const auto& ops = h.operations;
  for (std::size_t r = 0; r < ops.size(); ++r) {
    if (!is_ok_read(ops[r])) continue;
    for (std::size_t w2 = 0; w2 < ops.size(); ++w2) {
      if (!sets_value(ops[w2]) || ops[w2].key != ops[r].key || ops[w2].complete_time >= ops[r].invoke_time) continue;
      for (std::size_t w = 0; w < ops.size(); ++w) {
        if (ops[w].fn != Fn::write || ops[w].outcome != Outcome::ok || ops[w].key != ops[r].key ||
            ops[w].complete_time >= ops[w2].invoke_time || ops[w].input == ops[r].output) {
          continue;
        }
        h.operations[r].output = ops[w].input;
        return true;
      }
    }
  }
  return false;
}

// Makes a random ok read return a value never written to its key. False if there is no ok read.
bool make_unwritten_read(History& h, Rng& rng) {
  std::vector<std::size_t> reads;
  for (std::size_t i = 0; i < h.operations.size(); ++i) {
    if (is_ok_read(h.operations[i])) reads.push_back(i);
  }
  if (reads.empty()) return false;
  h.operations[reads[rng.below(reads.size())]].output = "never-written";
  return true;
}

// The definition, searched naively: some order of the operations (info ones optional) that respects real
// time and the register model. Exponential; for a handful of operations on one key only.
bool brute_force_linearizable(const History& h) {
  const auto& ops = h.operations;
  std::vector<bool> used(ops.size(), false);
  std::function<bool(const std::optional<std::string>&)> search = [&](const std::optional<std::string>& state) {
    bool all_done = true;
    for (std::size_t i = 0; i < ops.size(); ++i) {
      if (!used[i] && ops[i].outcome == Outcome::ok) all_done = false;
    }
    if (all_done) return true;
    for (std::size_t i = 0; i < ops.size(); ++i) {
      if (used[i] || ops[i].outcome == Outcome::fail) continue;
      if (ops[i].fn == Fn::read && ops[i].outcome == Outcome::info) continue;
      // Real time: nothing left that completed before this operation was invoked.
      bool blocked = false;
      for (std::size_t j = 0; j < ops.size(); ++j) {
        if (!used[j] && j != i && ops[j].outcome == Outcome::ok && ops[j].complete_time < ops[i].invoke_time) {
          blocked = true;
        }
      }
      if (blocked) continue;
      const Operation& op = ops[i];
      std::optional<std::string> next = state;
      bool allowed = true;
      switch (op.fn) {
        case Fn::read: allowed = state == op.output; break;
        case Fn::write: next = op.input; break;
        case Fn::append: next = state.value_or("") + *op.input; break;
        case Fn::cas: {
          const bool match = state == op.expected;
          const bool succeeded = op.outcome == Outcome::info || op.cas_succeeded;
          allowed = match == succeeded || (op.outcome == Outcome::info && !match);
          if (match && succeeded) next = op.input;
          break;
        }
      }
      if (!allowed) continue;
      used[i] = true;
      const bool found = search(next);
      used[i] = false;
      if (found) return true;
    }
    return false;
  };
  return search(h.initial_value);
}

// A small random single-register history with values from a tiny domain, so that both verdicts occur.
History random_small_history(Rng& rng) {
  History h;
  h.initial_value = rng.below(2) == 0 ? std::optional<std::string>() : std::optional<std::string>("");
  const std::vector<std::optional<std::string>> domain = {std::nullopt, "", "1", "2", "12"};
  auto pick = [&] { return domain[rng.below(domain.size())]; };
  const std::size_t n = 1 + rng.below(7);
  for (std::size_t i = 0; i < n; ++i) {
    Operation op;
    op.id = i;
    op.process = i;
    op.invoke_time = static_cast<std::int64_t>(rng.below(20));
    op.complete_time = op.invoke_time + 1 + static_cast<std::int64_t>(rng.below(8));
    switch (rng.below(4)) {
      case 0: op.fn = Fn::read; op.output = pick(); break;
      case 1: op.fn = Fn::write; op.input = pick(); break;
      case 2: op.fn = Fn::append; op.input = rng.below(2) == 0 ? "1" : "2"; break;
      default:
        op.fn = Fn::cas;
        op.expected = pick();
        op.input = pick();
        op.cas_succeeded = rng.below(2) == 0;
        break;
    }
    const std::uint64_t roll = rng.below(10);
    if (roll == 0) op.outcome = Outcome::fail;
    if (roll == 1 || roll == 2) {
      op.outcome = Outcome::info;
      op.complete_time = Operation::kNever;
    }
    h.operations.push_back(std::move(op));
  }
  return h;
}

// ../shared/histories next to the source tree, or where RAFTSIM_SHARED_HISTORIES points (a worktree).
std::string shared_histories_dir() {
  const char* dir = std::getenv("RAFTSIM_SHARED_HISTORIES");
  return dir != nullptr ? std::string(dir) : RAFTSIM_SOURCE_DIR "/../shared/histories";
}

// Expects `fn` to throw a HistoryParseError whose message starts with "FILE:LINE:".
template <typename F>
void require_parse_error_at(F&& fn, const std::string& where) {
  try {
    fn();
    FAIL("expected a HistoryParseError at " << where);
  } catch (const HistoryParseError& e) {
    INFO(e.what());
    REQUIRE(std::string(e.what()).rfind(where + ":", 0) == 0);
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------------------------
// The shared Jepsen histories

TEST_CASE("linearizability: every shared Jepsen history gets its expected verdict", "[linearizability]") {
  const std::string dir = shared_histories_dir();
  std::ifstream in(dir + "/expected.json");
  if (!in) {
    WARN("shared histories not found at " << dir << ": skipped");
    return;
  }
  const nlohmann::json expected = nlohmann::json::parse(in);
  std::size_t files = 0;
  for (const auto& [sub, entries] : expected.items()) {
    for (const auto& [file, verdict] : entries.items()) {
      const std::string path = dir + "/" + sub + "/" + file;
      CAPTURE(path);
      const History h = checkers::load_history_file(path);
      const auto r = checkers::check_linearizability(h);
      CHECK(checkers::verdict_name(r.verdict) == verdict.get<std::string>());
      if (r.verdict == LinVerdict::not_linearizable) {
        REQUIRE(r.witness.has_value());
        CHECK(!r.witness->ops.empty());
        CHECK(!r.witness->text.empty());
      }
      ++files;
    }
  }
  CHECK(files == 54);
}

TEST_CASE("linearizability: the etcd files parse with Jepsen's semantics", "[linearizability][parse]") {
  const std::string path = shared_histories_dir() + "/jepsen-etcd/etcd_000.log";
  if (!std::filesystem::exists(path)) {
    WARN("shared histories not found: skipped");
    return;
  }
  const History h = checkers::load_history_file(path);
  CHECK(!h.initial_value.has_value());
  const auto count = [&](auto pred) { return std::count_if(h.operations.begin(), h.operations.end(), pred); };
  CHECK(count([](const Operation& op) { return op.fn == Fn::cas && !op.cas_succeeded; }) > 0);
  CHECK(count([](const Operation& op) { return op.outcome == Outcome::info; }) > 0);
  CHECK(count([](const Operation& op) { return op.outcome == Outcome::info && op.complete_time != Operation::kNever; }) == 0);
}

// ---------------------------------------------------------------------------------------------------------
// Generated histories

TEST_CASE("linearizability: generated sequential executions are linearizable", "[linearizability][property]") {
  for (std::uint64_t seed = 1; seed <= 200; ++seed) {
    HistoryGenConfig cfg;
    cfg.ops = 20 + seed % 80;
    cfg.keys = 1 + seed % 4;
    cfg.clients = 2 + seed % 7;
    const History h = checkers::generate_linearizable_history(cfg, seed);
    const auto r = checkers::check_linearizability(h);
    CAPTURE(seed, r.reason);
    REQUIRE(r.verdict == LinVerdict::linearizable);
  }
}

TEST_CASE("linearizability: a read of a value never written is caught", "[linearizability][property]") {
  std::size_t corrupted = 0;
  for (std::uint64_t seed = 1; seed <= 200; ++seed) {
    HistoryGenConfig cfg;
    cfg.ops = 20 + seed % 80;
    cfg.keys = 1 + seed % 4;
    cfg.clients = 2 + seed % 7;
    History h = checkers::generate_linearizable_history(cfg, seed);
    Rng rng(seed * 7919);
    if (!make_unwritten_read(h, rng)) continue;
    ++corrupted;
    const auto r = checkers::check_linearizability(h);
    CAPTURE(seed);
    REQUIRE(r.verdict == LinVerdict::not_linearizable);
    REQUIRE(r.witness.has_value());
    CHECK(r.witness->text.find("never-written") != std::string::npos);
  }
  CHECK(corrupted >= 190);
}

TEST_CASE("linearizability: a stale read is caught by the search", "[linearizability][property]") {
  std::size_t corrupted = 0;
  for (std::uint64_t seed = 1; seed <= 200; ++seed) {
    HistoryGenConfig cfg;
    cfg.ops = 30 + seed % 70;
    cfg.keys = 1 + seed % 3;
    cfg.clients = 2 + seed % 7;
    History h = checkers::generate_linearizable_history(cfg, seed);
    if (!make_stale_read(h)) continue;
    ++corrupted;
    const auto r = checkers::check_linearizability(h);
    CAPTURE(seed, r.reason);
    REQUIRE(r.verdict == LinVerdict::not_linearizable);
    REQUIRE(r.witness.has_value());
    CHECK(!r.witness->ops.empty());
    // Every witness operation belongs to the failing key.
    for (std::size_t i : r.witness->ops) CHECK(h.operations[i].key == r.witness->key);
  }
  CHECK(corrupted >= 150);
}

TEST_CASE("linearizability: agrees with a brute-force search on small random histories", "[linearizability][property]") {
  Rng rng(20240601);
  std::size_t linearizable = 0;
  std::size_t not_linearizable = 0;
  for (int i = 0; i < 3000; ++i) {
    const History h = random_small_history(rng);
    const bool expected = brute_force_linearizable(h);
    const auto r = checkers::check_linearizability(h);
    CAPTURE(i, r.reason);
    REQUIRE(r.verdict == (expected ? LinVerdict::linearizable : LinVerdict::not_linearizable));
    ++(expected ? linearizable : not_linearizable);
  }
  // Both verdicts are exercised.
  CHECK(linearizable > 300);
  CHECK(not_linearizable > 300);
}

TEST_CASE("linearizability: results are deterministic", "[linearizability]") {
  HistoryGenConfig cfg;
  cfg.ops = 300;
  History h = checkers::generate_linearizable_history(cfg, 99);
  REQUIRE(make_stale_read(h));
  const auto a = checkers::check_linearizability(h);
  const auto b = checkers::check_linearizability(h);
  REQUIRE(a.witness.has_value());
  REQUIRE(b.witness.has_value());
  CHECK(a.reason == b.reason);
  CHECK(a.witness->ops == b.witness->ops);
  CHECK(a.witness->longest_prefix == b.witness->longest_prefix);
  CHECK(a.witness->text == b.witness->text);
}

TEST_CASE("history generator: deterministic, and honours its config", "[linearizability][generator]") {
  HistoryGenConfig cfg;
  cfg.ops = 20000;
  cfg.keys = 7;
  cfg.clients = 8;
  cfg.info_percent = 10;
  cfg.fail_percent = 20;
  const History a = checkers::generate_linearizable_history(cfg, 3);
  const History b = checkers::generate_linearizable_history(cfg, 3);
  const History other = checkers::generate_linearizable_history(cfg, 4);
  REQUIRE(a.operations.size() == cfg.ops);
  REQUIRE(b.operations.size() == cfg.ops);
  REQUIRE(a.initial_value == std::optional<std::string>(""));
  std::size_t same_as_other = 0;
  std::size_t info = 0;
  std::size_t fail = 0;
  std::vector<std::int64_t> times;
  std::vector<std::string> written;
  for (std::size_t i = 0; i < a.operations.size(); ++i) {
    const Operation& x = a.operations[i];
    const Operation& y = b.operations[i];
    REQUIRE((x.id == y.id && x.process == y.process && x.fn == y.fn && x.key == y.key && x.input == y.input &&
             x.expected == y.expected && x.output == y.output && x.outcome == y.outcome &&
             x.cas_succeeded == y.cas_succeeded && x.invoke_time == y.invoke_time &&
             x.complete_time == y.complete_time));
    if (x.id == other.operations[i].id && x.key == other.operations[i].key) ++same_as_other;
    if (i > 0) CHECK(a.operations[i - 1].invoke_time < x.invoke_time);  // sorted by invoke
    CHECK(x.invoke_time < x.complete_time);
    CHECK(x.key.size() == 2);
    CHECK(x.key[0] == 'k');
    CHECK(x.key[1] >= '0');
    CHECK(x.key[1] < '7');
    info += x.outcome == Outcome::info ? 1 : 0;
    fail += x.outcome == Outcome::fail ? 1 : 0;
    CHECK((x.outcome == Outcome::info) == (x.complete_time == Operation::kNever));
    if (x.outcome == Outcome::ok && x.fn == Fn::read) CHECK(x.output.has_value());
    if (x.outcome != Outcome::ok) CHECK(!x.output.has_value());
    if (x.fn != Fn::read) written.push_back(*x.input);
    times.push_back(x.invoke_time);
    if (x.complete_time != Operation::kNever) times.push_back(x.complete_time);
  }
  CHECK(same_as_other < cfg.ops / 10);  // the seed matters
  // ~10% info, ~20% fail.
  CHECK(info > 1600);
  CHECK(info < 2400);
  CHECK(fail > 3500);
  CHECK(fail < 4500);
  // All event times are distinct, and so are all written values.
  std::sort(times.begin(), times.end());
  CHECK(std::adjacent_find(times.begin(), times.end()) == times.end());
  std::sort(written.begin(), written.end());
  CHECK(std::adjacent_find(written.begin(), written.end()) == written.end());
}

TEST_CASE("history generator: round-robin clients take turns", "[linearizability][generator]") {
  HistoryGenConfig cfg;
  cfg.ops = 400;
  cfg.clients = 4;
  cfg.info_percent = 0;  // no info: a client keeps its process
  cfg.round_robin_clients = true;
  const History h = checkers::generate_linearizable_history(cfg, 8);
  std::vector<std::size_t> per_process(cfg.clients, 0);
  for (const Operation& op : h.operations) {
    REQUIRE(op.process < cfg.clients);
    ++per_process[op.process];
  }
  for (std::size_t n : per_process) CHECK(n == 100);
  // Random clients do not split evenly (for this seed).
  cfg.round_robin_clients = false;
  const History r = checkers::generate_linearizable_history(cfg, 8);
  std::vector<std::size_t> random_per_process(cfg.clients, 0);
  for (const Operation& op : r.operations) ++random_per_process[op.process];
  CHECK(random_per_process != per_process);
}

TEST_CASE("history generator: rejects impossible configs", "[linearizability][generator]") {
  auto bad = [](auto change) {
    HistoryGenConfig cfg;
    change(cfg);
    CHECK_THROWS_AS(checkers::generate_linearizable_history(cfg, 1), std::invalid_argument);
  };
  bad([](HistoryGenConfig& c) { c.keys = 0; });
  bad([](HistoryGenConfig& c) { c.clients = 0; });
  bad([](HistoryGenConfig& c) { c.gap_max = 0; });
  bad([](HistoryGenConfig& c) { c.point_max = 0; });
  bad([](HistoryGenConfig& c) { c.complete_max = -1; });
  bad([](HistoryGenConfig& c) {
    c.info_percent = 60;
    c.fail_percent = 41;
  });
  bad([](HistoryGenConfig& c) { c.point_max = std::int64_t{1} << 62; });
  // Zero operations is a valid, empty history.
  HistoryGenConfig empty;
  empty.ops = 0;
  CHECK(checkers::generate_linearizable_history(empty, 1).operations.empty());
}

// ---------------------------------------------------------------------------------------------------------
// Hand-made cases

TEST_CASE("linearizability: a stale read after a completed write is not linearizable", "[linearizability]") {
  Builder b;
  b.write("1", 1, 2).read(std::nullopt, 3, 4);
  const auto r = checkers::check_linearizability(b.history());
  REQUIRE(r.verdict == LinVerdict::not_linearizable);
  REQUIRE(r.witness.has_value());
  CHECK(r.witness->ops == std::vector<std::size_t>{0, 1});
  // The write is not even linearized: the search sees that the read could not follow it.
  CHECK(r.witness->longest_prefix.empty());
  CHECK(r.witness->text.find("read -> nil") != std::string::npos);
  CHECK(r.keys_checked == 1);
  CHECK(r.operations == 2);
}

TEST_CASE("linearizability: a read concurrent with a write may see either value", "[linearizability]") {
  CHECK(Builder().write("1", 1, 4).read(std::nullopt, 2, 3).verdict() == LinVerdict::linearizable);
  CHECK(Builder().write("1", 1, 4).read("1", 2, 3).verdict() == LinVerdict::linearizable);
  // Two reads inside one write: once the new value is seen, the old one cannot come back.
  CHECK(Builder().write("1", 1, 10).read("1", 2, 3).read(std::nullopt, 4, 5).verdict() ==
        LinVerdict::not_linearizable);
  CHECK(Builder().write("1", 1, 10).read(std::nullopt, 2, 3).read("1", 4, 5).verdict() ==
        LinVerdict::linearizable);
}

TEST_CASE("linearizability: an info write may or may not have taken effect", "[linearizability]") {
  // Never took effect.
  CHECK(Builder().write("1", 1, 0).info().read(std::nullopt, 2, 3).read(std::nullopt, 8, 9).verdict() ==
        LinVerdict::linearizable);
  // Took effect late, long after the client gave up.
  CHECK(Builder().write("1", 1, 0).info().read(std::nullopt, 2, 3).read("1", 100, 101).verdict() ==
        LinVerdict::linearizable);
  // Not before it was invoked.
  CHECK(Builder().read("1", 1, 2).write("1", 3, 0).info().verdict() == LinVerdict::not_linearizable);
  // Once it took effect it stays.
  CHECK(Builder().write("1", 1, 0).info().read("1", 2, 3).read(std::nullopt, 4, 5).verdict() ==
        LinVerdict::not_linearizable);
  // An info read constrains nothing.
  CHECK(Builder().read("7", 1, 0).info().verdict() == LinVerdict::linearizable);
}

TEST_CASE("linearizability: a cas whose compare failed constrains the history", "[linearizability]") {
  // The value is "1" when the cas runs, so reporting that the compare did not match is a lie.
  CHECK(Builder().write("1", 1, 2).cas("1", "2", false, 3, 4).verdict() == LinVerdict::not_linearizable);
  CHECK(Builder().write("1", 1, 2).cas("0", "2", false, 3, 4).read("1", 5, 6).verdict() ==
        LinVerdict::linearizable);
  // A succeeded cas needs the expected value.
  CHECK(Builder().write("1", 1, 2).cas("0", "2", true, 3, 4).verdict() == LinVerdict::not_linearizable);
  CHECK(Builder().write("1", 1, 2).cas("1", "2", true, 3, 4).read("2", 5, 6).verdict() ==
        LinVerdict::linearizable);
  // A cas that definitely failed (outcome fail) did nothing.
  CHECK(Builder().write("1", 1, 2).cas("1", "2", true, 3, 4).failed().read("1", 5, 6).verdict() ==
        LinVerdict::linearizable);
  // An info cas applies only if the compare matches.
  CHECK(Builder().cas("1", "2", true, 1, 0).info().read("2", 5, 6).verdict() == LinVerdict::not_linearizable);
  CHECK(Builder().write("1", 1, 2).cas("1", "2", true, 3, 0).info().read("2", 5, 6).verdict() ==
        LinVerdict::linearizable);
}

TEST_CASE("linearizability: nil and the empty string are different values", "[linearizability]") {
  CHECK(Builder().read("", 1, 2).verdict() == LinVerdict::not_linearizable);
  CHECK(Builder().read(std::nullopt, 1, 2).verdict() == LinVerdict::linearizable);
  CHECK(Builder(std::string()).read("", 1, 2).verdict() == LinVerdict::linearizable);
  CHECK(Builder(std::string()).read(std::nullopt, 1, 2).verdict() == LinVerdict::not_linearizable);
  CHECK(Builder().write("", 1, 2).read("", 3, 4).verdict() == LinVerdict::linearizable);
  // Appending to nil counts nil as "".
  CHECK(Builder().append("x", 1, 2).read("x", 3, 4).verdict() == LinVerdict::linearizable);
}

TEST_CASE("linearizability: concurrent appends in either order", "[linearizability]") {
  const auto both = [](const char* seen) {
    return Builder(std::string()).append("a", 1, 4).append("b", 2, 5).read(seen, 6, 7).verdict();
  };
  CHECK(both("ab") == LinVerdict::linearizable);
  CHECK(both("ba") == LinVerdict::linearizable);
  CHECK(both("a") == LinVerdict::not_linearizable);
  CHECK(both("aab") == LinVerdict::not_linearizable);
}

TEST_CASE("linearizability: keys are checked independently", "[linearizability]") {
  Builder b{std::string()};
  b.write("1", 1, 2, "a").read("1", 3, 4, "a").write("2", 1, 2, "b").read("", 3, 4, "b");
  const auto r = checkers::check_linearizability(b.history());
  REQUIRE(r.verdict == LinVerdict::not_linearizable);
  REQUIRE(r.witness.has_value());
  CHECK(r.witness->key == "b");
  CHECK(r.keys_checked == 2);
  // Each key has its own value.
  Builder ok{std::string()};
  ok.write("1", 1, 2, "a").write("2", 1, 2, "b").read("1", 3, 4, "a").read("2", 3, 4, "b");
  CHECK(ok.verdict() == LinVerdict::linearizable);
}

TEST_CASE("linearizability: failed operations constrain nothing", "[linearizability]") {
  CHECK(Builder().write("1", 1, 2).failed().read(std::nullopt, 3, 4).verdict() == LinVerdict::linearizable);
  CHECK(Builder().write("1", 1, 2).failed().read("1", 3, 4).verdict() == LinVerdict::not_linearizable);
  CHECK(checkers::check_linearizability(History{}).verdict == LinVerdict::linearizable);
}

// ---------------------------------------------------------------------------------------------------------
// Limits

TEST_CASE("linearizability: a tiny timeout gives unknown, promptly", "[linearizability][limits]") {
  HistoryGenConfig cfg;
  cfg.ops = 20000;
  cfg.keys = 1;
  cfg.clients = 50;
  cfg.info_percent = 20;
  const History h = checkers::generate_linearizable_history(cfg, 5);
  LinLimits limits;
  limits.give_up = [] { return true; };  // what raftsim check's clock says once its --timeout has passed
  limits.give_up_reason = "timeout after 1e-09s";
  const auto r = checkers::check_linearizability(h, limits);
  REQUIRE(r.verdict == LinVerdict::unknown);
  CHECK(r.reason.find("timeout") != std::string::npos);
  CHECK(r.reason.find("k0") != std::string::npos);
  CHECK(!r.witness.has_value());
}

TEST_CASE("linearizability: the step limit gives unknown, at the same point every time", "[linearizability][limits]") {
  HistoryGenConfig cfg;
  cfg.ops = 2000;
  cfg.keys = 1;
  cfg.clients = 5;
  cfg.info_percent = 0;
  const History h = checkers::generate_linearizable_history(cfg, 11);  // needs well over 4096 steps
  LinLimits limits;
  limits.steps_max = 4096;
  const auto r = checkers::check_linearizability(h, limits);
  REQUIRE(r.verdict == LinVerdict::unknown);
  CHECK(r.reason == "step limit of 4096 reached on key k0");
  CHECK(checkers::check_linearizability(h, limits).reason == r.reason);
  // Without limits (neither time nor steps) the same history is decided.
  limits.steps_max = 0;
  CHECK(checkers::check_linearizability(h, limits).verdict == LinVerdict::linearizable);
}

TEST_CASE("linearizability: the memory limit gives unknown", "[linearizability][limits]") {
  HistoryGenConfig cfg;
  cfg.ops = 2000;
  cfg.keys = 1;
  cfg.clients = 5;
  cfg.info_percent = 0;
  const History h = checkers::generate_linearizable_history(cfg, 11);
  LinLimits limits;
  limits.memory_bytes_max = 16 * 1024;
  const auto r = checkers::check_linearizability(h, limits);
  REQUIRE(r.verdict == LinVerdict::unknown);
  CHECK(r.reason.find("memory limit") != std::string::npos);
  // With the default limits the same history is fine.
  CHECK(checkers::check_linearizability(h).verdict == LinVerdict::linearizable);
}

TEST_CASE("linearizability: a failing key decides even after another key hit a limit", "[linearizability][limits]") {
  HistoryGenConfig cfg;
  cfg.ops = 2000;
  cfg.keys = 1;
  cfg.clients = 5;
  cfg.info_percent = 0;
  History h = checkers::generate_linearizable_history(cfg, 11);
  Operation w;
  w.key = "zz";
  w.fn = Fn::write;
  w.input = "1";
  w.invoke_time = 1;
  w.complete_time = 2;
  Operation r = w;
  r.fn = Fn::read;
  r.input.reset();
  r.output = "1";
  r.invoke_time = 3;
  r.complete_time = 4;
  Operation stale = r;
  stale.output = "";
  stale.invoke_time = 5;
  stale.complete_time = 6;
  h.operations.push_back(w);
  h.operations.push_back(r);
  h.operations.push_back(stale);
  LinLimits limits;
  limits.memory_bytes_max = 16 * 1024;
  const auto result = checkers::check_linearizability(h, limits);
  REQUIRE(result.verdict == LinVerdict::not_linearizable);
  CHECK(result.witness->key == "zz");
}

// ---------------------------------------------------------------------------------------------------------
// Parsers

TEST_CASE("history parse: Jepsen etcd logs, tabs or runs of spaces", "[parse]") {
  const std::string tabs =
      "INFO  jepsen.util - 0\t:invoke\t:read\tnil\n"
      "INFO  jepsen.util - 1\t:invoke\t:cas\t[3 0]\n"
      "INFO  jepsen.util - 0\t:ok\t:read\t3\n"
      "INFO  jepsen.util - 1\t:fail\t:cas\t[3 0]\n"
      "INFO  jepsen.util - 2\t:invoke\t:write\t4\n"
      "INFO  jepsen.util - 2\t:info\t:write\t:timed-out\n"
      "INFO  jepsen.util - 3\t:invoke\t:read\tnil\n"
      "INFO  jepsen.util - 3\t:fail\t:read\t:timed-out\n"
      "INFO  jepsen.util - 4\t:invoke\t:write\t1\n";
  std::string spaces = tabs;
  std::replace(spaces.begin(), spaces.end(), '\t', ' ');
  spaces.insert(spaces.find("0 :invoke") + 1, "   ");
  for (const std::string& text : {tabs, spaces}) {
    CHECK(checkers::detect_history_format(text) == HistoryFormat::jepsen_etcd);
    const History h = checkers::parse_history(text, "t.log", HistoryFormat::jepsen_etcd);
    CHECK(!h.initial_value.has_value());
    REQUIRE(h.operations.size() == 5);
    const auto& ops = h.operations;
    CHECK((ops[0].fn == Fn::read && ops[0].output == "3" && ops[0].outcome == Outcome::ok));
    CHECK((ops[0].invoke_time == 1 && ops[0].complete_time == 3));
    CHECK((ops[1].fn == Fn::cas && ops[1].expected == "3" && ops[1].input == "0"));
    CHECK((ops[1].outcome == Outcome::ok && !ops[1].cas_succeeded));
    CHECK((ops[2].outcome == Outcome::info && ops[2].complete_time == Operation::kNever && ops[2].input == "4"));
    CHECK(ops[3].outcome == Outcome::fail);
    CHECK((ops[4].outcome == Outcome::info && ops[4].input == "1"));  // never completed
  }
}

TEST_CASE("history parse: Jepsen EDN key-value maps", "[parse]") {
  const std::string text =
      "{:process 0, :type :invoke, :f :append, :key \"7\", :value \"x 0 0 y\"}\n"
      "{:process :nemesis, :type :info, :f :start, :value nil}\n"
      "{:process 1, :type :invoke, :f :get, :key \"7\", :value nil}\n"
      "\n"
      "{:process 0, :type :ok, :f :append, :key \"7\", :value \"x 0 0 y\"}\n"
      "{:process 1, :type :ok, :f :get, :key \"7\", :value \"a \\\"q\\\"\", :time 12}\n"
      "{:process 2, :type :invoke, :f :put, :key 3, :value \"v\"}\n"
      "{:process 2, :type :fail, :f :put, :key 3, :value \"v\"}\n";
  CHECK(checkers::detect_history_format(text) == HistoryFormat::jepsen_edn_kv);
  const History h = checkers::parse_history(text, "t.edn", HistoryFormat::jepsen_edn_kv);
  CHECK(h.initial_value == std::string());
  REQUIRE(h.operations.size() == 3);
  CHECK((h.operations[0].fn == Fn::append && h.operations[0].key == "7" && h.operations[0].input == "x 0 0 y"));
  CHECK((h.operations[1].fn == Fn::read && h.operations[1].output == "a \"q\""));
  CHECK((h.operations[2].fn == Fn::write && h.operations[2].key == "3" && h.operations[2].outcome == Outcome::fail));
}

TEST_CASE("history parse: raftsim JSON Lines", "[parse]") {
  const std::string text =
      R"({"type":"invoke","process":0,"op":1,"f":"put","key":"k2","value":"1","time_us":4113})"
      "\n"
      R"({"type":"invoke","process":1,"op":2,"f":"get","key":"k2","time_us":7310})"
      "\n"
      R"({"type":"invoke","process":2,"op":3,"f":"cas","key":"k2","value":"3","expected":"1","time_us":7400})"
      "\n"
      R"({"type":"ok","process":0,"op":1,"f":"put","key":"k2","value":"1","time_us":312877})"
      "\n"
      R"({"type":"ok","process":1,"op":2,"f":"get","key":"k2","value":"1","time_us":313002})"
      "\n"
      R"({"type":"ok","process":2,"op":3,"f":"cas","key":"k2","value":"3","expected":"1","succeeded":false,"time_us":313003})"
      "\n"
      R"({"type":"invoke","process":0,"op":4,"f":"append","key":"k1","value":"4 ","time_us":400000})"
      "\n";
  CHECK(checkers::detect_history_format(text) == HistoryFormat::raftsim_jsonl);
  const History h = checkers::parse_history(text, "h.jsonl", HistoryFormat::raftsim_jsonl);
  CHECK(h.initial_value == std::string());
  REQUIRE(h.operations.size() == 4);
  CHECK((h.operations[0].id == 1 && h.operations[0].invoke_time == 1 && h.operations[0].complete_time == 4));
  CHECK(h.operations[1].output == "1");
  CHECK((h.operations[2].expected == "1" && h.operations[2].input == "3" && !h.operations[2].cas_succeeded));
  CHECK((h.operations[3].outcome == Outcome::info && h.operations[3].complete_time == Operation::kNever));
  // The cas that found the value was not "1" ran before the put, which it overlaps.
  CHECK(checkers::check_linearizability(h).verdict == LinVerdict::linearizable);
}

TEST_CASE("history parse: a malformed line names the file and the line", "[parse]") {
  const auto etcd = [](const std::string& text) {
    return [text] { checkers::parse_history(text, "e.log", HistoryFormat::jepsen_etcd); };
  };
  const std::string ok_line = "INFO  jepsen.util - 0\t:invoke\t:read\tnil\n";
  require_parse_error_at(etcd(ok_line + "INFO  jepsen.util - 0\t:ok\t:read\n"), "e.log:2");
  require_parse_error_at(etcd(ok_line + "INFO  jepsen.util - 0\t:ok\t:frob\t1\n"), "e.log:2");
  require_parse_error_at(etcd(ok_line + "INFO  jepsen.util - 0\t:invoke\t:read\tnil\n"), "e.log:2");
  require_parse_error_at(etcd("INFO  jepsen.util - 1\t:ok\t:read\t1\n"), "e.log:1");
  require_parse_error_at(etcd(ok_line + "\n" + "INFO  jepsen.util - 0\t:ok\t:write\t1\n"), "e.log:3");
  require_parse_error_at(etcd("INFO  jepsen.util - 1\t:invoke\t:cas\t[1 x]\n"), "e.log:1");

  const auto edn = [](const std::string& text) {
    return [text] { checkers::parse_history(text, "k.edn", HistoryFormat::jepsen_edn_kv); };
  };
  const std::string edn_ok = "{:process 0, :type :invoke, :f :get, :key \"1\", :value nil}\n";
  require_parse_error_at(edn(edn_ok + "{:process 0, :type :ok, :f :get, :key \"1\", :value \"x}\n"), "k.edn:2");
  require_parse_error_at(edn(edn_ok + "{:process 0, :type :ok, :f :get, :value \"x\"}\n"), "k.edn:2");
  require_parse_error_at(edn(edn_ok + "{:process 0, :type :done, :f :get, :key \"1\", :value \"\"}\n"), "k.edn:2");
  require_parse_error_at(edn(edn_ok + "{:process 0, :type :ok, :f :get, :key \"1\", :value \"\"} x\n"), "k.edn:2");
  require_parse_error_at(edn("{:process 0 :type :invoke :f :put :key \"1\" :value #{}}\n"), "k.edn:1");

  const auto jsonl = [](const std::string& text) {
    return [text] { checkers::parse_history(text, "h.jsonl", HistoryFormat::raftsim_jsonl); };
  };
  const std::string j_ok = R"({"type":"invoke","process":0,"op":1,"f":"get","key":"k","time_us":5})"
                           "\n";
  require_parse_error_at(jsonl(j_ok + "{\"type\":\n"), "h.jsonl:2");
  require_parse_error_at(jsonl(j_ok + R"({"type":"ok","process":0,"op":1,"f":"get","key":"k","time_us":6})"), "h.jsonl:2");
  require_parse_error_at(jsonl(j_ok + R"({"type":"ok","process":0,"op":2,"f":"get","key":"k","value":"","time_us":6})"),
                         "h.jsonl:2");
  require_parse_error_at(jsonl(j_ok + R"({"type":"ok","process":0,"op":1,"f":"get","key":"k","value":"","time_us":4})"),
                         "h.jsonl:2");
  require_parse_error_at(jsonl(R"({"type":"invoke","process":0,"op":1,"f":"cas","key":"k","value":"1","time_us":5})"),
                         "h.jsonl:1");
}

TEST_CASE("history parse: format detection", "[parse]") {
  CHECK(checkers::detect_history_format("\n  \n{\"type\":\"invoke\"}") == HistoryFormat::raftsim_jsonl);
  CHECK(checkers::detect_history_format("INFO  jepsen.util - 0\t:invoke\t:read\tnil") == HistoryFormat::jepsen_etcd);
  CHECK(checkers::detect_history_format("INFO jepsen.util - 0 :invoke :read nil") == HistoryFormat::jepsen_etcd);
  CHECK(checkers::detect_history_format("{:process 0, :type :invoke}") == HistoryFormat::jepsen_edn_kv);
  CHECK(checkers::detect_history_format("") == HistoryFormat::raftsim_jsonl);
  try {
    checkers::detect_history_format("hello\n", "x.txt");
    FAIL("expected a HistoryParseError");
  } catch (const HistoryParseError& e) {
    const std::string what = e.what();
    CHECK(what.rfind("x.txt:1:", 0) == 0);
    CHECK(what.find("JSON Lines") != std::string::npos);
    CHECK(what.find("etcd") != std::string::npos);
    CHECK(what.find("EDN") != std::string::npos);
  }
}

TEST_CASE("history parse: an unreadable file", "[parse]") {
  // No line number for an error about the whole file (issue 15: "FILE:0:" read as a line).
  require_parse_error_at([] { checkers::load_history_file("/nonexistent/history.log"); }, "/nonexistent/history.log");
}

// ---------------------------------------------------------------------------------------------------------
// Fairness between keys, and the worst cases (issue 14)

namespace {

// A key that is not linearizable but exponentially hard to refute: `dead` writes nobody reads, all
// concurrent with everything, and three reads in real-time order that see "v1", then "v2", then "v1"
// again (a value written once cannot come back). The search has to try every subset of the unread writes
// before giving up, so a few dozen of them exhaust any small limit.
void add_hard_key(History& h, const std::string& key, std::size_t dead) {
  auto add = [&](Fn fn, std::optional<std::string> in, std::optional<std::string> out, std::int64_t inv,
                 std::int64_t comp) {
    Operation op;
    op.key = key;
    op.fn = fn;
    op.input = std::move(in);
    op.output = std::move(out);
    op.invoke_time = inv;
    op.complete_time = comp;
    op.process = h.operations.size();
    op.id = h.operations.size();
    h.operations.push_back(std::move(op));
  };
  add(Fn::write, "v1", std::nullopt, 0, 1000);
  add(Fn::write, "v2", std::nullopt, 0, 1000);
  for (std::size_t i = 0; i < dead; ++i) add(Fn::write, "d" + std::to_string(i), std::nullopt, 0, 1000);
  add(Fn::read, std::nullopt, "v1", 10, 20);
  add(Fn::read, std::nullopt, "v2", 30, 40);
  add(Fn::read, std::nullopt, "v1", 50, 60);
}

// An easy violation: a write of "1" completes, then a read returns the initial value.
void add_easy_violation(History& h, const std::string& key) {
  Builder b;
  b.write("1", 2000, 2001, key).read("", 2002, 2003, key);
  for (Operation op : b.history().operations) {
    op.process += 1000;
    h.operations.push_back(std::move(op));
  }
}

}  // namespace

TEST_CASE("linearizability: the hard key is hard", "[linearizability][limits]") {
  History h;
  add_hard_key(h, "a", 40);
  LinLimits limits;
  limits.steps_max = 200000;
  const auto r = checkers::check_linearizability(h, limits);
  CHECK(r.verdict == LinVerdict::unknown);
  CHECK(r.reason == "step limit of 200000 reached on key a");
  // Small enough, it is refuted: the construction is not linearizable.
  History small;
  add_hard_key(small, "a", 3);
  CHECK(checkers::check_linearizability(small).verdict == LinVerdict::not_linearizable);
}

TEST_CASE("linearizability: an easy violation in key B is refuted although key A is hard (steps)", "[linearizability][limits]") {
  History h;
  h.initial_value = std::string();
  add_hard_key(h, "a", 40);  // first in the history, so checked first
  add_easy_violation(h, "b");
  LinLimits limits;
  limits.steps_max = 200000;
  const auto r = checkers::check_linearizability(h, limits);
  REQUIRE(r.verdict == LinVerdict::not_linearizable);
  CHECK(r.witness->key == "b");
}

TEST_CASE("linearizability: an easy violation in key B is refuted although key A is hard (memory)", "[linearizability][limits]") {
  History h;
  h.initial_value = std::string();
  add_hard_key(h, "a", 40);
  add_hard_key(h, "c", 40);
  add_easy_violation(h, "b");
  // Key b only needs a little memory; a and c would need gigabytes. Whichever holds the most is stopped
  // when the budget runs out, never the small one.
  LinLimits limits;
  limits.memory_bytes_max = 4 << 20;
  limits.steps_max = 50'000'000;
  const auto r = checkers::check_linearizability(h, limits);
  REQUIRE(r.verdict == LinVerdict::not_linearizable);
  CHECK(r.witness->key == "b");
}

TEST_CASE("linearizability: unknown names every limit hit and every key it stopped", "[linearizability][limits]") {
  History h;
  add_hard_key(h, "a", 40);
  add_hard_key(h, "c", 40);
  LinLimits limits;
  limits.memory_bytes_max = 3 << 20;
  limits.steps_max = 2'000'000;
  const auto r = checkers::check_linearizability(h, limits);
  REQUIRE(r.verdict == LinVerdict::unknown);
  INFO(r.reason);
  // Both keys are named, under the limit that stopped each: the memory limit stops the bigger holder first,
  // then the other ("memory limit of 3145728 bytes reached on keys a (N configurations), c (M ...)").
  CHECK(r.reason.rfind("memory limit of 3145728 bytes reached on keys ", 0) == 0);
  CHECK(r.reason.find(" a (") != std::string::npos);
  CHECK(r.reason.find(" c (") != std::string::npos);
}

TEST_CASE("linearizability: agrees with brute force where unread info writes meet failed cas", "[linearizability][property]") {
  // Values only writes use ("7", "8", "9": no read returns them, no cas expects them) make the checker drop
  // info writes or keep them as killers for failed cas; the brute force knows nothing of either.
  Rng rng(2024);
  std::size_t agree = 0, nonlin = 0;
  for (int i = 0; i < 3000; ++i) {
    History h = random_small_history(rng);
    for (Operation& op : h.operations) {
      if ((op.fn == Fn::write || op.fn == Fn::append) && rng.below(2) == 0) {
        op.input = std::to_string(7 + rng.below(3));
        if (op.outcome != Outcome::info && rng.below(2) == 0) {
          op.outcome = Outcome::info;
          op.complete_time = Operation::kNever;
        }
      }
    }
    const bool expected = brute_force_linearizable(h);
    const LinVerdict got = checkers::check_linearizability(h).verdict;
    INFO("history " << i);
    REQUIRE(got == (expected ? LinVerdict::linearizable : LinVerdict::not_linearizable));
    ++agree;
    nonlin += !expected;
  }
  CHECK(agree == 3000);
  CHECK(nonlin > 300);  // both verdicts are exercised
}

// check_key_linearizability (the streaming checker's segments at its cuts) on the operations of one key
// given as ids: the ids are numbered backwards from the order of first appearance, so the test also shows
// that the caller's numbering does not matter. Failed operations are left out, as the streaming checker
// never hands them over.
static LinVerdict check_by_ids(const History& h, const LinLimits& limits = {},
                               checkers::KeyCheckScratch* scratch = nullptr) {
  std::vector<std::string> texts;
  std::vector<std::optional<std::string>> seen;  // in order of first appearance
  auto note = [&](const std::optional<std::string>& v) {
    if (v && std::find(seen.begin(), seen.end(), v) == seen.end()) seen.push_back(v);
  };
  note(h.initial_value);
  for (const Operation& op : h.operations) {
    note(op.input);
    note(op.expected);
    note(op.output);
  }
  auto id_of = [&](const std::optional<std::string>& v) -> std::uint32_t {
    if (!v) return 0;
    const auto at = static_cast<std::uint32_t>(std::find(seen.begin(), seen.end(), v) - seen.begin());
    return static_cast<std::uint32_t>(seen.size()) - at;  // backwards, from 1
  };
  std::vector<checkers::KeyOpIds> ops;
  for (const Operation& op : h.operations) {
    if (op.outcome == Outcome::fail) continue;
    checkers::KeyOpIds k;
    k.fn = op.fn;
    k.info = op.outcome == Outcome::info;
    k.cas_succeeded = op.cas_succeeded;
    k.input = id_of(op.input);
    k.expected = id_of(op.expected);
    k.output = id_of(op.output);
    k.invoke_time = op.invoke_time;
    k.complete_time = op.complete_time;
    ops.push_back(k);
  }
  auto text = [&](std::uint32_t id) { return std::string_view(*seen[seen.size() - id]); };
  if (scratch == nullptr) {
    return checkers::check_key_linearizability(id_of(h.initial_value), ops, seen.size() + 1, text, limits);
  }
  return checkers::check_key_linearizability(
      id_of(h.initial_value), ops, seen.size() + 1,
      [&](std::uint32_t id) { return checkers::HashedText{text(id), checkers::hash_text(text(id))}; }, limits,
      scratch);
}

TEST_CASE("linearizability: one key's operations given as ids get check_linearizability's verdict", "[linearizability][property]") {
  Rng rng(1414);
  // One scratch for every call below, as the streaming checker shares one between its keys' cuts: what a
  // call leaves in it (values, memos, id mappings of another history) must change no later verdict.
  checkers::KeyCheckScratch scratch;
  std::size_t nonlin = 0;
  for (int i = 0; i < 3000; ++i) {
    History h = random_small_history(rng);
    for (Operation& op : h.operations) {  // also the dropped info writes and killers (see above)
      if ((op.fn == Fn::write || op.fn == Fn::append) && rng.below(3) == 0) op.input = std::to_string(7 + rng.below(3));
    }
    const LinVerdict batch = checkers::check_linearizability(h).verdict;
    INFO("history " << i);
    REQUIRE(check_by_ids(h) == batch);
    REQUIRE(check_by_ids(h, {}, &scratch) == batch);
    nonlin += batch == LinVerdict::not_linearizable;
  }
  CHECK(nonlin > 300);
  // Generated one-key histories, longer, also under step limits: the same verdict, unknown included.
  std::size_t unknown = 0;
  for (std::uint64_t seed = 1; seed <= 120; ++seed) {
    HistoryGenConfig cfg;
    cfg.ops = 50 + seed * 5;
    cfg.keys = 1;
    cfg.clients = 2 + seed % 12;
    cfg.info_percent = seed % 4 == 0 ? 0 : 2 + seed % 15;
    cfg.fail_percent = seed % 3;
    History h = checkers::generate_linearizable_history(cfg, seed);
    if (seed % 2 == 0) make_stale_read(h);
    LinLimits limits;
    limits.steps_max = seed % 3 == 0 ? 1024 : 0;
    const LinVerdict batch = checkers::check_linearizability(h, limits).verdict;
    INFO("seed " << seed);
    REQUIRE(check_by_ids(h, limits) == batch);
    REQUIRE(check_by_ids(h, limits, &scratch) == batch);
    unknown += batch == LinVerdict::unknown;
  }
  CHECK(unknown > 0);
}

// The batch search's value table and memos are flat open-addressing tables (session 15) that grow as a key
// brings values: thousands of distinct values sharing long prefixes (appends), resets to values built by
// appends before, and the empty string beside nil, by strings, by ids and streamed, with one stale read late
// in a corrupted copy.
TEST_CASE("linearizability: thousands of values on one key (by strings and by ids and streamed)", "[linearizability]") {
  Builder ok{std::string()};
  Builder bad{std::string()};
  std::string value;
  std::string stale;
  std::int64_t t = 1;
  for (int i = 0; i < 2000; ++i, t += 10) {
    const std::string arg = std::to_string(i) + ",";
    // Two appends overlap now and then: either order, the read after them says which.
    if (i % 7 == 3) {
      const std::string other = "x" + std::to_string(i) + ",";
      for (Builder* b : {&ok, &bad}) b->append(arg, t, t + 4).append(other, t + 1, t + 5);
      value += other + arg;  // the second appended first
      for (Builder* b : {&ok, &bad}) b->read(value, t + 6, t + 7);
      continue;
    }
    for (Builder* b : {&ok, &bad}) b->append(arg, t, t + 1);
    value += arg;
    if (i == 1000) stale = value;
    if (i % 11 == 0) {
      for (Builder* b : {&ok, &bad}) b->read(value, t + 2, t + 3);
    }
    if (i % 500 == 499) {  // a reset to a value appends made before, then to the empty string
      for (Builder* b : {&ok, &bad}) b->write(stale, t + 4, t + 5).read(stale, t + 6, t + 7);
      value = stale;
    }
    if (i % 900 == 899) {
      for (Builder* b : {&ok, &bad}) b->write(std::string(), t + 8, t + 9).read(std::string(), t + 9, t + 9);
      value.clear();
    }
  }
  ok.read(value, t, t + 1);
  bad.read(stale + "1999,", t, t + 1);  // the last append (1999) came before the reset to the stale value
  CHECK(ok.verdict() == LinVerdict::linearizable);
  CHECK(check_by_ids(ok.history()) == LinVerdict::linearizable);
  CHECK(checkers::check_linearizability_streaming(ok.history()).verdict == LinVerdict::linearizable);
  checkers::StreamLimits tiny;  // every key to the batch search at once, a cut whenever one can be taken
  tiny.frontier_max = 1;
  tiny.closure_max = 1;
  tiny.cut_segment_min = 0;
  CHECK(checkers::check_linearizability_streaming(ok.history(), tiny).verdict == LinVerdict::linearizable);
  CHECK(bad.verdict() == LinVerdict::not_linearizable);
  CHECK(check_by_ids(bad.history()) == LinVerdict::not_linearizable);
  CHECK(checkers::check_linearizability_streaming(bad.history()).verdict == LinVerdict::not_linearizable);
  CHECK(checkers::check_linearizability_streaming(bad.history(), tiny).verdict == LinVerdict::not_linearizable);
}

TEST_CASE("linearizability: the worst cases of issue 14 are decided within a step budget", "[linearizability][worst]") {
  // 50 clients on 10 keys with long (retried) operations, linearizable and with a stale read planted late;
  // 40 clients on 8 keys with unknown outcomes. Before the dead state and the killers these came back
  // unknown after a gigabyte; the step limit keeps the test deterministic on any machine.
  LinLimits limits;
  limits.steps_max = 20'000'000;
  for (bool stale : {false, true}) {
    HistoryGenConfig c50 = checkers::fifty_clients_history(8000);
    c50.stale_read_at = stale ? 0.9 : -1.0;
    HistoryGenConfig swarm = checkers::swarm_like_history(20000);
    swarm.stale_read_at = c50.stale_read_at;
    for (const HistoryGenConfig& cfg : {c50, swarm}) {
      for (std::uint64_t seed = 1; seed <= test_support::sweep_seeds(2, 1); ++seed) {  // one under the sanitizers
        std::optional<std::size_t> planted;
        const History h = checkers::generate_history_with_stale_read(cfg, seed, &planted);
        REQUIRE(planted.has_value() == stale);
        const auto r = checkers::check_linearizability(h, limits);
        INFO("clients " << cfg.clients << " seed " << seed << ": " << r.reason);
        CHECK(r.verdict == (stale ? LinVerdict::not_linearizable : LinVerdict::linearizable));
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// The streaming checker (checkers/linearizability_stream.h) gives the batch checker's verdict: on the
// brute force's small histories (values reused, so every reduction is exercised where it could go wrong),
// on generated histories linearizable and with planted violations and unknown outcomes, on the worst
// cases, and on the shared Jepsen histories.

TEST_CASE("linearizability stream: agrees with brute force on small random histories", "[linearizability][stream]") {
  for (std::uint64_t round = 0; round < 2; ++round) {
    Rng rng(round == 0 ? 20240601 : 2024);
    std::size_t nonlin = 0;
    for (int i = 0; i < 4000; ++i) {
      History h = random_small_history(rng);
      if (round == 1) {  // unread values on writes and appends, half of them info (as in the batch test above)
        for (Operation& op : h.operations) {
          if ((op.fn == Fn::write || op.fn == Fn::append) && rng.below(2) == 0) {
            op.input = std::to_string(7 + rng.below(3));
            if (op.outcome != Outcome::info && rng.below(2) == 0) {
              op.outcome = Outcome::info;
              op.complete_time = Operation::kNever;
            }
          }
        }
      }
      const bool expected = brute_force_linearizable(h);
      const auto r = checkers::check_linearizability_streaming(h);
      INFO("round " << round << " history " << i << ": " << r.reason);
      REQUIRE(r.verdict == (expected ? LinVerdict::linearizable : LinVerdict::not_linearizable));
      nonlin += !expected;
    }
    CHECK(nonlin > 300);  // both verdicts are exercised
  }
}

// The lookahead (Key::collect_future, collect_doom): completions held until a read with a known outcome is
// queued, and the configurations they reach pruned by it. Mostly appends, unknown outcomes and reads of
// orders of them, so the reads queued behind completions decide which orders survive.
TEST_CASE("linearizability stream: agrees with brute force where queued reads prune concurrent appends", "[linearizability][stream]") {
  Rng rng(20261203);
  std::size_t nonlin = 0;
  const std::vector<std::string> reads = {"", "1", "2", "12", "21", "123", "132", "213", "231", "312", "321", "x1", "x12", "x21"};
  for (int i = 0; i < 6000; ++i) {
    History h;
    h.initial_value = std::string();
    const std::size_t n = 2 + rng.below(7);
    for (std::size_t j = 0; j < n; ++j) {
      Operation op;
      op.id = j;
      op.process = j;
      op.invoke_time = static_cast<std::int64_t>(rng.below(20));
      op.complete_time = op.invoke_time + 1 + static_cast<std::int64_t>(rng.below(10));
      const std::uint64_t kind = rng.below(10);
      if (kind < 5) {
        op.fn = Fn::append;
        op.input = std::to_string(1 + rng.below(3));
      } else if (kind < 8) {
        op.fn = Fn::read;
        op.output = reads[rng.below(reads.size())];
      } else if (kind < 9) {
        op.fn = Fn::write;
        op.input = rng.below(2) == 0 ? "x" : "";
      } else {
        op.fn = Fn::cas;
        op.expected = reads[rng.below(reads.size())];
        op.input = "x";
        op.cas_succeeded = rng.below(2) == 0;
      }
      const std::uint64_t roll = rng.below(10);
      if (roll < 3 && op.fn != Fn::read) {
        op.outcome = Outcome::info;
        op.complete_time = Operation::kNever;
      }
      h.operations.push_back(std::move(op));
    }
    const bool expected = brute_force_linearizable(h);
    const auto r = checkers::check_linearizability_streaming(h);
    INFO("history " << i << ": " << r.reason);
    REQUIRE(r.verdict == (expected ? LinVerdict::linearizable : LinVerdict::not_linearizable));
    nonlin += !expected;
  }
  CHECK(nonlin > 500);
  CHECK(nonlin < 5500);
}

// The way back from the batch fallback (Key::try_restart): with limits so small that every key falls back at
// its first completion with a choice, a key comes back at each completion of an operation that was alone in
// its time (the segment then has one end value), keeping the unknown-outcome operations the segment need
// not have used open across the new cut. Spread-out operations (so such points are common), 40% of those
// that write of unknown outcome, values reused in one round (a write's value seen by a read may then come
// from another write: the closed info operations must not be taken as used), unique in another, and in the
// third two values and operations one after the other (a cut at every completion; an info write a read
// before a cut needed must not serve one after it too).
TEST_CASE("linearizability stream: agrees with brute force across batch fallbacks and restarts", "[linearizability][stream][restart]") {
  checkers::StreamLimits tiny;
  tiny.frontier_max = 1;
  tiny.closure_max = 4;
  tiny.cut_segment_min = 0;
  for (std::uint64_t round = 0; round < 3; ++round) {
    Rng rng(round == 0 ? 20261203 : round == 1 ? 4242 : 777);
    std::size_t nonlin = 0;
    checkers::StreamStats total;
    for (int i = 0; i < 6000; ++i) {
      History h;
      h.initial_value = std::string();
      const std::size_t n = 3 + rng.below(7);
      std::uint64_t fresh = 1;
      auto value = [&]() -> std::string {
        if (round == 1) return std::to_string(fresh++);
        return std::to_string(1 + rng.below(round == 0 ? 3 : 2));
      };
      // Operations take effect at a random point of their interval (an info one at its invoke, or never),
      // so most histories are linearizable; one in four has a read changed.
      struct Gen {
        Operation op;
        std::int64_t at;
        bool effect;
      };
      std::vector<Gen> gens;
      for (std::size_t j = 0; j < n; ++j) {
        Operation op;
        op.id = j;
        op.process = j;
        op.invoke_time = static_cast<std::int64_t>(rng.below(40));
        op.complete_time = op.invoke_time + 1 + static_cast<std::int64_t>(rng.below(6));
        if (round == 2) {  // one after the other: every completion is a point to cut at
          op.invoke_time = static_cast<std::int64_t>(10 * j);
          op.complete_time = op.invoke_time + 1 + static_cast<std::int64_t>(rng.below(3));
        }
        const std::uint64_t kind = rng.below(10);
        if (kind < 3) {
          op.fn = Fn::write;
          op.input = value();
        } else if (kind < 5) {
          op.fn = Fn::append;
          op.input = value() + " ";
        } else if (kind < 9) {
          op.fn = Fn::read;
        } else {
          op.fn = Fn::cas;
          op.input = value();
        }
        bool effect = true;
        if (rng.below(10) < 4 && op.fn != Fn::read) {
          op.outcome = Outcome::info;
          effect = rng.below(2) == 0;
        }
        const std::int64_t at = op.invoke_time + static_cast<std::int64_t>(rng.below(
                                    static_cast<std::uint64_t>(op.complete_time - op.invoke_time + 1)));
        if (op.outcome == Outcome::info) op.complete_time = Operation::kNever;
        gens.push_back({std::move(op), at, effect});
      }
      std::vector<std::size_t> order(n);
      for (std::size_t j = 0; j < n; ++j) order[j] = j;
      std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return gens[a].at < gens[b].at; });
      std::string state;
      std::vector<std::string> seen{""};
      for (std::size_t j : order) {
        Operation& op = gens[j].op;
        if (!gens[j].effect) continue;
        switch (op.fn) {
          case Fn::read: op.output = state; break;
          case Fn::write: state = *op.input; break;
          case Fn::append: state += *op.input; break;
          case Fn::cas:
            op.expected = rng.below(3) == 0 ? seen[rng.below(seen.size())] : state;
            op.cas_succeeded = *op.expected == state;
            if (op.cas_succeeded) state = *op.input;
            break;
        }
        seen.push_back(state);
      }
      for (Gen& g : gens) {
        if (g.op.fn == Fn::cas && !g.op.expected) g.op.expected = seen[rng.below(seen.size())];  // never took effect
        h.operations.push_back(std::move(g.op));
      }
      if (rng.below(round == 2 ? 2 : 4) == 0) {
        std::size_t reads = 0;
        for (const Operation& op : h.operations) reads += op.fn == Fn::read;
        std::size_t pick = reads == 0 ? 0 : rng.below(reads);
        for (Operation& op : h.operations) {
          if (op.fn == Fn::read && pick-- == 0) {
            op.output = seen[rng.below(seen.size())];
            break;
          }
        }
      }
      const bool expected = brute_force_linearizable(h);
      checkers::StreamStats stats;
      const auto r = checkers::check_linearizability_streaming(h, tiny, &stats);
      INFO("round " << round << " history " << i << ": " << r.reason);
      REQUIRE(r.verdict == (expected ? LinVerdict::linearizable : LinVerdict::not_linearizable));
      nonlin += !expected;
      total.batch_fallbacks += stats.batch_fallbacks;
      total.restarts += stats.restarts;
    }
    INFO("round " << round << ": " << nonlin << " not linearizable, " << total.batch_fallbacks << " fallbacks, "
                  << total.restarts << " restarts");
    CHECK(nonlin > 300);
    CHECK(nonlin < 3000);
    CHECK(total.restarts > 300);  // the way back is exercised
  }
}

// An unknown-outcome write that a read before a cut needed cannot serve a read after it as well: here the
// write of "1" that could have served the first read is over before the write of "2" it reads after, so
// only the unknown write can; the key is cut after that read (each operation alone in its time), and the
// second read of "1", after a write of "3", has no write left to see.
TEST_CASE("linearizability stream: an info write used before a cut is not used again after it", "[linearizability][stream][restart]") {
  auto history = [](bool again) {
    Builder b("");
    b.write("1", 0, 1000, "k").info();
    b.write("1", 1, 2, "k");
    b.write("2", 3, 4, "k");
    b.read("1", 5, 6, "k");
    b.write("3", 7, 8, "k");
    b.read(again ? "1" : "3", 9, 10, "k");
    return b.history();
  };
  checkers::StreamLimits tiny;
  tiny.frontier_max = 1;
  tiny.closure_max = 1;
  tiny.cut_segment_min = 0;
  for (bool again : {false, true}) {
    const History h = history(again);
    const LinVerdict expected = again ? LinVerdict::not_linearizable : LinVerdict::linearizable;
    REQUIRE(brute_force_linearizable(h) == !again);
    CHECK(checkers::check_linearizability(h).verdict == expected);
    checkers::StreamStats stats;
    CHECK(checkers::check_linearizability_streaming(h, tiny, &stats).verdict == expected);
    CHECK(stats.batch_fallbacks > 0);
    CHECK(checkers::check_linearizability_streaming(h).verdict == expected);
  }
}

TEST_CASE("linearizability stream: agrees with the batch checker on generated histories", "[linearizability][stream]") {
  std::size_t refuted = 0;
  for (std::uint64_t seed = 1; seed <= 400; ++seed) {
    HistoryGenConfig cfg;
    cfg.ops = 20 + seed % 300;
    cfg.keys = 1 + seed % 5;
    cfg.clients = 2 + seed % 12;
    cfg.info_percent = seed % 4 == 0 ? 0 : 2 + seed % 15;
    cfg.fail_percent = seed % 3;
    cfg.long_percent = seed % 5 == 0 ? 5 : 0;
    cfg.long_max = 200;
    History h = checkers::generate_linearizable_history(cfg, seed);
    Rng rng(seed * 31);
    const int corruption = static_cast<int>(seed % 3);  // none, a stale read, a read of a value never written
    if (corruption == 1) make_stale_read(h);
    if (corruption == 2) make_unwritten_read(h, rng);
    const auto batch = checkers::check_linearizability(h);
    const auto stream = checkers::check_linearizability_streaming(h);
    INFO("seed " << seed << ": batch " << batch.reason << " / stream " << stream.reason);
    REQUIRE(batch.verdict != LinVerdict::unknown);
    REQUIRE(stream.verdict == batch.verdict);
    CHECK(stream.operations == batch.operations);
    if (stream.verdict == LinVerdict::not_linearizable) {
      ++refuted;
      REQUIRE(stream.witness.has_value());
      CHECK(stream.witness->key == batch.witness->key);
      CHECK(!stream.witness->text.empty());
    }
  }
  CHECK(refuted > 150);
}

TEST_CASE("linearizability stream: the worst cases of issue 14", "[linearizability][stream][worst]") {
  for (bool stale : {false, true}) {
    HistoryGenConfig c50 = checkers::fifty_clients_history(8000);
    c50.stale_read_at = stale ? 0.9 : -1.0;
    HistoryGenConfig swarm = checkers::swarm_like_history(20000);
    swarm.stale_read_at = c50.stale_read_at;
    for (const HistoryGenConfig& cfg : {c50, swarm}) {
      for (std::uint64_t seed = 1; seed <= test_support::sweep_seeds(2, 1); ++seed) {  // one under the sanitizers
        std::optional<std::size_t> planted;
        const History h = checkers::generate_history_with_stale_read(cfg, seed, &planted);
        REQUIRE(planted.has_value() == stale);
        const auto r = checkers::check_linearizability_streaming(h);
        INFO("clients " << cfg.clients << " seed " << seed << ": " << r.reason);
        CHECK(r.verdict == (stale ? LinVerdict::not_linearizable : LinVerdict::linearizable));
      }
    }
  }
}

TEST_CASE("linearizability stream: every shared Jepsen history gets its expected verdict", "[linearizability][stream]") {
  const std::string dir = shared_histories_dir();
  std::ifstream in(dir + "/expected.json");
  if (!in) {
    WARN("shared histories not found at " << dir << ": skipped");
    return;
  }
  const nlohmann::json expected = nlohmann::json::parse(in);
  std::size_t files = 0;
  for (const auto& [sub, entries] : expected.items()) {
    for (const auto& [file, verdict] : entries.items()) {
      const std::string path = dir + "/" + sub + "/" + file;
      CAPTURE(path);
      const History h = checkers::load_history_file(path);
      const auto r = checkers::check_linearizability_streaming(h);
      CHECK(checkers::verdict_name(r.verdict) == verdict.get<std::string>());
      ++files;
    }
  }
  CHECK(files == 54);
}

TEST_CASE("linearizability stream: a key beyond the frontier limits falls back to the batch search", "[linearizability][stream][limits]") {
  // Ten concurrent appends nobody has read yet: every order of them is a configuration of the frontier.
  // With `blind`, an unknown-outcome write of "x" invoked before the read could start the read's value
  // again, and a cas whose compare failed could see any other value first, so the read, queued when the
  // appends complete, cannot prune their orders (the lookahead of Key::collect_future and collect_doom):
  // the frontier overflows and the key falls back to the batch search. Without them the lookahead keeps
  // only the order the read saw.
  auto history = [](const std::string& seen, bool blind = true) {
    Builder b("");
    b.write("x", 0, 1, "hot");
    for (int i = 0; i < 10; ++i) b.append(fmt::format("a{},", i), 10 + i, 100, "hot");
    if (blind) b.write("x", 150, 160, "hot").info().cas("zzz", "y", false, 150, 160, "hot");
    b.read(seen, 200, 201, "hot");
    b.read("", 1, 2, "cold");
    return b.history();
  };
  const History ok = history("xa3,a1,a0,a2,a4,a5,a6,a7,a9,a8,");
  const History bad = history("xa3,a1,a0,a2,a4,a5,a6,a7,a9,a9,");
  checkers::StreamLimits small;
  small.closure_max = 200;
  small.frontier_max = 20;
  for (bool blind : {false, true}) {
    const History ok2 = history("xa3,a1,a0,a2,a4,a5,a6,a7,a9,a8,", blind);
    const History bad2 = history("xa3,a1,a0,a2,a4,a5,a6,a7,a9,a9,", blind);
    CHECK(checkers::check_linearizability_streaming(ok2, small).verdict == LinVerdict::linearizable);
    CHECK(checkers::check_linearizability_streaming(bad2, small).verdict == LinVerdict::not_linearizable);
    checkers::StreamLimits few;  // the lookahead needs few steps, the frontier without it many
    few.steps_max = 200;
    CHECK((checkers::check_linearizability_streaming(ok2, few).verdict == LinVerdict::unknown) == blind);
  }
  CHECK(checkers::check_linearizability(ok).verdict == LinVerdict::linearizable);
  CHECK(checkers::check_linearizability_streaming(ok, small).verdict == LinVerdict::linearizable);
  CHECK(checkers::check_linearizability_streaming(ok).verdict == LinVerdict::linearizable);
  const auto r = checkers::check_linearizability_streaming(bad, small);
  CHECK(r.verdict == LinVerdict::not_linearizable);
  REQUIRE(r.witness.has_value());
  CHECK(r.witness->key == "hot");
  CHECK(checkers::check_linearizability_streaming(bad).verdict == LinVerdict::not_linearizable);
  // A step limit: unknown, naming the limit and the key, at the same point every time.
  checkers::StreamLimits steps;
  steps.steps_max = 10;
  const auto s = checkers::check_linearizability_streaming(ok, steps);
  CHECK(s.verdict == LinVerdict::unknown);
  CHECK(s.reason.find("step limit of 10") != std::string::npos);
  CHECK(s.reason.find("hot") != std::string::npos);
  CHECK(s.reason.find("cold") == std::string::npos);
  CHECK(checkers::check_linearizability_streaming(ok, steps).reason == s.reason);
}

TEST_CASE("linearizability stream: memory follows the operations in flight, not the history", "[linearizability][stream]") {
  HistoryGenConfig cfg;
  cfg.ops = 40000;
  cfg.keys = 4;
  cfg.clients = 8;
  cfg.info_percent = 0;
  cfg.fail_percent = 2;
  cfg.append_weight = 0;  // appends make the values themselves grow with the history
  const History h = checkers::generate_linearizable_history(cfg, 7);
  checkers::LinearizabilityStream stream(h.initial_value);
  // Feed in event order, watching what the checker holds after each quarter.
  struct Event {
    std::int64_t time;
    bool ret;
    std::uint32_t op;
  };
  std::vector<Event> events;
  for (std::uint32_t i = 0; i < h.operations.size(); ++i) {
    events.push_back({h.operations[i].invoke_time, false, i});
    events.push_back({h.operations[i].complete_time, true, i});
  }
  std::sort(events.begin(), events.end(), [](const Event& a, const Event& c) { return a.time < c.time; });
  std::vector<std::size_t> held;
  for (std::size_t i = 0; i < events.size(); ++i) {
    const Operation& op = h.operations[events[i].op];
    if (!events[i].ret) {
      stream.invoke(events[i].op, op.process, op.fn, op.key, op.input, op.expected, op.invoke_time);
    } else if (op.outcome == Outcome::ok) {
      stream.ok(events[i].op, op.output, op.cas_succeeded, op.complete_time);
    } else {
      stream.fail(events[i].op);
    }
    if ((i + 1) % (events.size() / 4) == 0) held.push_back(stream.memory_bytes());
  }
  CHECK(stream.finish().verdict == LinVerdict::linearizable);
  REQUIRE(held.size() == 4);
  INFO(held[0] << " " << held[1] << " " << held[2] << " " << held[3]);
  CHECK(held[3] < 2 * held[0] + 65536);  // a quarter of the history and all of it: about the same
}
