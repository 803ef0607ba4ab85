// Writes the HTML report (reports/html_report.h) of a run, for `run --report`, `replay --report` and
// `raftsim report`. The report is built from the run's trace file, as any reader of the event stream
// would, plus its client history (for the values of operations and the linearizability witness).
#pragma once

#include <string>

#include "tools/runner/runner.h"
#include "tools/scenario/scenario.h"

namespace tools {

// Where the run writes what the report is built from: the user's --trace / --history when given,
// otherwise temporary files next to the report (removed once it is written).
struct ReportSources {
  std::string html;
  std::string trace;
  std::string history;
  bool remove_trace = false;
  bool remove_history = false;
};

ReportSources report_sources(const std::string& html, const std::string& trace, const std::string& history);
// Points the run's trace and history at the sources.
void use_report_sources(const ReportSources& sources, RunOptions& options);
// Removes the temporary sources (also when the run failed before the report was written).
void remove_report_temporaries(const ReportSources& sources);

// The report of a finished run. `note` (may be empty) is shown among the facts (e.g. whether a replay
// reproduced its record). Throws std::runtime_error naming the file if it cannot be written.
void write_run_report(const ReportSources& sources, const Scenario& scenario, const RunResult& result,
                      const std::string& note = {});

// The report of a trace file alone (`raftsim report TRACE`): the online checkers run over it to find the
// violation (the history, and so linearizability, is not in a trace). Throws reports::TraceParseError.
void write_trace_report(const std::string& html, const std::string& trace_path);

}  // namespace tools
