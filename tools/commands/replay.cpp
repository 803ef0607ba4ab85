#include "tools/commands/commands.h"

#include <iostream>
#include <vector>

#include <fmt/format.h>

#include "tools/runner/atomic_file.h"
#include "tools/runner/failure_record.h"
#include "tools/runner/html_report_run.h"
#include "tools/runner/interrupt.h"
#include "tools/runner/isolated_run.h"
#include "tools/runner/run_report.h"
#include "tools/runner/runner.h"

namespace commands {

namespace {

const char* verdict_code(tools::Outcome o) {
  return tools::outcome_code(o);
}

// What the record says that this run does not: each difference in words ("" if none). A record edited by
// hand, or written by another binary, shows here field by field instead of as a bare hash mismatch.
std::vector<std::string> differences(const tools::FailureRecord& rec, const tools::RunResult& r) {
  std::vector<std::string> out;
  if (tools::trace_hash_comparable(rec) && rec.trace_hash != r.trace_hash) {
    out.push_back(fmt::format("trace hash: the record has {:016x}, this run {:016x}", rec.trace_hash, r.trace_hash));
  }
  if (rec.events != r.metrics.events) {
    out.push_back(fmt::format("events: the record has {}, this run {}", rec.events, r.metrics.events));
  }
  if (rec.verdict != verdict_code(r.verdict)) {
    out.push_back(fmt::format("verdict: the record has {}, this run {}", rec.verdict, verdict_code(r.verdict)));
  }
  if (rec.violation.has_value() != r.violation.has_value()) {
    out.push_back(fmt::format("violation: the record has {}, this run {}", rec.violation ? rec.violation->checker : "none",
                              r.violation ? r.violation->checker : "none"));
  } else if (rec.violation) {
    const checkers::Violation& a = *rec.violation;
    const checkers::Violation& b = *r.violation;
    if (a.checker != b.checker) out.push_back(fmt::format("violation checker: the record has {}, this run {}", a.checker, b.checker));
    if (a.time_us != b.time_us) out.push_back(fmt::format("violation time: the record has {}us, this run {}us", a.time_us, b.time_us));
    if (a.nodes != b.nodes) out.push_back("violation nodes: the record's differ from this run's");
    if (a.severity != b.severity) out.push_back("violation severity: the record's differs from this run's");
    if (a.message != b.message) out.push_back("violation message: the record's text differs from this run's");
  }
  return out;
}

// Whether this run has the recorded trace as far as can be told: the same hash and event count; for a record
// of another trace-hash version (another hash function), the same event count only.
bool same_trace(const tools::FailureRecord& rec, const tools::RunResult& r) {
  return (!tools::trace_hash_comparable(rec) || rec.trace_hash == r.trace_hash) && rec.events == r.metrics.events;
}

}  // namespace

// Re-runs a failure record (in a child, so that a recorded crash is reported again rather than repeated),
// verifies the trace hash (a record of another trace-hash version: the event count, verdict and violation),
// and shows the events around the violation.
int command_replay(const std::string& path, double window_ms, const std::string& trace, const tools::Isolation& isolation,
                   const std::string& report) {
  const tools::FailureRecord rec = tools::load_failure_record(path);
  tools::RunOptions options;
  options.trace_path = trace;
  std::optional<tools::ReportSources> sources;
  if (!report.empty()) {
    tools::check_writable_file(report, "--report");
    sources = tools::report_sources(report, trace, "");
    tools::use_report_sources(*sources, options);
  }
  if (rec.violation) {
    const auto w = static_cast<std::int64_t>(window_ms * 1000.0);
    options.capture_from_us = rec.violation->time_us - w;
    options.capture_to_us = rec.violation->time_us + w;
  }
  tools::install_interrupt_handlers();
  tools::RunResult r;
  try {
    r = tools::run_one_isolated(rec.scenario, rec.seed, options, isolation);
    if (sources) {
      // As below: an equal hash is the same trace; without a comparable hash, every field must agree.
      const bool comparable = tools::trace_hash_comparable(rec);
      const bool same = same_trace(rec, r) && (comparable || differences(rec, r).empty());
      const std::string hash_note = comparable ? "" : " (" + tools::trace_hash_version_note(rec) + ")";
      tools::write_run_report(*sources, rec.scenario, r,
                              (same ? "reproduced the record " : "NOT reproduced: this run differs from the record ") + path + hash_note);
    }
  } catch (...) {
    if (sources) tools::remove_report_temporaries(*sources);
    throw;
  }
  std::cout << tools::format_run_report(rec.scenario, r);
  if (sources) std::cout << fmt::format("report     {}\n", report);
  if (!r.captured_events.empty()) {
    std::cout << fmt::format("\nevents within {}ms of the violation:\n", window_ms);
    for (const auto& line : r.captured_events) std::cout << "  " << line << "\n";
  }
  const std::vector<std::string> diff = differences(rec, r);
  const bool hash_comparable = tools::trace_hash_comparable(rec);
  // Only an equal hash proves the same trace; without one, a difference elsewhere means not reproduced.
  const bool same_run = hash_comparable && same_trace(rec, r);
  if (!diff.empty()) {
    std::cout << (same_run ? "\nREPRODUCED the trace, but the record does not match this run:\n"
                           : "\nNOT REPRODUCED: this run differs from the record:\n");
    for (const auto& d : diff) std::cout << "  " << d << "\n";
    if (!hash_comparable) std::cout << "  " << tools::trace_hash_version_note(rec) << "\n";
    std::cout << fmt::format("  version: the record was written by raftsim {}, this is {}{}\n", rec.version,
                             tools::raftsim_version(), rec.version == tools::raftsim_version() ? " (the same)" : "");
    if (same_run) {
      std::cout << "The trace is the same, so the record's other fields were changed after it was written.\n";
    } else if (rec.violation && rec.violation->checker == tools::kImplementationError) {
      std::cout << "The record says the implementation under test crashed or hung; this run did not. The crash "
                   "depends on something outside the seed (the environment, memory, an uninitialized value).\n";
    } else if (rec.version != tools::raftsim_version()) {
      std::cout << "A different binary may schedule differently; rebuild the recorded version to reproduce exactly.\n";
    } else {
      std::cout << "The version is the same: the record's scenario or seed was edited, or the run is not "
                   "deterministic (check with: raftsim run FILE --seed N --check-determinism).\n";
    }
    return tools::kExitUsage;
  }
  if (r.violation && r.violation->checker == tools::kImplementationError) {
    std::cout << "\nreproduced: the implementation under test failed the same way again\n";
  } else if (!hash_comparable) {
    std::cout << fmt::format("\nreproduced: the same event count ({}), verdict and violation as the record; {}\n",
                             r.metrics.events, tools::trace_hash_version_note(rec));
  } else {
    std::cout << fmt::format("\nreproduced: the trace hash {:016x} matches the record\n", r.trace_hash);
  }
  return tools::exit_code(r.verdict);
}

}  // namespace commands
