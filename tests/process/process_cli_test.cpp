// `raftsim run --impl process` end to end, through the binary: a finding is exit 1 with the child's own
// words in the report, unreadable output is exit 3 naming the input, and several seeds on two threads
// fail the same way instead of crashing.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "tests/process/child_helpers.h"
#include "tests/support/cli_process.h"

using namespace process_test;

namespace {

namespace fs = std::filesystem;

using Result = test_support::CommandResult;

// Runs raftsim with --command naming the test child with `child_args`, in a fresh directory.
Result raftsim(const std::string& child_args, const std::string& args) {
  const test_support::TempDir dir("process-cli");
  return test_support::run_in(dir, test_support::shell_quote(RAFTSIM_BINARY) + " run " + args + " --command " +
                                       test_support::shell_quote(std::string(RAFTSIM_PROCESS_CHILD) + " " + child_args));
}

const std::string kBasic = std::string(RAFTSIM_SOURCE_DIR) + "/scenarios/basic.json";

}  // namespace

TEST_CASE("raftsim run --impl process passes with the reference Raft as a child") {
  const Result r = raftsim("", kBasic + " --impl process --seed 4 --no-records");
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(contains(r.out, "outcome    pass"));
}

TEST_CASE("raftsim run --impl process: a child killed by a signal is a finding, with its words in the report") {
  const Result r = raftsim("--at 30 --do abort --stderr-lines 2", kBasic + " --impl process --seed 1 --no-records");
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  CHECK(contains(r.out, "VIOLATION  implementation-error"));
  CHECK(contains(r.out, "code 9002"));
  CHECK(contains(r.out, "input #30 ("));
  CHECK(contains(r.out, "killed by signal 6 (SIGABRT)"));
  CHECK(contains(r.out, "| child: stderr line 2 of 2"));
}

TEST_CASE("raftsim run --impl process: unreadable output is exit 3 naming the input and the bytes") {
  const Result r = raftsim("--at 20 --do garbage", kBasic + " --impl process --seed 1 --no-records");
  INFO(r.out << r.err);
  CHECK(r.exit_code == 3);
  CHECK(contains(r.err, "input #20 ("));
  CHECK(contains(r.err, "it wrote: 03 00 00 00 4d 01 02"));
}

TEST_CASE("raftsim run --impl process over several seeds on two threads: exit 3, not a crash") {
  const Result r = raftsim("--at 20 --do truncated", kBasic + " --impl process --seeds 1..4 --jobs 2 --no-records");
  INFO(r.out << r.err);
  CHECK(r.exit_code == 3);
  CHECK(contains(r.err, "its reply cannot be read"));
}

TEST_CASE("raftsim run --impl process without a command is a usage error") {
  const std::string command = std::string("'") + RAFTSIM_BINARY + "' run " + kBasic +
                              " --impl process --no-records >/dev/null 2>&1";
  const int status = std::system(command.c_str());
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 3);
}
