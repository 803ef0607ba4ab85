#include "tools/lib/failure_record.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/assert.h"
#include "tools/lib/atomic_file.h"
#include "tools/lib/input_error.h"
#include "tools/lib/json_reader.h"
#include "tools/lib/reproduce.h"
#include "tools/lib/scenario_writer.h"

#ifndef RAFTSIM_VERSION
#define RAFTSIM_VERSION "dev"
#endif

namespace tools {

const char* raftsim_version() { return RAFTSIM_VERSION; }

namespace {
const char* verdict_code(Outcome o) {
  return o == Outcome::pass ? "pass" : o == Outcome::safety_violation ? "safety_violation" : "liveness_violation";
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
  j["trace_hash"] = fmt::format("{:016x}", r.trace_hash);
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

FailureRecord load_failure_record(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw InputError(path, "", "cannot open the failure record");
  std::ostringstream text;
  text << in.rdbuf();
  nlohmann::json root;
  try {
    root = nlohmann::json::parse(text.str());
  } catch (const nlohmann::json::parse_error& e) {
    throw InputError(path, "", std::string("not valid JSON: ") + e.what());
  }
  JsonReader r(root, path, "");
  if (r.string("format", "") != "raftsim-failure-1") r.fail("format", "expected \"raftsim-failure-1\": not a raftsim failure record");
  FailureRecord rec;
  rec.version = r.string("version", "");
  rec.seed = static_cast<std::uint64_t>(r.required_integer("seed", 0, INT64_MAX));
  rec.verdict = r.choice("verdict", "", {"safety_violation", "liveness_violation"});
  rec.note = r.string("note", "");
  const std::string hash = r.string("trace_hash", "");
  try {
    rec.trace_hash = std::stoull(hash, nullptr, 16);
  } catch (const std::exception&) {
    r.fail("trace_hash", "expected 16 hexadecimal digits");
  }
  rec.events = static_cast<std::uint64_t>(r.integer("events", 0, 0, INT64_MAX));
  if (auto v = r.object("violation")) {
    checkers::Violation viol;
    viol.checker = v->string("checker", "");
    viol.severity = v->choice("severity", "safety", {"safety", "liveness"}) == "safety" ? checkers::Severity::safety
                                                                                        : checkers::Severity::liveness;
    viol.time_us = v->integer("time_us", 0, 0, INT64_MAX);
    if (const auto* nodes = v->array("nodes")) {
      for (const auto& n : *nodes) viol.nodes.push_back(n.get<std::int32_t>());
    }
    viol.message = v->string("message", "");
    v->finish();
    rec.violation = viol;
  }
  r.string("reproduce", "");
  const nlohmann::json* scenario = root.contains("scenario") ? &root["scenario"] : nullptr;
  r.object("scenario");  // marks it known
  if (scenario == nullptr) r.fail("scenario", "required: the expanded scenario");
  rec.scenario = parse_scenario(scenario->dump(), path + " (scenario)");
  rec.scenario.file = path;
  r.finish();
  return rec;
}

}  // namespace tools
