// Benchmark (not a test) of the linearizability checker:
//
//  1. every history listed in HISTORIES/expected.json (the shared Jepsen histories): parse and check
//     times, verdict, and whether the verdict matches the expected one;
//  2. a generated history of 100,000 operations over 1,000 keys from 50 concurrent clients, with unknown
//     (info) and failed outcomes: check time and the process's peak memory (VmHWM).
//
//   raftsim_bench_lin [HISTORIES]      (default ../shared/histories, relative to the working directory)
//
// Exit status: 0 if every verdict matches and the generated history is linearizable, 1 otherwise, 3 for a
// usage error or an unreadable expected.json.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "checkers/history.h"
#include "checkers/history_parse.h"
#include "checkers/linearizability.h"

namespace {

using checkers::History;
using checkers::Operation;

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Peak resident set size in KiB, from /proc/self/status (Linux); 0 if unavailable.
std::uint64_t peak_rss_kib() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::strtoull(line.c_str() + 6, nullptr, 10);
  }
  return 0;
}

// splitmix64: a small deterministic generator (no std:: distributions, so results are identical on every
// standard library).
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : s_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (s_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  std::uint64_t below(std::uint64_t n) { return next() % n; }

 private:
  std::uint64_t s_;
};

// A linearizable history: each client runs operations back to back; each operation takes effect at a
// point strictly inside its interval, and the values are computed by applying the operations in the
// order of those points. 3% of operations end `info` (half of them took effect), 3% `fail` (none did).
History generate_history(std::size_t n_ops, std::size_t n_keys, std::size_t n_clients, std::uint64_t seed) {
  Rng rng(seed);
  struct Slot {
    std::size_t client;
    std::int64_t invoke, point, complete;
  };
  std::vector<Slot> slots;
  slots.reserve(n_ops);
  std::vector<std::int64_t> client_time(n_clients, 0);
  for (std::size_t i = 0; i < n_ops; ++i) {
    const std::size_t c = i % n_clients;
    // Times are multiplied by 64 and tagged with the client so no two events share a time.
    auto tagged = [&](std::int64_t t) { return t * 64 + static_cast<std::int64_t>(c); };
    const std::int64_t invoke = client_time[c] + 1 + static_cast<std::int64_t>(rng.below(20));
    const std::int64_t point = invoke + 1 + static_cast<std::int64_t>(rng.below(50));
    const std::int64_t complete = point + 1 + static_cast<std::int64_t>(rng.below(50));
    client_time[c] = complete;
    slots.push_back({c, tagged(invoke), tagged(point), tagged(complete)});
  }
  std::sort(slots.begin(), slots.end(), [](const Slot& a, const Slot& b) { return a.point < b.point; });

  History h;
  h.initial_value = std::string();
  std::vector<std::string> value(n_keys);
  std::vector<std::uint64_t> process_of(n_clients);
  for (std::size_t c = 0; c < n_clients; ++c) process_of[c] = c;
  std::uint64_t next_process = n_clients;
  for (std::size_t i = 0; i < slots.size(); ++i) {
    const Slot& s = slots[i];
    Operation op;
    op.id = i;
    op.process = process_of[s.client];
    const std::size_t key = rng.below(n_keys);
    op.key = "k" + std::to_string(key);
    op.invoke_time = s.invoke;
    op.complete_time = s.complete;
    const std::uint64_t roll = rng.below(100);
    op.outcome = roll < 3 ? Operation::Outcome::info : roll < 6 ? Operation::Outcome::fail : Operation::Outcome::ok;
    const bool applies = op.outcome == Operation::Outcome::ok ||
                         (op.outcome == Operation::Outcome::info && rng.below(2) == 0);
    std::string& v = value[key];
    switch (rng.below(4)) {
      case 0:
        op.fn = Operation::Fn::read;
        if (op.outcome == Operation::Outcome::ok) op.output = v;
        break;
      case 1:
        op.fn = Operation::Fn::write;
        op.input = "w" + std::to_string(i);
        if (applies) v = *op.input;
        break;
      case 2:
        op.fn = Operation::Fn::append;
        op.input = "a" + std::to_string(i) + ",";
        if (applies) v += *op.input;
        break;
      default:
        op.fn = Operation::Fn::cas;
        op.expected = rng.below(2) == 0 ? v : "w" + std::to_string(rng.below(i + 1));
        op.input = "c" + std::to_string(i);
        op.cas_succeeded = *op.expected == v;
        if (applies && op.cas_succeeded) v = *op.input;
        break;
    }
    if (op.outcome == Operation::Outcome::info) {
      op.complete_time = Operation::kNever;
      process_of[s.client] = next_process++;  // Jepsen's convention: the client continues as a new process
    }
    h.operations.push_back(std::move(op));
  }
  std::sort(h.operations.begin(), h.operations.end(),
            [](const Operation& a, const Operation& b) { return a.invoke_time < b.invoke_time; });
  return h;
}

struct SharedTotals {
  double parse = 0, check = 0, max_check = 0;
  std::string slowest;
  std::size_t files = 0, mismatches = 0;
};

void bench_file(const std::string& path, const std::string& name, const std::string& expected, SharedTotals& t) {
  const auto p0 = std::chrono::steady_clock::now();
  const History h = checkers::load_history_file(path);
  const double parse = seconds_since(p0);
  const auto c0 = std::chrono::steady_clock::now();
  const checkers::LinResult r = checkers::check_linearizability(h);
  const double check = seconds_since(c0);
  const bool match = expected == checkers::verdict_name(r.verdict);
  std::printf("  %-26s %5zu ops  parse %7.3f ms  check %8.3f ms  %-17s %s\n", name.c_str(), r.operations,
              parse * 1e3, check * 1e3, checkers::verdict_name(r.verdict), match ? "" : "MISMATCH (expected)");
  t.parse += parse;
  t.check += check;
  if (check > t.max_check) {
    t.max_check = check;
    t.slowest = name;
  }
  ++t.files;
  if (!match) ++t.mismatches;
}

bool bench_shared(const std::string& dir, SharedTotals& t) {
  std::ifstream in(dir + "/expected.json");
  if (!in) {
    std::fprintf(stderr, "raftsim_bench_lin: cannot read %s/expected.json\n", dir.c_str());
    return false;
  }
  const nlohmann::json expected = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (!expected.is_object()) {
    std::fprintf(stderr, "raftsim_bench_lin: %s/expected.json is not a JSON object\n", dir.c_str());
    return false;
  }
  std::printf("shared histories in %s:\n", dir.c_str());
  for (const auto& [sub, files] : expected.items()) {
    for (const auto& [file, verdict] : files.items()) {
      const std::string name = sub + "/" + file;
      try {
        bench_file(dir + "/" + name, name, verdict.get<std::string>(), t);
      } catch (const std::exception& e) {
        std::printf("  %-26s ERROR %s\n", name.c_str(), e.what());
        ++t.mismatches;
      }
    }
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
    std::fprintf(stderr, "usage: raftsim_bench_lin [HISTORIES_DIR]\n");
    return 3;
  }
  const std::string dir = argc == 2 ? argv[1] : "../shared/histories";
  SharedTotals t;
  if (!bench_shared(dir, t)) return 3;
  std::printf("shared set: %zu files, check total %.3f ms (goal <= 40 ms: %s), slowest %.3f ms on %s (goal <= 20 "
              "ms: %s), parse total %.3f ms, %zu verdict mismatches\n\n",
              t.files, t.check * 1e3, t.check <= 0.040 ? "met" : "MISSED", t.max_check * 1e3, t.slowest.c_str(),
              t.max_check <= 0.020 ? "met" : "MISSED", t.parse * 1e3, t.mismatches);

  const auto g0 = std::chrono::steady_clock::now();
  const History big = generate_history(100000, 1000, 50, 42);
  const double gen = seconds_since(g0);
  const auto c0 = std::chrono::steady_clock::now();
  const checkers::LinResult r = checkers::check_linearizability(big);
  const double check = seconds_since(c0);
  const double peak_mib = static_cast<double>(peak_rss_kib()) / 1024.0;
  std::printf("generated: %zu operations (%zu constraining) over %zu keys, 50 clients, info and fail outcomes "
              "(generated in %.3f s)\n",
              big.operations.size(), r.operations, r.keys_checked, gen);
  std::printf("  verdict %s%s%s, check %.3f s (goal < 2 s: %s), peak memory %.1f MiB (goal < 1024 MiB: %s)\n",
              checkers::verdict_name(r.verdict), r.reason.empty() ? "" : ": ", r.reason.c_str(), check,
              check < 2.0 ? "met" : "MISSED", peak_mib, peak_mib < 1024.0 ? "met" : "MISSED");
  const bool ok = t.mismatches == 0 && r.verdict == checkers::LinVerdict::linearizable;
  return ok ? 0 : 1;
}
