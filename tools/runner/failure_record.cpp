#include "tools/runner/failure_record.h"

#include <filesystem>
#include <fstream>
#include <optional>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/assert.h"
#include "sim/trace.h"
#include "tools/runner/atomic_file.h"
#include "tools/scenario/input_error.h"
#include "tools/scenario/input_file.h"
#include "tools/scenario/json_lines.h"
#include "tools/scenario/json_parse.h"
#include "tools/scenario/json_reader.h"
#include "tools/runner/reproduce.h"
#include "tools/runner/seed_range.h"
#include "tools/scenario/scenario_writer.h"

#ifndef RAFTSIM_VERSION
#define RAFTSIM_VERSION "dev"
#endif

namespace tools {

const char* raftsim_version() { return RAFTSIM_VERSION; }

bool trace_hash_comparable(const FailureRecord& rec) { return rec.trace_hash_version == sim::kTraceHashVersion; }

std::string trace_hash_version_note(const FailureRecord& rec) {
  RAFTSIM_ASSERT(!trace_hash_comparable(rec));
  RAFTSIM_ASSERT(rec.trace_hash_version >= 1);
  return fmt::format("the trace hash cannot be compared: the record's is trace-hash version {} ({} than this raftsim's "
                     "version {}, a different hash function)",
                     rec.trace_hash_version, rec.trace_hash_version < sim::kTraceHashVersion ? "older" : "newer",
                     sim::kTraceHashVersion);
}

namespace {
const char* verdict_code(Outcome o) {
  return outcome_code(o);
}
}  // namespace

std::string record_file_stem(const std::string& scenario_name) {
  // Only [A-Za-z0-9._-], no leading dot, bounded: a name never leaves the records directory or names a
  // subdirectory, whatever the scenario file says.
  constexpr std::size_t kStemMax = 100;
  std::string stem;
  for (char c : scenario_name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
    stem += ok ? c : '_';
    if (stem.size() == kStemMax) break;
  }
  const std::size_t first = stem.find_first_not_of('.');
  stem = first == std::string::npos ? std::string() : stem.substr(first);
  return stem.empty() ? std::string("scenario") : stem;
}

std::string write_failure_record(const std::string& dir, const Scenario& scenario, const RunResult& r) {
  RAFTSIM_ASSERT(r.verdict != Outcome::pass);
  RAFTSIM_ASSERT(!dir.empty());
  nlohmann::ordered_json j;
  j["format"] = "raftsim-failure-1";
  j["version"] = raftsim_version();
  j["seed"] = r.seed;
  j["verdict"] = verdict_code(r.verdict);
  if (!r.verdict_note.empty()) j["note"] = r.verdict_note;
  if (r.outcome == Outcome::unknown) j["history"] = r.linearizability;  // which limit, on which keys
  j["trace_hash"] = fmt::format("{:016x}", r.trace_hash);
  j["trace_hash_version"] = sim::kTraceHashVersion;
  j["events"] = r.metrics.events;
  if (r.violation) {
    j["violation"] = {{"checker", r.violation->checker},
                      {"severity", r.violation->severity == checkers::Severity::safety ? "safety" : "liveness"},
                      {"time_us", r.violation->time_us},
                      {"nodes", r.violation->nodes},
                      {"message", r.violation->message}};
  }
  const std::string path = fmt::format("{}/{}-seed{}.json", dir, record_file_stem(scenario.name), r.seed);
  j["reproduce"] = fmt::format("{} replay {}", program_name(), path);
  j["scenario"] = scenario_to_json(expand_for_seed(scenario, r.seed));
  std::filesystem::create_directories(dir);
  // Complete or absent, and never announced as written when it was not (a full disk throws here).
  write_file_atomically(path, j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
  return path;
}

namespace {
// 16 lowercase or uppercase hexadecimal digits, as write_failure_record writes them.
std::optional<std::uint64_t> parse_trace_hash(const std::string& text) {
  if (text.size() != 16) return std::nullopt;
  std::uint64_t value = 0;
  for (const char c : text) {
    const int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
    if (digit < 0) return std::nullopt;
    value = value << 4 | static_cast<std::uint64_t>(digit);
  }
  return value;
}

std::vector<std::int32_t> read_nodes(const nlohmann::json& list, const std::string& file, const std::string& path) {
  std::vector<std::int32_t> nodes;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const auto& n = list[i];
    const std::string at = fmt::format("{}[{}]", path, i);
    if (!n.is_number_integer()) throw InputError(file, at, fmt::format("expected a node index (an integer), found {}", json_type_name(n)));
    if (n.is_number_unsigned() ? n.get<std::uint64_t>() > INT32_MAX : n.get<std::int64_t>() < -1 || n.get<std::int64_t>() > INT32_MAX) {
      throw InputError(file, at, fmt::format("expected a node index in [-1, {}], found {}", INT32_MAX, n.dump()));
    }
    nodes.push_back(n.get<std::int32_t>());
  }
  return nodes;
}
}  // namespace

FailureRecord load_failure_record(const std::string& path) {
  return parse_failure_record(read_input_file(path, "the failure record"), path);
}

FailureRecord parse_failure_record(const std::string& text, const std::string& path) {
  const nlohmann::json root = parse_json_strict(text, path, /*allow_comments=*/false);
  try {
    return failure_record_from_json(root, path);
  } catch (const InputError& e) {
    if (e.line() != 0 || e.path().empty()) throw;
    // Name the line in the record (the embedded scenario's errors included: their paths start "scenario.").
    const std::size_t line = line_of(json_value_lines(text), e.path());
    if (line == 0) throw;
    throw InputError(e.file(), e.path(), e.message(), line);
  }
}

FailureRecord failure_record_from_json(const nlohmann::json& root, const std::string& path) {
  JsonReader r(root, path, "");
  if (r.string("format", "") != "raftsim-failure-1") r.fail("format", "expected \"raftsim-failure-1\": not a raftsim failure record");
  FailureRecord rec;
  rec.version = r.string("version", "");
  rec.seed = static_cast<std::uint64_t>(r.required_integer("seed", 0, static_cast<std::int64_t>(kSeedMax)));
  rec.verdict = r.required_choice("verdict", {"safety_violation", "liveness_violation", "unknown"});
  rec.note = r.string("note", "");
  if (!r.has("trace_hash")) r.fail("trace_hash", "required field is missing (16 hexadecimal digits)");
  const std::string hash = r.string("trace_hash", "");
  const auto parsed_hash = parse_trace_hash(hash);
  if (!parsed_hash) r.fail("trace_hash", fmt::format("expected 16 hexadecimal digits, found \"{}\"", hash));
  rec.trace_hash = *parsed_hash;
  // Absent: written before the field existed, by version 1. Bounded so that the note's words stay sane.
  constexpr std::int64_t kTraceHashVersionMax = 1000000;
  rec.trace_hash_version = static_cast<int>(r.integer("trace_hash_version", 1, 1, kTraceHashVersionMax));
  rec.events = static_cast<std::uint64_t>(r.integer("events", 0, 0, INT64_MAX));
  if (auto v = r.object("violation")) {
    checkers::Violation viol;
    viol.checker = v->string("checker", "");
    viol.severity = v->choice("severity", "safety", {"safety", "liveness"}) == "safety" ? checkers::Severity::safety
                                                                                        : checkers::Severity::liveness;
    viol.time_us = v->integer("time_us", 0, 0, INT64_MAX);
    if (const auto* nodes = v->array("nodes")) viol.nodes = read_nodes(*nodes, path, v->path_of("nodes"));
    viol.message = v->string("message", "");
    v->finish();
    rec.violation = viol;
  }
  r.string("reproduce", "");
  if (!r.has("scenario")) r.fail("scenario", "required: the expanded scenario");
  r.object("scenario");  // checks that it is an object, and marks it known
  try {
    rec.scenario = scenario_from_json(root.at("scenario"), path);
  } catch (const InputError& e) {
    if (e.line() != 0) throw;
    throw InputError(path, e.path().empty() ? "scenario" : "scenario." + e.path(), e.message());
  }
  rec.scenario.file = path;
  r.finish();
  return rec;
}

}  // namespace tools
