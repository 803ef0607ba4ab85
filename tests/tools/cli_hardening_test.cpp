// Issue 15 through the real binary: bad paths, bad seeds, bad subcommands and valid-but-odd scenarios
// end with exit code 3 and a message naming the problem (or, for valid input, with the run's verdict),
// never with a crash, a hang or a silent pass.
#include <catch2/catch.hpp>

#include "tests/support/cli_process.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace {

namespace fs = std::filesystem;
using test_support::contains;
using test_support::slurp;
using Result = test_support::CommandResult;
std::string quote(const std::string& s) { return test_support::shell_quote(s); }

class Sandbox {
 public:
  explicit Sandbox(const std::string& name) : dir_("hardening-" + name) {}

  std::string file(const std::string& name, const std::string& text) const { return dir_.write(name, text); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  // Runs raftsim with `args` (already quoted) from inside the sandbox; stdin is /dev/null.
  Result raftsim(const std::string& args) const {
    return test_support::run_in(dir_, quote(test_support::raftsim_binary()) + " " + args);
  }

 private:
  test_support::TempDir dir_;
};

}  // namespace

TEST_CASE("cli hardening: zero disk latency runs to a verdict instead of aborting (item 2)", "[cli][hardening]") {
  Sandbox box("zero-latency");
  const std::string scenario = box.file("zero.json",
      R"({"cluster":{"nodes":3},"disk":{"write_latency":{"kind":"fixed","min_ms":0},"fsync_latency":{"kind":"fixed","min_ms":-0}},)"
      R"("workload":{"clients":2,"latency":{"kind":"fixed","min_ms":10}},"duration_ms":2000})");
  // Before: an assertion failure (exit 134) in 9 of seeds 1..20.
  const Result r = box.raftsim("run " + quote(scenario) + " --seeds 1..20 --jobs 2 --quiet --no-records");
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
}

TEST_CASE("cli hardening: devices, FIFOs and directories are refused as input files (items 6, 18)", "[cli][hardening]") {
  Sandbox box("not-regular");
  const Result zero_run = box.raftsim("run /dev/zero");
  CHECK(zero_run.exit_code == 3);
  CHECK(contains(zero_run.err, "/dev/zero: cannot read the scenario file: a character device"));
  const Result zero_check = box.raftsim("check /dev/zero");
  CHECK(zero_check.exit_code == 3);
  CHECK(contains(zero_check.err, "not a regular file"));
  // A FIFO with no writer blocked forever before.
  REQUIRE(::mkfifo(box.path("pipe.json").c_str(), 0600) == 0);
  const Result fifo = box.raftsim("replay pipe.json");
  CHECK(fifo.exit_code == 3);
  CHECK(contains(fifo.err, "FIFO"));
  fs::create_directories(box.path("dir.json"));
  const Result dir_replay = box.raftsim("replay dir.json");
  CHECK(dir_replay.exit_code == 3);
  CHECK(contains(dir_replay.err, "a directory"));
  const Result dir_check = box.raftsim("check dir.json");
  CHECK(dir_check.exit_code == 3);
  CHECK(contains(dir_check.err, "a directory"));
}

TEST_CASE("cli hardening: an empty history is an input error, not \"linearizable\" (item 18)", "[cli][hardening]") {
  Sandbox box("empty-history");
  box.file("empty.jsonl", "");
  const Result r = box.raftsim("check empty.jsonl");
  CHECK(r.exit_code == 3);
  CHECK(contains(r.err, "no client operations"));
  const Result missing = box.raftsim("check missing.jsonl");
  CHECK(missing.exit_code == 3);
  CHECK(contains(missing.err, "missing.jsonl: cannot open"));
  CHECK_FALSE(contains(missing.err, ":0:"));
}

TEST_CASE("cli hardening: seeds beyond 2^63-1 are refused by run and fuzz (item 12)", "[cli][hardening]") {
  Sandbox box("seeds");
  const std::string scenario = box.file("s.json", R"({"duration_ms": 100})");
  const Result run = box.raftsim("run " + quote(scenario) + " --seed 9223372036854775808 --no-records");
  CHECK(run.exit_code == 3);
  CHECK(contains(run.err, "[0, 9223372036854775807]"));
  const Result fuzz = box.raftsim("fuzz " + quote(scenario) + " --first-seed 9223372036854775808 --seeds 1 --out fz");
  CHECK(fuzz.exit_code == 3);
  CHECK(contains(fuzz.err, "--first-seed"));
  const Result past = box.raftsim("fuzz " + quote(scenario) + " --first-seed 9223372036854775807 --seeds 2 --out fz");
  CHECK(past.exit_code == 3);
  const Result negative = box.raftsim("run " + quote(scenario) + " --seed -1 --no-records");
  CHECK(negative.exit_code == 3);
  CHECK(contains(negative.err, "integers in [0, 9223372036854775807], found '-1'"));
}

TEST_CASE("cli hardening: an unknown subcommand is named (item 21)", "[cli][hardening]") {
  Sandbox box("subcommand");
  const Result r = box.raftsim("frobnicate");
  CHECK(r.exit_code == 3);
  CHECK(contains(r.err, "unknown subcommand 'frobnicate'"));
  CHECK(contains(r.err, "run"));
  const Result typo = box.raftsim("replya x.json");
  CHECK(contains(typo.err, "did you mean 'replay'"));
}

TEST_CASE("cli hardening: --impl libraft re-checks the heartbeat floor (item 3)", "[cli][hardening]") {
  Sandbox box("libraft-heartbeat");
  const std::string scenario = box.file("hb.json", R"({"raft":{"heartbeat_interval_ms":0.5}})");
  const Result r = box.raftsim("run " + quote(scenario) + " --impl libraft --no-records");
  CHECK(r.exit_code == 3);  // an assertion failure (exit 134) inside the adapter before
  CHECK(contains(r.err, "raft.heartbeat_interval_ms"));
}
