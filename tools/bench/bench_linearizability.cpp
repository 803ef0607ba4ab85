// Benchmark (not a test) of the linearizability checker. Times are CPU time of the process
// (CLOCK_PROCESS_CPUTIME_ID), memory is peak RSS (VmHWM, reset before each case through
// /proc/self/clear_refs where the kernel allows it, so each case shows its own peak).
//
//  1. every history listed in HISTORIES/expected.json (the shared Jepsen histories), if that folder
//     exists: check time, verdict, and whether the verdict matches the expected one;
//  2. generated histories (checkers/history_generator.h), each with its goal from issue 14:
//     - 100,000 operations, 1,000 keys, 50 clients, info and fail outcomes: CPU seconds per 100k operations;
//     - 1,000,000 operations, the same mix: under 10 s and 1 GiB;
//     - the worst cases: 50 clients on 10 keys with long (retried) operations, linearizable and with one
//       stale read planted at 90% of the history (refuting needs the whole search), under 1 s and 256 MiB;
//       and 40 clients on 8 keys with hundreds of unknown-outcome operations, like raftsim's own 30 s swarm
//       runs, decided (not unknown) within 5 s.
//
//   raftsim_bench_lin [HISTORIES] [--write DIR] [--quick] [--stream] [--big N]
//
// HISTORIES defaults to ../shared/histories (relative to the working directory); a missing folder skips
// part 1. --write DIR also writes every generated history in raftsim's history format, so
// `raftsim check DIR/NAME.jsonl` can be timed on it. --quick skips the 1-million-operation history.
// --stream checks with the streaming checker (checkers/linearizability_stream.h, what a run uses) instead
// of the batch one (what `raftsim check` uses); it must come before --check and --big. --big N checks only
// the generated 1,000-key history with N operations (goal: 10 s per million operations, 1 GiB).
// Exit status: 0 if every verdict is the expected one and every goal is met, 1 otherwise, 3 for a usage
// error or an unreadable expected.json.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "checkers/history.h"
#include "checkers/history_generator.h"
#include "checkers/history_parse.h"
#include "checkers/linearizability.h"
#include "checkers/linearizability_stream.h"
#include "tools/bench/process_measure.h"

using tools::bench::peak_rss_mib;
using tools::bench::reset_peak_rss;

namespace {

using checkers::History;
using checkers::LinVerdict;
using checkers::Operation;

bool g_stream = false;  // --stream

checkers::LinResult check(const History& h) {
  return g_stream ? checkers::check_linearizability_streaming(h) : checkers::check_linearizability(h);
}

struct Totals {
  std::size_t cases = 0, failures = 0;
};

void fail_unless(bool ok, Totals& t) {
  ++t.cases;
  if (!ok) ++t.failures;
}

// ---------------------------------------------------------------------------------------------------------
// 1. The shared histories

void bench_file(const std::string& path, const std::string& name, const std::string& expected, Totals& t,
                double& total, double& slowest) {
  const History h = checkers::load_history_file(path);
  const double c0 = tools::bench::process_cpu_seconds();
  const checkers::LinResult r = check(h);
  const double check = tools::bench::process_cpu_seconds() - c0;
  const bool match = expected == checkers::verdict_name(r.verdict);
  std::printf("  %-26s %6zu ops  check %9.3f ms cpu  %-17s %s\n", name.c_str(), r.operations, check * 1e3,
              checkers::verdict_name(r.verdict), match ? "" : "MISMATCH (expected)");
  total += check;
  slowest = std::max(slowest, check);
  fail_unless(match, t);
}

bool bench_shared(const std::string& dir, Totals& t) {
  if (!std::filesystem::exists(dir)) {
    std::printf("shared histories: %s absent, skipped\n\n", dir.c_str());
    return true;
  }
  std::ifstream in(dir + "/expected.json");
  const nlohmann::json expected = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (!in || !expected.is_object()) {
    std::fprintf(stderr, "raftsim_bench_lin: cannot read %s/expected.json as a JSON object\n", dir.c_str());
    return false;
  }
  std::printf("shared histories in %s:\n", dir.c_str());
  double total = 0, slowest = 0;
  for (const auto& [sub, files] : expected.items()) {
    for (const auto& [file, verdict] : files.items()) {
      const std::string name = sub + "/" + file;
      try {
        bench_file(dir + "/" + name, name, verdict.get<std::string>(), t, total, slowest);
      } catch (const std::exception& e) {
        std::printf("  %-26s ERROR %s\n", name.c_str(), e.what());
        fail_unless(false, t);
      }
    }
  }
  std::printf("shared set: check total %.3f ms cpu, slowest %.3f ms cpu\n\n", total * 1e3, slowest * 1e3);
  return true;
}

// ---------------------------------------------------------------------------------------------------------
// 2. Generated histories

// raftsim's history format (docs/history-format.md; checkers/history_parse.h reads it back), events in
// time order. Info operations get no completion line (an invoke left in flight means the same).
void write_jsonl(const History& h, const std::string& path) {
  struct Event {
    std::int64_t time;
    std::size_t op;
    bool completion;
  };
  std::vector<Event> events;
  for (std::size_t i = 0; i < h.operations.size(); ++i) {
    events.push_back({h.operations[i].invoke_time, i, false});
    if (h.operations[i].outcome != Operation::Outcome::info) events.push_back({h.operations[i].complete_time, i, true});
  }
  std::sort(events.begin(), events.end(), [](const Event& a, const Event& b) { return a.time < b.time; });
  std::ofstream out(path);
  static constexpr const char* kFns[] = {"get", "put", "append", "cas"};
  for (std::size_t i = 0; i < events.size(); ++i) {
    const Event& e = events[i];
    const Operation& op = h.operations[e.op];
    nlohmann::json j;
    j["type"] = !e.completion ? "invoke" : op.outcome == Operation::Outcome::ok ? "ok" : "fail";
    j["process"] = op.process;
    j["op"] = e.op;
    j["f"] = kFns[static_cast<int>(op.fn)];
    j["key"] = op.key;
    if (op.fn != Operation::Fn::read) j["value"] = *op.input;
    if (op.fn == Operation::Fn::read && e.completion && op.outcome == Operation::Outcome::ok) j["value"] = *op.output;
    if (op.fn == Operation::Fn::cas && !e.completion) j["expected"] = *op.expected;
    if (op.fn == Operation::Fn::cas && e.completion && op.outcome == Operation::Outcome::ok) j["succeeded"] = op.cas_succeeded;
    j["time_us"] = i;
    out << j.dump() << "\n";
  }
}

struct Case {
  std::string name;
  checkers::HistoryGenConfig cfg;
  std::uint64_t seed = 1;
  bool stale = false;       // plant a late stale read: expect not-linearizable
  double cpu_max = 0;       // goal, seconds of CPU
  double rss_max_mib = 0;   // goal
};

void run_case(const Case& c, const std::string& write_dir, Totals& t, double* per_100k = nullptr) {
  std::optional<std::size_t> planted;
  const History h = checkers::generate_history_with_stale_read(c.cfg, c.seed, &planted);
  if (!write_dir.empty()) write_jsonl(h, write_dir + "/" + c.name + ".jsonl");
  const LinVerdict expected = planted ? LinVerdict::not_linearizable : LinVerdict::linearizable;
  const bool clean = reset_peak_rss();
  const double c0 = tools::bench::process_cpu_seconds();
  const checkers::LinResult r = check(h);
  const double cpu = tools::bench::process_cpu_seconds() - c0;
  const double rss = peak_rss_mib();
  const bool ok = r.verdict == expected && cpu <= c.cpu_max && rss <= c.rss_max_mib && planted.has_value() == c.stale;
  std::printf("  %-28s %8zu ops %3zu keys  %-16s  %8.3f s cpu (goal %g)  %7.1f MiB%s (goal %g)  %s\n",
              c.name.c_str(), h.operations.size(), c.cfg.keys, checkers::verdict_name(r.verdict), cpu, c.cpu_max, rss,
              clean ? "" : " process", c.rss_max_mib, ok ? "met" : "MISSED");
  if (r.verdict == LinVerdict::unknown) std::printf("    reason: %s\n", r.reason.c_str());
  if (per_100k != nullptr) *per_100k = cpu * 100000.0 / static_cast<double>(h.operations.size());
  fail_unless(ok, t);
}

checkers::HistoryGenConfig fifty_clients() { return checkers::fifty_clients_history(20000); }
checkers::HistoryGenConfig swarm_like() { return checkers::swarm_like_history(50000); }

checkers::HistoryGenConfig big(std::size_t ops) {
  checkers::HistoryGenConfig cfg;
  cfg.ops = ops;
  cfg.keys = 1000;
  cfg.clients = 50;
  cfg.info_percent = 3;
  cfg.fail_percent = 3;
  cfg.round_robin_clients = true;
  cfg.gap_max = 20;
  cfg.point_max = 50;
  cfg.complete_max = 50;
  return cfg;
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir = "../shared/histories";
  std::string write_dir;
  bool quick = false;
  bool checked_only = false;
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // progress shows as it happens, also through a pipe
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--check" && i + 1 < argc) {  // one history file: CPU time, peak RSS and verdict
      const History h = checkers::load_history_file(argv[++i]);
      const double c0 = tools::bench::process_cpu_seconds();
      const checkers::LinResult r = check(h);
      std::printf("%s: %s in %.3f s cpu, peak %.1f MiB%s%s\n", argv[i], checkers::verdict_name(r.verdict),
                  tools::bench::process_cpu_seconds() - c0, peak_rss_mib(), r.reason.empty() ? "" : ": ", r.reason.c_str());
      checked_only = true;
      continue;
    }
    if (a == "--big" && i + 1 < argc) {  // only the generated 1,000-key history, with N operations
      const std::size_t ops = std::strtoull(argv[++i], nullptr, 10);
      if (ops == 0) {
        std::fprintf(stderr, "raftsim_bench_lin: --big wants a positive number of operations, not '%s'\n", argv[i]);
        return 3;
      }
      Totals t;
      run_case({fmt::format("big-{}", ops), big(ops), 42, false, 10.0 * static_cast<double>(ops) / 1e6, 1024}, write_dir, t);
      checked_only = true;
      continue;
    }
    if (a == "--write" && i + 1 < argc) {
      write_dir = argv[++i];
    } else if (a == "--stream") {
      g_stream = true;
    } else if (a == "--quick") {
      quick = true;
    } else if (!a.empty() && a[0] != '-') {
      dir = a;
    } else {
      std::fprintf(stderr, "usage: raftsim_bench_lin [HISTORIES_DIR] [--write DIR] [--quick] [--stream] [--check FILE]... [--big N]...\n");
      return 3;
    }
  }
  if (checked_only) return 0;
  if (!write_dir.empty()) std::filesystem::create_directories(write_dir);
  Totals t;
  if (!bench_shared(dir, t)) return 3;

  std::printf("checker: %s\n", g_stream ? "streaming (checkers/linearizability_stream.h)" : "batch (checkers/linearizability.h)");
  std::printf("generated histories (CPU time of the check, peak RSS of the process during it):\n");
  double per_100k = 0;
  run_case({"big-100k", big(100000), 42, false, 2.0, 1024}, write_dir, t, &per_100k);
  if (!quick) run_case({"big-1m", big(1000000), 42, false, 10.0, 1024}, write_dir, t);
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    Case lin{fmt::format("c50-ok-{}", seed), fifty_clients(), seed, false, 1.0, 256};
    run_case(lin, write_dir, t);
    Case bad{fmt::format("c50-bad-late-{}", seed), fifty_clients(), seed, true, 1.0, 256};
    bad.cfg.stale_read_at = 0.9;
    run_case(bad, write_dir, t);
  }
  for (std::uint64_t seed = 1; seed <= 3; ++seed) {
    run_case({fmt::format("swarm-like-40c-8k-{}", seed), swarm_like(), seed, false, 5.0, 1024}, write_dir, t);
    Case bad{fmt::format("swarm-like-40c-8k-bad-{}", seed), swarm_like(), seed, true, 5.0, 1024};
    bad.cfg.stale_read_at = 0.9;
    run_case(bad, write_dir, t);
  }
  std::printf("\nhistory check: %.3f s cpu per 100k operations (generated, 1,000 keys, 50 clients)\n", per_100k);
  std::printf("%zu cases, %zu missed\n", t.cases, t.failures);
  return t.failures == 0 ? 0 : 1;
}
