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

// Makes the first qualifying ok read R at or after `from` (a fraction of the history) stale: it returns
// the value of an ok write W that an ok write or matching cas W2 on the same key replaced, with W
// completed before W2 was invoked and W2 completed before R was invoked. Every linearization orders W, W2,
// R so; after W2 the key's value starts with W2's value until the next reset, and nothing but W writes W's
// value (values are unique), so R has no place. (The value R would have seen before some other change is
// not enough: an info operation that produced it may be linearized again later.)
void plant_stale_read(History& h, double from, std::optional<std::size_t>* planted) {
  const auto first = static_cast<std::size_t>(from * static_cast<double>(h.operations.size()));
  auto resets = [](const Operation& op) {
    return op.outcome == Outcome::ok && (op.fn == Fn::write || (op.fn == Fn::cas && op.cas_succeeded));
  };
  for (std::size_t r = first; r < h.operations.size(); ++r) {
    Operation& read = h.operations[r];
    if (read.fn != Fn::read || read.outcome != Outcome::ok) continue;
    // Operations are sorted by invoke, so those completed before R was invoked come before it.
    for (std::size_t w2 = r; w2-- > 0;) {
      const Operation& x = h.operations[w2];
      if (x.key != read.key || !resets(x) || x.complete_time >= read.invoke_time) continue;
      for (std::size_t w = w2; w-- > 0;) {
        const Operation& y = h.operations[w];
        if (y.key != read.key || y.fn != Fn::write || y.outcome != Outcome::ok || y.complete_time >= x.invoke_time ||
            y.input == read.output) {
          continue;
        }
        read.output = y.input;
        if (planted != nullptr) *planted = r;
        return;
      }
    }
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
    if (op.outcome == Outcome::info) {
      op.complete_time = Operation::kNever;
      process_of[s.client] = next_process++;  // Jepsen's convention: the client continues as a new process
    }
    h.operations.push_back(std::move(op));
  }
  std::sort(h.operations.begin(), h.operations.end(),
            [](const Operation& a, const Operation& b) { return a.invoke_time < b.invoke_time; });
  if (cfg.stale_read_at >= 0.0) plant_stale_read(h, cfg.stale_read_at, planted);
  return h;
}

HistoryGenConfig fifty_clients_history(std::size_t ops) {
  HistoryGenConfig cfg;
  cfg.ops = ops;
  cfg.keys = 10;
  cfg.clients = 50;
  cfg.info_percent = 0;
  cfg.fail_percent = 0;
  cfg.round_robin_clients = true;
  cfg.read_weight = 4;
  cfg.write_weight = 1;
  cfg.append_weight = 4;
  cfg.cas_weight = 0;
  cfg.long_percent = 5;
  cfg.long_max = 2000;
  return cfg;
}

HistoryGenConfig swarm_like_history(std::size_t ops) {
  HistoryGenConfig cfg;
  cfg.ops = ops;
  cfg.keys = 8;
  cfg.clients = 40;
  cfg.info_percent = 2;
  cfg.fail_percent = 3;
  cfg.round_robin_clients = true;
  cfg.long_percent = 2;
  cfg.long_max = 400;
  return cfg;
}

}  // namespace checkers
