#include "checkers/history_generator.h"

#include <algorithm>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace checkers {

namespace {

using Fn = Operation::Fn;
using Outcome = Operation::Outcome;

void validate(const HistoryGenConfig& cfg) {
  if (cfg.keys == 0) throw std::invalid_argument("generate_linearizable_history: keys must be >= 1");
  if (cfg.clients == 0) throw std::invalid_argument("generate_linearizable_history: clients must be >= 1");
  if (cfg.gap_max < 1 || cfg.point_max < 1 || cfg.complete_max < 1) {
    throw std::invalid_argument("generate_linearizable_history: gap_max, point_max and complete_max must be >= 1");
  }
  if (cfg.info_percent > 100 || cfg.fail_percent > 100 - cfg.info_percent) {
    throw std::invalid_argument("generate_linearizable_history: info_percent + fail_percent must be <= 100");
  }
  // The latest time is below ops * (gap_max + point_max + complete_max) before tagging (times clients):
  // reject configurations whose times could overflow.
  constexpr std::uint64_t kMax = std::numeric_limits<std::int64_t>::max() / 2;
  const std::uint64_t budget = kMax / cfg.clients / std::max<std::uint64_t>(cfg.ops, 1);
  const auto gap = static_cast<std::uint64_t>(cfg.gap_max);
  if (cfg.long_percent > 100 || (cfg.long_percent > 0 && cfg.long_max < 1)) {
    throw std::invalid_argument("generate_linearizable_history: long_percent must be <= 100 and long_max >= 1");
  }
  const std::int64_t spans = cfg.long_percent > 0 ? cfg.long_max : 1;
  const auto point = static_cast<std::uint64_t>(std::max(cfg.point_max, spans));
  const auto complete = static_cast<std::uint64_t>(std::max(cfg.complete_max, spans));
  if (gap > budget || point > budget - gap || complete > budget - gap - point) {
    throw std::invalid_argument("generate_linearizable_history: event times would overflow");
  }
}

// Makes the first qualifying ok read at or after `from` (a fraction of the history) stale: it returns the
// value its key held before the latest ok operation X on that key that changed the value and completed
// before the read was invoked. X must precede the read in every linearization, and after X the key never
// holds that value again (unique values, appends only grow), so the read has no place. `before` and
// `changed` are indexed by Operation::id (the point order).
void plant_stale_read(History& h, double from, const std::vector<std::string>& before, const std::vector<bool>& changed,
                      std::optional<std::size_t>* planted) {
  const auto first = static_cast<std::size_t>(from * static_cast<double>(h.operations.size()));
  for (std::size_t r = first; r < h.operations.size(); ++r) {
    Operation& read = h.operations[r];
    if (read.fn != Fn::read || read.outcome != Outcome::ok) continue;
    const Operation* latest = nullptr;
    for (std::size_t x = 0; x < r; ++x) {
      const Operation& op = h.operations[x];
      if (op.key != read.key || !changed[op.id] || op.complete_time >= read.invoke_time) continue;
      if (latest == nullptr || op.complete_time > latest->complete_time) latest = &op;
    }
    if (latest == nullptr || before[latest->id] == *read.output) continue;
    read.output = before[latest->id];
    if (planted != nullptr) *planted = r;
    return;
  }
}

}  // namespace

History generate_linearizable_history(const HistoryGenConfig& cfg, std::uint64_t seed) {
  HistoryGenConfig plain = cfg;
  plain.stale_read_at = -1.0;
  return generate_history_with_stale_read(plain, seed, nullptr);
}

History generate_history_with_stale_read(const HistoryGenConfig& cfg, std::uint64_t seed,
                                         std::optional<std::size_t>* planted) {
  validate(cfg);
  if (planted != nullptr) *planted = std::nullopt;
  SplitMix64 rng(seed);

  // 1. Intervals and linearization points, per client back to back.
  struct Slot {
    std::size_t client;
    std::int64_t invoke, point, complete;
  };
  std::vector<Slot> slots;
  slots.reserve(cfg.ops);
  std::vector<std::int64_t> client_time(cfg.clients, 0);
  const auto n_clients = static_cast<std::int64_t>(cfg.clients);
  auto draw = [&rng](std::int64_t max) {
    return static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(max)));
  };
  for (std::size_t i = 0; i < cfg.ops; ++i) {
    const std::size_t c = cfg.round_robin_clients ? i % cfg.clients : static_cast<std::size_t>(rng.below(cfg.clients));
    // Times are scaled by the number of clients and tagged with the client, so no two events share a time
    // and the order of (time, client) pairs is kept.
    auto tagged = [&](std::int64_t t) { return t * n_clients + static_cast<std::int64_t>(c); };
    const std::int64_t invoke = client_time[c] + 1 + draw(cfg.gap_max);
    const bool long_op = cfg.long_percent > 0 && rng.below(100) < cfg.long_percent;
    const std::int64_t point = invoke + 1 + draw(long_op ? cfg.long_max : cfg.point_max);
    const std::int64_t complete = point + 1 + draw(long_op ? cfg.long_max : cfg.complete_max);
    client_time[c] = complete;
    slots.push_back({c, tagged(invoke), tagged(point), tagged(complete)});
  }
  std::sort(slots.begin(), slots.end(), [](const Slot& a, const Slot& b) { return a.point < b.point; });

  // 2. The sequential execution in point order gives every observed value.
  History h;
  h.initial_value = std::string();
  h.operations.reserve(slots.size());
  std::vector<std::string> value(cfg.keys);
  std::vector<std::uint64_t> process_of(cfg.clients);
  for (std::size_t c = 0; c < cfg.clients; ++c) process_of[c] = c;
  std::uint64_t next_process = cfg.clients;
  // For the stale read: the value of the op's key before the op, and whether the op changed it.
  std::vector<std::string> before(slots.size());
  std::vector<bool> changed(slots.size(), false);
  const bool uniform = cfg.read_weight == 1 && cfg.write_weight == 1 && cfg.append_weight == 1 && cfg.cas_weight == 1;
  const std::uint64_t weights = cfg.read_weight + cfg.write_weight + cfg.append_weight + cfg.cas_weight;
  for (std::size_t i = 0; i < slots.size(); ++i) {
    const Slot& s = slots[i];
    Operation op;
    op.id = i;
    op.process = process_of[s.client];
    const auto key = static_cast<std::size_t>(rng.below(cfg.keys));
    op.key = "k" + std::to_string(key);
    op.invoke_time = s.invoke;
    op.complete_time = s.complete;
    const std::uint64_t roll = rng.below(100);
    op.outcome = roll < cfg.info_percent                     ? Outcome::info
                 : roll < cfg.info_percent + cfg.fail_percent ? Outcome::fail
                                                              : Outcome::ok;
    const bool applies = op.outcome == Outcome::ok || (op.outcome == Outcome::info && rng.below(2) == 0);
    std::string& v = value[key];
    before[i] = v;
    std::uint64_t fn = 0;
    if (uniform) {
      fn = rng.below(4);
    } else {
      std::uint64_t roll_fn = rng.below(weights);
      for (const std::uint64_t w : {cfg.read_weight, cfg.write_weight, cfg.append_weight, cfg.cas_weight}) {
        if (roll_fn < w) break;
        roll_fn -= w;
        ++fn;
      }
    }
    switch (fn) {
      case 0:
        op.fn = Fn::read;
        if (op.outcome == Outcome::ok) op.output = v;
        break;
      case 1:
        op.fn = Fn::write;
        op.input = "w" + std::to_string(i);
        if (applies) v = *op.input;
        break;
      case 2:
        op.fn = Fn::append;
        op.input = "a" + std::to_string(i) + ",";
        if (applies) v += *op.input;
        break;
      default:
        op.fn = Fn::cas;
        op.expected = rng.below(2) == 0 ? v : "w" + std::to_string(rng.below(i + 1));
        op.input = "c" + std::to_string(i);
        op.cas_succeeded = *op.expected == v;
        if (applies && op.cas_succeeded) v = *op.input;
        break;
    }
    changed[i] = op.outcome == Outcome::ok && v != before[i];
    if (op.outcome == Outcome::info) {
      op.complete_time = Operation::kNever;
      process_of[s.client] = next_process++;  // Jepsen's convention: the client continues as a new process
    }
    h.operations.push_back(std::move(op));
  }
  std::sort(h.operations.begin(), h.operations.end(),
            [](const Operation& a, const Operation& b) { return a.invoke_time < b.invoke_time; });
  if (cfg.stale_read_at >= 0.0) plant_stale_read(h, cfg.stale_read_at, before, changed, planted);
  return h;
}

}  // namespace checkers
