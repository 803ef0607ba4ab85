// The HTML report of one run (issue 12 item 1): a single self-contained page (inline CSS and JS written
// for raftsim, no network) that draws, on a zoomable time axis, a lane per node (role and term, crashes,
// pauses, clock rate), fault bands, the message space-time diagram, commit and apply indexes, the client
// operations, and the violation. Built from the event stream only (sim/trace_event.h) plus what the
// caller knows about the verdict: reports never look into the simulator or a Raft.
//
// Two steps, so the first can be tested without a browser: report_data() extracts a compact JSON (column
// arrays, times in microseconds) from the events; render_html_report() embeds it in the page, whose
// script (reports/html_report_assets.h) draws only what is visible.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/trace_event.h"

namespace reports {

struct ReportViolation {
  std::string checker;
  bool safety = true;
  std::int64_t time_us = 0;
  std::vector<std::int32_t> nodes;
  std::string message;
  // The index in the events of the one the checker flagged, when known (a checker run over the trace
  // finds it); otherwise the last event at the violation's time on one of its nodes is shown (none
  // if it names no node).
  std::optional<std::size_t> event_index;
};

// A linearizability failure, by the trace's operation ids (client_invoke's op_id): the longest
// linearizable prefix in linearization order, and the operations that cannot be placed after it.
struct ReportLinWitness {
  std::string key;
  std::vector<std::uint64_t> prefix_op_ids;
  std::vector<std::uint64_t> stuck_op_ids;
  std::string text;
};

// What the client history adds to an operation of the trace (the trace carries no values).
struct ReportOpValues {
  std::uint64_t op_id = 0;
  std::string key;
  std::string input;   // the argument (put, append, cas new value)
  std::string output;  // the value read (get, when it completed ok)
};

struct ReportInput {
  std::string title;
  std::vector<std::pair<std::string, std::string>> facts;  // shown in the header, in order (seed, verdict...)
  std::span<const sim::TraceEvent> events;
  const sim::LabelNames* labels = nullptr;  // names of message kinds and timers (required)
  std::optional<ReportViolation> violation;
  std::optional<ReportLinWitness> lin;
  std::vector<ReportOpValues> op_values;
  // Run metrics as an object of named values (nested objects are flattened into dotted names), shown as
  // a table; null: none. Whatever produces them (checkers/metrics) only has to give a JSON object.
  nlohmann::json metrics;
};

// Version of the embedded JSON's layout (the page's script reads it).
inline constexpr int kReportDataVersion = 1;

// Status of a message arrow in report_data()["msgs"]["s"]: the low bits are the fate, the high bits flags.
enum MessageFate : int { delivered = 0, dropped = 1, blocked = 2, node_down = 3, in_flight = 4 };
inline constexpr int kMessageDuplicateFlag = 8;  // the extra copy the network made
inline constexpr int kMessageStaleFlag = 16;     // delivered with a term below the receiver's current term

// Client operation outcome in report_data()["ops"]["o"].
enum OpOutcome : int { op_ok = 0, op_fail = 1, op_info = 2, op_open = 3 };

// The compact data the page draws. Throws std::invalid_argument if the events are empty or labels missing.
nlohmann::json report_data(const ReportInput& input);
// The whole page.
std::string render_html_report(const ReportInput& input);
// Writes the page atomically enough for a report (a temporary file renamed); throws std::runtime_error
// naming the file if it cannot be written.
void write_html_report(const std::string& path, const ReportInput& input);

}  // namespace reports
