#include "tools/runner/html_report_run.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/assert.h"
#include "checkers/checker.h"
#include "checkers/history_parse.h"
#include "checkers/linearizability.h"
#include "reports/html_report.h"
#include "reports/trace_reader.h"

namespace tools {

namespace {

reports::ReportViolation to_report(const checkers::Violation& v) {
  return reports::ReportViolation{v.checker, v.severity == checkers::Severity::safety, v.time_us, v.nodes, v.message,
                                  std::nullopt};
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(fmt::format("cannot read '{}'", path));
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The history's lines as JSON (the raftsim format, docs/history-format.md), one per line, blanks kept
// as null so that line numbers stay aligned.
std::vector<nlohmann::json> history_lines(const std::string& text) {
  std::vector<nlohmann::json> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    lines.push_back(line.empty() ? nlohmann::json() : nlohmann::json::parse(line, nullptr, false));
  }
  return lines;
}

std::string value_text(const nlohmann::json& line, const char* key) {
  auto it = line.find(key);
  return it != line.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The values of each operation (the trace has none), by the op id the trace uses.
std::vector<reports::ReportOpValues> op_values(const std::vector<nlohmann::json>& lines) {
  std::map<std::uint64_t, reports::ReportOpValues> by_id;
  for (const nlohmann::json& l : lines) {
    if (!l.is_object() || !l.contains("op") || !l["op"].is_number_unsigned()) continue;
    const auto id = l["op"].get<std::uint64_t>();
    const std::string type = value_text(l, "type");
    reports::ReportOpValues& v = by_id[id];
    v.op_id = id;
    if (type == "invoke") {
      v.key = value_text(l, "key");
      if (value_text(l, "f") != "get") v.input = value_text(l, "value");
    } else if (type == "ok" && value_text(l, "f") == "get") {
      v.output = value_text(l, "value");
    }
  }
  std::vector<reports::ReportOpValues> out;
  for (auto& [id, v] : by_id) out.push_back(std::move(v));
  return out;
}

// The checker's witness again, from the history file: a run's verdict keeps only its text. The same
// history and step limit give the same witness (the check is deterministic).
std::optional<reports::ReportLinWitness> lin_witness(const std::string& text, const std::string& path) {
  const checkers::History history = checkers::parse_history(text, path, checkers::HistoryFormat::raftsim_jsonl);
  checkers::LinLimits limits;
  limits.steps_max = RunOptions{}.linearizability_steps_max;
  const checkers::LinResult r = checkers::check_linearizability(history, limits);
  if (!r.witness) return std::nullopt;
  // The raftsim format's operation id (its "op" field) is the one the trace's client events carry.
  auto op_id = [&](std::size_t index) -> std::uint64_t {
    RAFTSIM_ASSERT(index < history.operations.size());
    return history.operations[index].id;
  };
  reports::ReportLinWitness w;
  w.key = r.witness->key;
  w.text = r.reason + "\n" + r.witness->text;
  for (std::size_t i : r.witness->longest_prefix) w.prefix_op_ids.push_back(op_id(i));
  // The operations that cannot be placed: those of the witness not in the prefix.
  for (std::size_t i : r.witness->ops) {
    const std::uint64_t id = op_id(i);
    if (std::find(w.prefix_op_ids.begin(), w.prefix_op_ids.end(), id) == w.prefix_op_ids.end()) w.stuck_op_ids.push_back(id);
  }
  return w;
}

// The event the checker flagged: the checkers run again over the trace (they read nothing else, so they
// stop at the same event); none for violations found after the run (linearizability, liveness, runaway).
std::optional<std::size_t> flagged_event(const std::vector<sim::TraceEvent>& events, const Scenario& scenario,
                                         const checkers::Violation& v) {
  checkers::CheckerSet set = checkers::make_default_checkers(scenario.disabled_checkers);
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (set.on_event(events[i])) continue;
    const auto& found = set.violation();
    RAFTSIM_ASSERT(found.has_value());
    if (found->checker == v.checker && found->time_us == v.time_us) return i;
    return std::nullopt;
  }
  return std::nullopt;
}

nlohmann::json run_metrics(const RunResult& r) {
  const sim::SimMetrics& m = r.metrics;
  return nlohmann::json{{"elections", m.elections},
                        {"leaders_elected", m.leaders_elected},
                        {"split_votes", m.split_votes},
                        {"max_term", m.max_term},
                        {"first_leader_ms", m.first_leader_us < 0 ? -1.0 : static_cast<double>(m.first_leader_us) / 1000.0},
                        {"ops_invoked", m.ops_invoked},
                        {"ops_ok", m.ops_ok},
                        {"ops_fail", m.ops_fail},
                        {"ops_info", m.ops_info},
                        {"crashes", m.crashes},
                        {"restarts", m.restarts},
                        {"stale_discarded", m.stale_discarded}};
}

}  // namespace

ReportSources report_sources(const std::string& html, const std::string& trace, const std::string& history) {
  RAFTSIM_ASSERT(!html.empty());
  ReportSources s{html, trace, history};
  if (s.trace.empty()) {
    s.trace = html + ".trace.tmp";
    s.remove_trace = true;
  }
  if (s.history.empty()) {
    s.history = html + ".history.tmp";
    s.remove_history = true;
  }
  RAFTSIM_ASSERT(s.trace != s.history);
  return s;
}

void use_report_sources(const ReportSources& sources, RunOptions& options) {
  options.trace_path = sources.trace;
  options.history_path = sources.history;
}

void remove_report_temporaries(const ReportSources& sources) {
  std::error_code ignored;
  if (sources.remove_trace) std::filesystem::remove(sources.trace, ignored);
  if (sources.remove_history) std::filesystem::remove(sources.history, ignored);
}

void write_run_report(const ReportSources& sources, const Scenario& scenario, const RunResult& result,
                      const std::string& note) {
  const reports::ReadTrace trace = reports::read_trace_file(sources.trace);
  reports::ReportInput in;
  in.title = fmt::format("raftsim: {} seed {}", scenario.name, result.seed);
  in.facts.emplace_back("scenario", scenario.name);
  in.facts.emplace_back("seed", std::to_string(result.seed));
  in.facts.emplace_back("impl", scenario.impl);
  if (!scenario.bugs.empty()) {
    std::string bugs;
    for (const auto& b : scenario.bugs) bugs += (bugs.empty() ? "" : ", ") + b;
    in.facts.emplace_back("bugs", bugs);
  }
  in.facts.emplace_back("outcome", outcome_name(result.outcome));
  if (result.verdict != result.outcome) in.facts.emplace_back("verdict", outcome_name(result.verdict));
  in.facts.emplace_back("trace hash", fmt::format("{:016x}", result.trace_hash));
  if (!result.linearizability.empty()) in.facts.emplace_back("history", result.linearizability);
  if (!note.empty()) in.facts.emplace_back("replay", note);
  in.facts.emplace_back("reproduce", reproduce_command(scenario, result.seed));
  in.events = trace.events;
  in.labels = &trace.labels;
  if (result.violation) {
    in.violation = to_report(*result.violation);
    in.violation->event_index = flagged_event(trace.events, scenario, *result.violation);
  }
  in.metrics = run_metrics(result);
  if (std::filesystem::exists(sources.history)) {
    const std::string text = read_text(sources.history);
    const auto lines = history_lines(text);
    in.op_values = op_values(lines);
    if (result.violation && result.violation->checker == "linearizability") in.lin = lin_witness(text, sources.history);
  }
  reports::write_html_report(sources.html, in);
  remove_report_temporaries(sources);
}

void write_trace_report(const std::string& html, const std::string& trace_path) {
  const reports::ReadTrace trace = reports::read_trace_file(trace_path);
  checkers::CheckerSet checkers = checkers::make_default_checkers();
  std::size_t index = 0;
  for (; index < trace.events.size(); ++index) {
    if (!checkers.on_event(trace.events[index])) break;
  }
  if (!checkers.violation()) checkers.finish(trace.events.back().time_us);
  // A report shows the run as far as the checkers saw it: up to and including the violating event.
  const std::size_t shown = std::min(index + 1, trace.events.size());
  RAFTSIM_ASSERT(shown >= 1);
  reports::ReportInput in;
  in.title = fmt::format("raftsim: trace {}", std::filesystem::path(trace_path).filename().string());
  in.facts.emplace_back("trace", trace_path);
  in.facts.emplace_back("outcome", !checkers.violation()                                   ? "pass"
                                   : checkers.violation()->severity == checkers::Severity::safety ? "safety_violation"
                                                                                            : "liveness_violation");
  in.facts.emplace_back("history", "not in a trace: linearizability is not checked (run --report has it)");
  in.events = std::span<const sim::TraceEvent>(trace.events.data(), shown);
  in.labels = &trace.labels;
  if (checkers.violation()) {
    in.violation = to_report(*checkers.violation());
    if (index < trace.events.size()) in.violation->event_index = index;
  }
  reports::write_html_report(html, in);
}

}  // namespace tools
