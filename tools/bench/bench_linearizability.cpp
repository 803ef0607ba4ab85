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
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "checkers/history.h"
#include "checkers/history_generator.h"
#include "checkers/history_parse.h"
#include "checkers/linearizability.h"

namespace {

using checkers::History;
using checkers::Operation;

constexpr std::size_t kBigClients = 50;

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

// The generated history: 100,000 operations over 1,000 keys from 50 clients taking turns, 3% info (half
// of them took effect) and 3% fail; linearizable by construction (checkers/history_generator.h).
History generate_big_history() {
  checkers::HistoryGenConfig cfg;
  cfg.ops = 100000;
  cfg.keys = 1000;
  cfg.clients = kBigClients;
  cfg.info_percent = 3;
  cfg.fail_percent = 3;
  cfg.round_robin_clients = true;
  cfg.gap_max = 20;
  cfg.point_max = 50;
  cfg.complete_max = 50;
  return checkers::generate_linearizable_history(cfg, 42);
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
  const History big = generate_big_history();
  const double gen = seconds_since(g0);
  const auto c0 = std::chrono::steady_clock::now();
  const checkers::LinResult r = checkers::check_linearizability(big);
  const double check = seconds_since(c0);
  const double peak_mib = static_cast<double>(peak_rss_kib()) / 1024.0;
  std::printf("generated: %zu operations (%zu constraining) over %zu keys, %zu clients, info and fail outcomes "
              "(generated in %.3f s)\n",
              big.operations.size(), r.operations, r.keys_checked, kBigClients, gen);
  std::printf("  verdict %s%s%s, check %.3f s (goal < 2 s: %s), peak memory %.1f MiB (goal < 1024 MiB: %s)\n",
              checkers::verdict_name(r.verdict), r.reason.empty() ? "" : ": ", r.reason.c_str(), check,
              check < 2.0 ? "met" : "MISSED", peak_mib, peak_mib < 1024.0 ? "met" : "MISSED");
  const bool ok = t.mismatches == 0 && r.verdict == checkers::LinVerdict::linearizable;
  return ok ? 0 : 1;
}
