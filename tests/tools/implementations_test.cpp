// The implementation registry (tools/registry/implementations.h): names, lookups, the errors for unknown
// names and bugs, and an out-of-tree implementation's name and command carried through scenarios and
// failure records, so that replay rebuilds the same implementation.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "raft/reference_node.h"
#include "tools/runner/failure_record.h"
#include "tools/registry/implementations.h"
#include "tools/scenario/input_error.h"
#include "tools/runner/reproduce.h"
#include "tools/runner/runner.h"
#include "tools/scenario/scenario.h"
#include "tools/scenario/scenario_writer.h"

namespace {

bool contains(const std::string& haystack, const std::string& needle) { return haystack.find(needle) != std::string::npos; }

std::string invalid_argument_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  FAIL("expected std::invalid_argument");
  return {};
}

// What the test implementation's make function saw last (one test at a time per process).
tools::ImplementationRequest last_request;

// "test-outside": the reference Raft under another name, with one bug of its own and an optional
// command, as an out-of-tree implementation would register it.
void register_test_implementation() {
  if (tools::find_implementation("test-outside") != nullptr) return;  // sections re-run the test body
  tools::ImplementationInfo info;
  info.name = "test-outside";
  info.description = "a test implementation";
  info.bug_names = {"test-bug"};
  info.make = [](const tools::ImplementationRequest& request) -> std::unique_ptr<sim::NodeFactory> {
    last_request = request;
    return std::make_unique<raft::ReferenceNodeFactory>();
  };
  tools::register_implementation(std::move(info));
}

}  // namespace

TEST_CASE("registry: the built-ins are registered, names come sorted, registration is idempotent", "[registry]") {
  tools::register_builtin_implementations();  // the test main did already: a second call changes nothing
  register_test_implementation();
  const std::vector<std::string> names = tools::implementation_names();
  CHECK(std::is_sorted(names.begin(), names.end()));
  CHECK(std::count(names.begin(), names.end(), "reference") == 1);
  CHECK(std::count(names.begin(), names.end(), "test-outside") == 1);
#ifdef RAFTSIM_WITH_LIBRAFT
  CHECK(std::count(names.begin(), names.end(), "libraft") == 1);
#else
  CHECK(std::count(names.begin(), names.end(), "libraft") == 0);
#endif
  CHECK(tools::implementations() == names);  // what scenarios may name
  const tools::ImplementationInfo* reference = tools::find_implementation("reference");
  REQUIRE(reference != nullptr);
  CHECK(std::count(reference->bug_names.begin(), reference->bug_names.end(), "commit-prior-term") == 1);
  CHECK(tools::find_implementation("mine") == nullptr);
}

TEST_CASE("registry: bad registrations and requests are refused with a clear message", "[registry]") {
  register_test_implementation();
  SECTION("a name twice") {
    tools::ImplementationInfo again;
    again.name = "test-outside";
    again.make = [](const tools::ImplementationRequest&) { return std::make_unique<raft::ReferenceNodeFactory>(); };
    CHECK(contains(invalid_argument_of([&] { tools::register_implementation(again); }), "registered twice"));
  }
  SECTION("no name, no make") {
    CHECK(contains(invalid_argument_of([] { tools::register_implementation({}); }), "needs a name"));
    tools::ImplementationInfo no_make;
    no_make.name = "test-no-make";
    CHECK(contains(invalid_argument_of([&] { tools::register_implementation(no_make); }), "no make function"));
    CHECK(tools::find_implementation("test-no-make") == nullptr);
  }
  SECTION("an unknown name lists the registered ones") {
    const std::string what = invalid_argument_of([] { tools::make_factory("mine"); });
    CHECK(contains(what, "unknown Raft implementation 'mine'"));
    CHECK(contains(what, "reference"));
    CHECK(contains(what, "test-outside"));
  }
  SECTION("a bug of another implementation") {
    const std::string what = invalid_argument_of([] { tools::make_factory("test-outside", {"commit-prior-term"}); });
    CHECK(contains(what, "unknown bug 'commit-prior-term' for test-outside"));
    CHECK(contains(what, "test-bug"));
  }
  SECTION("a command for an in-process built-in") {
    CHECK(contains(invalid_argument_of([] { tools::make_factory("reference", {}, {"./node"}); }), "takes no command"));
  }
  SECTION("the request reaches make as given") {
    const auto factory = tools::make_factory("test-outside", {"test-bug"}, {"./node", "--flag"});
    REQUIRE(factory != nullptr);
    CHECK(last_request.name == "test-outside");
    CHECK(last_request.bugs == std::vector<std::string>{"test-bug"});
    CHECK(last_request.command == std::vector<std::string>{"./node", "--flag"});
  }
}

TEST_CASE("registry: scenarios name registered implementations, their bugs and a command", "[registry][scenario]") {
  register_test_implementation();
  const tools::Scenario s = tools::parse_scenario(
      R"({ "cluster": { "impl": "test-outside", "bugs": ["test-bug"], "command": ["./my node", "-v"] },
           "not_for": { "some-other-build": "an implementation this build lacks is fine" } })",
      "t.json");
  CHECK(s.impl == "test-outside");
  CHECK(s.bugs == std::vector<std::string>{"test-bug"});
  CHECK(s.command == std::vector<std::string>{"./my node", "-v"});
  // Written and read back (records and shrunk scenarios are written this way).
  const tools::Scenario again = tools::parse_scenario(tools::scenario_to_json(s).dump(), "again.json");
  CHECK(again.impl == s.impl);
  CHECK(again.bugs == s.bugs);
  CHECK(again.command == s.command);

  auto error_of = [](const std::string& text) -> std::string {
    try {
      tools::parse_scenario(text, "t.json");
    } catch (const tools::InputError& e) {
      return e.what();
    }
    FAIL("expected an InputError for " << text);
    return {};
  };
  CHECK(contains(error_of(R"({ "cluster": { "impl": "test-outside", "bugs": ["commit-prior-term"] } })"),
                 "cluster.bugs[0]: unknown bug of test-outside \"commit-prior-term\""));
  CHECK(contains(error_of(R"({ "cluster": { "command": [] } })"), "cluster.command: expected the program"));
  CHECK(contains(error_of(R"({ "cluster": { "command": ["./node", 3] } })"), "cluster.command[1]: expected a string"));
  CHECK(contains(error_of(R"({ "cluster": { "command": "./node" } })"), "cluster.command: expected an array"));
  CHECK(contains(error_of(R"({ "not_for": { "refrence": "typo" } })"), "did you mean \"reference\""));
}

TEST_CASE("registry: a failure record of an outside implementation replays it with its command", "[registry][record]") {
  register_test_implementation();
  // A correct run that the scenario expected to fail: a failure (the expectation is unmet) without a bug.
  tools::Scenario s = tools::parse_scenario(
      R"({ "name": "outside", "cluster": { "nodes": 3, "impl": "test-outside", "command": ["./node", "--x"] },
           "duration_ms": 2000, "expect": { "outcome": "safety_violation" } })",
      "outside.json");
  const tools::RunResult first = tools::run_scenario(s, 7);
  REQUIRE(first.verdict != tools::Outcome::pass);
  CHECK(last_request.command == std::vector<std::string>{"./node", "--x"});
  CHECK(contains(tools::reproduce_command(s, 7), " --impl test-outside --command './node --x'"));

  const std::string dir = (std::filesystem::temp_directory_path() / ("raftsim-registry-test-" + std::to_string(::getpid()))).string();
  std::filesystem::remove_all(dir);
  const std::string path = tools::write_failure_record(dir, s, first);
  last_request = {};
  const tools::FailureRecord rec = tools::load_failure_record(path);
  CHECK(rec.scenario.impl == "test-outside");
  CHECK(rec.scenario.command == std::vector<std::string>{"./node", "--x"});
  const tools::RunResult replayed = tools::run_scenario(rec.scenario, rec.seed);
  CHECK(last_request.name == "test-outside");
  CHECK(replayed.trace_hash == rec.trace_hash);
  std::filesystem::remove_all(dir);
}

TEST_CASE("registry: --command splits at whitespace and reproduce commands quote it", "[registry]") {
  CHECK(tools::split_command_option("  ./node  -v --port=1 ") == std::vector<std::string>{"./node", "-v", "--port=1"});
  CHECK_THROWS_AS(tools::split_command_option("   "), tools::InputError);
  CHECK(tools::command_option_value({"./node", "-v"}) == "./node -v");
  CHECK(tools::command_option_value({"./my node", "-v"}).empty());  // only the scenario file can say that
  CHECK(tools::shell_quote("./node") == "./node");
  CHECK(tools::shell_quote("a b") == "'a b'");
  CHECK(tools::shell_quote("it's") == "'it'\\''s'");
}
