#include "tools/commands/commands.h"

#include <time.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <optional>

#include <fmt/format.h>

#include "checkers/checker.h"
#include "checkers/history_parse.h"
#include "checkers/linearizability.h"
#include "reports/event_format.h"
#include "reports/trace_reader.h"
#include "tools/runner/runner.h"

namespace commands {

namespace {
double process_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}
}  // namespace

// Checks a client history file for linearizability. With the batch checker (checkers/linearizability.h),
// not the streaming one a run uses: the file is in memory anyway, the batch search's witness names the
// operations by their place in the file and shows the longest partial linearization, and it honours
// --timeout and --memory-mb; the two give the same verdicts (tests/checkers/linearizability_test.cpp).
int command_check(const std::string& path, const std::string& format, double timeout_seconds, double memory_mb) {
  // The time limit covers the whole command (reading the file too), as whoever set it means it, and lives
  // here, not in the checker: outside a simulation a wall clock is allowed. The checker polls it every
  // thousand search steps (well under a millisecond), so the verdict comes within a few percent of it.
  const auto start = std::chrono::steady_clock::now();
  const double cpu_start = process_cpu_seconds();
  std::optional<checkers::HistoryFormat> f;
  if (format == "raftsim") f = checkers::HistoryFormat::raftsim_jsonl;
  if (format == "jepsen-etcd") f = checkers::HistoryFormat::jepsen_etcd;
  if (format == "edn-kv") f = checkers::HistoryFormat::jepsen_edn_kv;
  const checkers::History history = checkers::load_history_file(path, f);
  // "linearizable (0 operations)" would pass an empty or truncated file as if it had been checked.
  if (history.operations.empty()) {
    throw checkers::HistoryParseError(path, 0, "no client operations in the history: nothing to check (an empty file?)");
  }
  checkers::LinLimits limits;
  limits.memory_bytes_max = static_cast<std::size_t>(memory_mb * 1024.0 * 1024.0);
  limits.give_up = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() >= timeout_seconds; };
  limits.give_up_reason = fmt::format("timeout after {:g}s", timeout_seconds);
  const checkers::LinResult r = checkers::check_linearizability(history, limits);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << fmt::format("history    {} ({} operations, {} keys checked)\n", path, r.operations, r.keys_checked);
  std::cout << fmt::format("verdict    {} in {:.3f}s wall, {:.3f}s cpu\n", checkers::verdict_name(r.verdict), seconds,
                           process_cpu_seconds() - cpu_start);
  if (!r.reason.empty()) std::cout << fmt::format("reason     {}\n", r.reason);
  if (r.witness) std::cout << "\n" << r.witness->text << "\n";
  switch (r.verdict) {
    case checkers::LinVerdict::linearizable: return tools::kExitPass;
    case checkers::LinVerdict::not_linearizable: return tools::kExitSafety;
    case checkers::LinVerdict::unknown: return tools::kExitUnknown;
  }
  return tools::kExitUsage;
}

// Runs every online checker over a trace file written by `raftsim run --trace`.
int command_check_trace(const std::string& path) {
  const reports::ReadTrace trace = reports::read_trace_file(path);
  checkers::CheckerSet checkers = checkers::make_default_checkers();
  std::size_t index = 0;
  for (; index < trace.events.size(); ++index) {
    if (!checkers.on_event(trace.events[index])) break;
  }
  if (!checkers.violation()) checkers.finish(trace.events.back().time_us);
  std::cout << fmt::format("trace      {} ({} events)\n", path, trace.events.size());
  std::string names;
  for (const auto& n : checkers.names()) names += (names.empty() ? "" : ", ") + n;
  std::cout << fmt::format("checkers   {}\n", names);
  const auto& v = checkers.violation();
  if (!v) {
    std::cout << "outcome    pass\n";
    return tools::kExitPass;
  }
  const bool safety = v->severity == checkers::Severity::safety;
  std::cout << fmt::format("outcome    {}\n\nVIOLATION  {} at {:.3f}ms\n           {}\n",
                           safety ? "SAFETY VIOLATION" : "LIVENESS VIOLATION", v->checker,
                           static_cast<double>(v->time_us) / 1000.0, v->message);
  const std::size_t last = std::min(index, trace.events.size() - 1);
  const std::size_t first = last >= 30 ? last - 30 : 0;
  std::cout << "\nthe events before it:\n";
  for (std::size_t i = first; i <= last; ++i) {
    std::cout << "  " << reports::format_event_text(trace.events[i], trace.labels) << "\n";
  }
  return safety ? tools::kExitSafety : tools::kExitLiveness;
}

}  // namespace commands
