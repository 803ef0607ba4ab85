// `raftsim report RECORD_OR_TRACE -o FILE.html`: the HTML report of a failure record (run again, exactly,
// from its seed) or of a trace file written by `run --trace`.
#include <filesystem>
#include <fstream>
#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "reports/trace_reader.h"
#include "tools/commands/commands.h"
#include "tools/runner/atomic_file.h"
#include "tools/runner/failure_record.h"
#include "tools/runner/html_report_run.h"
#include "tools/runner/interrupt.h"
#include "tools/runner/isolated_run.h"
#include "tools/scenario/input_error.h"

namespace commands {

namespace {

enum class InputKind { record, trace };

// A failure record is one JSON object with a "scenario"; a trace is JSON Lines (one event per line).
InputKind classify(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    throw tools::InputError(path, "", "cannot read it: not a regular file (expected a failure record or a trace)");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw tools::InputError(path, "", "cannot open it for reading");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos || text[first] != '{') {
    throw tools::InputError(path, "", "expected a failure record (a JSON object written by run or fuzz) or a trace "
                                      "(JSON Lines written by run --trace)", 1);
  }
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, false, true);
  if (!j.is_discarded() && j.is_object() && j.contains("scenario")) return InputKind::record;
  return InputKind::trace;
}

}  // namespace

int command_report(const std::string& path, const std::string& out, const tools::Isolation& isolation) {
  if (out.empty()) throw tools::InputError("command line", "-o", "give the HTML file to write");
  tools::check_writable_file(out, "-o");
  if (classify(path) == InputKind::trace) {
    try {
      tools::write_trace_report(out, path);
    } catch (const reports::TraceParseError& e) {
      throw tools::InputError(path, "", std::string("not a failure record, and not a valid trace: ") + e.what());
    }
    std::cout << fmt::format("report     {} (from the trace {})\n", out, path);
    return tools::kExitPass;
  }
  const tools::FailureRecord rec = tools::load_failure_record(path);
  const tools::ReportSources sources = tools::report_sources(out, "", "");
  tools::RunOptions options;
  tools::use_report_sources(sources, options);
  tools::install_interrupt_handlers();
  try {
    const tools::RunResult r = tools::run_one_isolated(rec.scenario, rec.seed, options, isolation);
    std::string note;
    if (tools::trace_hash_comparable(rec)) {
      const bool same = r.trace_hash == rec.trace_hash && r.metrics.events == rec.events;
      note = same ? fmt::format("reproduced the record {} (trace hash {:016x})", path, r.trace_hash)
                  : fmt::format("NOT reproduced: the record {} has trace hash {:016x}, this run {:016x}", path,
                                rec.trace_hash, r.trace_hash);
    } else {
      // Another hash function: the event count and verdict are what can be compared (replay compares more).
      const bool same = r.metrics.events == rec.events && rec.verdict == tools::outcome_code(r.verdict);
      note = same ? fmt::format("the record {} has the same event count ({}) and verdict; {}", path, rec.events,
                                tools::trace_hash_version_note(rec))
                  : fmt::format("NOT reproduced: the record {} has {} events and verdict {}, this run {} and {}; {}", path,
                                rec.events, rec.verdict, r.metrics.events, tools::outcome_code(r.verdict),
                                tools::trace_hash_version_note(rec));
    }
    tools::write_run_report(sources, rec.scenario, r, note);
    std::cout << fmt::format("report     {} ({}, seed {}: {})\n", out, rec.scenario.name, rec.seed, note);
  } catch (...) {
    tools::remove_report_temporaries(sources);
    throw;
  }
  return tools::kExitPass;
}

}  // namespace commands
