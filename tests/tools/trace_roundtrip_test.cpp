// Traces written by `run --trace` read back exactly, and the checkers give the same verdict offline.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <string>
#include <fstream>
#include <sstream>

#include "checkers/checker.h"
#include "reports/event_format.h"
#include "reports/trace_reader.h"
#include "tools/runner/runner.h"
#include "tools/scenario/scenario.h"

namespace {

std::filesystem::path temp_file(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() / ("raftsim-trace-roundtrip-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return dir / name;
}

std::optional<checkers::Violation> check_offline(const reports::ReadTrace& t) {
  checkers::CheckerSet set = checkers::make_default_checkers();
  for (const auto& e : t.events) {
    if (!set.on_event(e)) return set.violation();
  }
  set.finish(t.events.back().time_us);
  return set.violation();
}

}  // namespace

TEST_CASE("trace reader: every line of a written trace reads back and re-renders identically") {
  tools::Scenario s = tools::load_scenario_file(std::string(RAFTSIM_SOURCE_DIR) + "/scenarios/rolling_crashes.json");
  const auto path = temp_file("rolling.jsonl");
  const tools::RunResult r = tools::run_scenario(s, 3, {path.string(), ""});
  REQUIRE(r.outcome == tools::Outcome::pass);
  const reports::ReadTrace t = reports::read_trace_file(path.string());
  REQUIRE(t.events.size() == r.metrics.events);
  std::ifstream in(path);
  std::string line;
  for (const auto& e : t.events) {
    REQUIRE(std::getline(in, line));
    REQUIRE(reports::format_event_json(e, t.labels) == line);
  }
  CHECK_FALSE(check_offline(t));
}

TEST_CASE("trace reader: an edited trace with two leaders in a term fails offline") {
  std::istringstream in(
      R"({"t_us":1,"ev":"role","node":0,"inc":1,"role":"leader","term":2}
{"t_us":2,"ev":"role","node":1,"inc":1,"role":"leader","term":2}
)");
  const reports::ReadTrace t = reports::read_trace(in, "edited.jsonl");
  const auto v = check_offline(t);
  REQUIRE(v);
  CHECK(v->checker == "election-safety");
}

TEST_CASE("trace reader: malformed lines are errors naming the file and line") {
  auto error_of = [](const std::string& text) {
    std::istringstream in(text);
    try {
      reports::read_trace(in, "t.jsonl");
    } catch (const reports::TraceParseError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK(error_of("{\"t_us\":1,\"ev\":\"heal\"}\nnot json\n").rfind("t.jsonl:2: not valid JSON", 0) == 0);
  CHECK(error_of("{\"t_us\":1,\"ev\":\"bogus\"}\n") == "t.jsonl:1: unknown event \"bogus\"");
  CHECK(error_of("{\"ev\":\"heal\"}\n") == "t.jsonl:1: missing field \"t_us\"");
  CHECK(error_of("{\"t_us\":1,\"ev\":\"commit\",\"node\":0,\"inc\":1}\n") == "t.jsonl:1: missing field \"index\"");
  CHECK(error_of("{\"t_us\":1,\"ev\":\"heal\",\"extra\":3}\n") == "t.jsonl:1: unknown field \"extra\" in a heal event");
  CHECK(error_of("{\"t_us\":5,\"ev\":\"heal\"}\n{\"t_us\":4,\"ev\":\"heal\"}\n") == "t.jsonl:2: time goes backwards (4 after 5)");
  CHECK(error_of("{\"t_us\":1,\"ev\":\"role\",\"node\":0,\"inc\":1,\"role\":\"king\",\"term\":1}\n") ==
        "t.jsonl:1: field \"role\": unknown value \"king\"");
  CHECK(error_of("") == "t.jsonl:0: the trace holds no events");
}
