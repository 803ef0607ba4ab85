// Failure records: everything needed to reproduce a failed run exactly, in one JSON file. The scenario
// is written expanded (every field explicit, the fault schedule as it ran), with the seed, the raftsim
// version, the trace hash (and which hash function made it), and the violation. `raftsim replay RECORD`
// runs it again and verifies the hash, or, for a record from another trace-hash version, the event count
// and the violation.
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
  // sim::kTraceHashVersion of the binary that wrote it; records without the field are version 1 (before
  // session 14). A hash of another version says nothing about this binary's trace.
  int trace_hash_version = 1;
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

// Whether the record's trace hash can be compared with this binary's (the same hash function).
bool trace_hash_comparable(const FailureRecord& rec);
// Says, for a record whose hash cannot be compared, which version it has and that it is older or newer.
std::string trace_hash_version_note(const FailureRecord& rec);

// A scenario name made safe as a file name in the records directory.
std::string record_file_stem(const std::string& scenario_name);

const char* raftsim_version();

}  // namespace tools
