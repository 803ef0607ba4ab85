// Failure records: everything needed to reproduce a failed run exactly, in one JSON file. The scenario
// is written expanded (every field explicit, the fault schedule as it ran), with the seed, the raftsim
// version, the trace hash, and the violation. `raftsim replay RECORD` runs it again and verifies the hash.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "checkers/checker.h"
#include "tools/runner/runner.h"
#include "tools/scenario/scenario.h"

namespace tools {

struct FailureRecord {
  Scenario scenario;
  std::uint64_t seed = 0;
  std::string version;
  std::uint64_t trace_hash = 0;
  std::uint64_t events = 0;
  std::string verdict;  // "safety_violation" or "liveness_violation"
  std::string note;     // the unmet expectation, if that is why it failed
  std::optional<checkers::Violation> violation;
};

// Writes `<dir>/<record_file_stem(scenario name)>-seed<N>.json` atomically (creating dir); returns the
// path. Throws std::runtime_error naming the file if it cannot be written completely.
std::string write_failure_record(const std::string& dir, const Scenario& scenario, const RunResult& result);
// Throws InputError naming the file and field on a malformed record.
FailureRecord load_failure_record(const std::string& path);
// The same from the record's text (`path` names it in errors).
FailureRecord parse_failure_record(const std::string& text, const std::string& path);
// From a parsed record; errors carry field paths (the embedded scenario's start "scenario.") but no line.
FailureRecord failure_record_from_json(const nlohmann::json& root, const std::string& path);

// A scenario name made safe as a file name in the records directory.
std::string record_file_stem(const std::string& scenario_name);

const char* raftsim_version();

}  // namespace tools
