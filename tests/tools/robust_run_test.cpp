// Campaigns that survive the Raft they test and lose nothing (issue 13 item 5, issue 15 items 8-11, 19, 20):
// the real binary, with a test-only crashing node factory (RAFTSIM_TEST_CRASH, tools/runner/test_crash.h).
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/support/cli_process.h"

extern char** environ;

namespace {

namespace fs = std::filesystem;

using test_support::contains;
using test_support::slurp;
using test_support::TempDir;
using Result = test_support::CommandResult;
std::string binary() { return test_support::raftsim_binary(); }
std::string quote(const std::string& s) { return test_support::shell_quote(s); }

// Runs `raftsim ARGS` in `dir` (as the working directory) with `env` (e.g. "RAFTSIM_TEST_CRASH=abort:2")
// before it.
Result run(const std::string& env, const std::string& args, const TempDir& dir) {
  return test_support::run_in(dir, env + " " + quote(binary()) + " " + args);
}

// Runs raftsim with no file allowed to grow past 0 bytes (a full disk, as far as its writes can tell; the
// SIGXFSZ it would get is ignored, so writes fail with EFBIG). Its output goes through a pipe, which the
// limit does not cover: out holds stdout and stderr together.
Result run_on_full_disk(const std::string& args, const TempDir& dir) {
  // The pipeline's status is cat's: raftsim's goes to exit.txt, opened outside the limit.
  const std::string wrapped = "cd " + quote(dir.path().string()) + " && { (trap '' XFSZ; (ulimit -f 0; exec " + quote(binary()) +
                              " " + args + " 2>&1); echo $? >&3) | cat >stdout.txt; } 3>exit.txt";
  if (std::system(wrapped.c_str()) == -1) return Result{};
  Result r;
  r.out = slurp(dir / "stdout.txt");
  r.exit_code = std::atoi(slurp(dir / "exit.txt").c_str());
  return r;
}

std::string scenario(const std::string& name) { return quote(std::string(RAFTSIM_SOURCE_DIR) + "/scenarios/" + name); }

// A small scenario that fails on every seed without any bug: it expects a violation the correct Raft never
// shows, so each seed leaves a genuine failure record with a real trace hash.
fs::path write_unmet_expectation(const TempDir& dir, const std::string& name) {
  const fs::path p = dir / "unmet.json";
  std::ofstream(p) << R"({ "name": ")" << name << R"(", "duration_ms": 1500, "workload": { "clients": 1 },
    "expect": { "outcome": "safety_violation" } })";
  return p;
}

nlohmann::json seeds_of(const fs::path& json) { return nlohmann::json::parse(slurp(json))["scenarios"][0]["seeds"]; }

// Starts raftsim in the background with one extra environment variable; stdout and stderr go to files.
pid_t spawn(const std::string& env, const std::vector<std::string>& raftsim_args, const std::string& out, const std::string& err) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<std::string> args = {binary()};
  args.insert(args.end(), raftsim_args.begin(), raftsim_args.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_strings = {env};
  for (char** e = environ; *e != nullptr; ++e) env_strings.emplace_back(*e);
  std::vector<char*> envp;
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, args[0].c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  return rc == 0 ? pid : -1;
}

// Waits (bounded, polling) until `path` exists.
void wait_for_file(const fs::path& path) {
  const timespec tick{0, 10'000'000};
  for (int i = 0; i < 12000 && !fs::exists(path); ++i) nanosleep(&tick, nullptr);
}

#define BINARY_OR_SKIP()                                         \
  if (binary().empty() || !fs::exists(binary())) {               \
    WARN("raftsim binary not found (set RAFTSIM_BIN); skipped"); \
    return;                                                      \
  }

}  // namespace

TEST_CASE("robust: a planted abort leaves a record and a JSON row per failing seed, and the campaign finishes", "[robust]") {
  BINARY_OR_SKIP();
  TempDir dir("abort");
  const Result r = run("RAFTSIM_TEST_CRASH=abort:2,4", "run " + scenario("basic.json") + " --seeds 1..5 --records d --json j.json", dir);
  INFO(r.all());
  CHECK(r.exit_code == 1);
  CHECK(fs::exists(dir / "d/basic-seed2.json"));
  CHECK(fs::exists(dir / "d/basic-seed4.json"));
  CHECK_FALSE(fs::exists(dir / "d/basic-seed1.json"));
  const nlohmann::json seeds = seeds_of(dir / "j.json");
  REQUIRE(seeds.size() == 5);
  for (const auto& s : seeds) {
    const bool planted = s["seed"] == 2 || s["seed"] == 4;
    CHECK(s["verdict"] == (planted ? "safety_violation" : "pass"));
    if (planted) {
      CHECK(s["checker"] == "implementation-error");
      CHECK(contains(s["message"].get<std::string>(), "SIGABRT"));
      CHECK(contains(s["message"].get<std::string>(), "planted by RAFTSIM_TEST_CRASH"));  // its stderr, quoted
    }
  }
  CHECK(contains(r.out, "overall: SAFETY VIOLATION"));
}

TEST_CASE("robust: a segfault and a hang are findings, and the seeds after them still run", "[robust]") {
  BINARY_OR_SKIP();
  TempDir dir("segv-hang");
  // One child runs all four seeds: the survivors after each death run in a fresh child.
  const Result r = run("RAFTSIM_TEST_CRASH='segv:1;hang:3'",
                       "run " + scenario("basic.json") + " --seeds 1..4 --seeds-per-child 4 --seed-timeout 1 --records d --json j.json --quiet",
                       dir);
  INFO(r.all());
  CHECK(r.exit_code == 1);
  const nlohmann::json seeds = seeds_of(dir / "j.json");
  REQUIRE(seeds.size() == 4);
  // "SIGSEGV", or under AddressSanitizer (which catches the signal and exits 1) its "SEGV" report.
  CHECK(contains(seeds[0]["message"].get<std::string>(), "SEGV"));
  CHECK(seeds[1]["verdict"] == "pass");
  CHECK(contains(seeds[2]["message"].get<std::string>(), "CPU limit of 1s"));
  CHECK(seeds[3]["verdict"] == "pass");
  CHECK(fs::exists(dir / "d/basic-seed3.json"));
}

TEST_CASE("robust: replaying a crash record runs it in a child and reports the crash again", "[robust]") {
  BINARY_OR_SKIP();
  TempDir dir("replay-crash");
  REQUIRE(run("RAFTSIM_TEST_CRASH=abort:3", "run " + scenario("basic.json") + " --seed 3 --records d", dir).exit_code == 1);
  const Result again = run("RAFTSIM_TEST_CRASH=abort:3", "replay d/basic-seed3.json", dir);
  INFO(again.all());
  CHECK(again.exit_code == 1);
  CHECK(contains(again.out, "failed the same way again"));
  // Without the crash the record is not reproduced, and replay says why rather than blaming the binary.
  const Result fixed = run("", "replay d/basic-seed3.json", dir);
  INFO(fixed.all());
  CHECK(fixed.exit_code == 3);
  CHECK(contains(fixed.out, "crashed or hung; this run did not"));
}

TEST_CASE("robust: fuzz goes on past a crashing seed and keeps it as a finding", "[robust]") {
  BINARY_OR_SKIP();
  TempDir dir("fuzz-crash");
  const Result r = run("RAFTSIM_TEST_CRASH=throw:2", "fuzz " + scenario("basic.json") + " --seeds 1..4 --out f", dir);
  INFO(r.all());
  CHECK(r.exit_code == 1);
  CHECK(contains(r.out, "fuzzed 4 seeds"));
  CHECK(contains(r.out, "implementation-error"));
  CHECK(fs::exists(dir / "f/basic-seed2.json"));
}

TEST_CASE("robust: a scenario name never leaves the records directory (issue 15 item 8)", "[robust]") {
  BINARY_OR_SKIP();
  TempDir dir("name");
  fs::create_directories(dir / "a/b");
  write_unmet_expectation(dir, "../../escaped_record");
  const Result r = run("", "run unmet.json --seed 1 --records a/b/records", dir);
  INFO(r.all());
  CHECK(r.exit_code == 1);  // the run's verdict, not an input error
  CHECK_FALSE(fs::exists(dir / "a/escaped_record-seed1.json"));
  CHECK(fs::exists(dir / "a/b/records/_.._escaped_record-seed1.json"));
  write_unmet_expectation(dir, "sub/dir");
  const Result sub = run("", "run unmet.json --seed 1 --records r2", dir);
  INFO(sub.all());
  CHECK(sub.exit_code == 1);
  CHECK(fs::exists(dir / "r2/sub_dir-seed1.json"));
}

TEST_CASE("robust: a record that cannot be written completely is an error, never announced (issue 15 item 9)", "[robust]") {
  BINARY_OR_SKIP();
  TempDir dir("full-disk");
  write_unmet_expectation(dir, "unmet");
  const Result r = run_on_full_disk("run unmet.json --seeds 1..2 --records d --quiet", dir);
  INFO(r.all());
  CHECK(contains(r.out, "cannot write d/unmet-seed1.json"));
  CHECK_FALSE(fs::exists(dir / "d/unmet-seed1.json"));  // no truncated record left behind
  CHECK(contains(r.out, "could NOT be written"));
  CHECK(r.exit_code == 1);  // the verdict survives
}

TEST_CASE("robust: fuzz keeps its last good state when the new one cannot be written (issue 15 item 9)", "[robust]") {
  BINARY_OR_SKIP();
  TempDir dir("fuzz-state");
  REQUIRE(run("", "fuzz " + scenario("basic.json") + " --seeds 2 --out f", dir).exit_code == 0);
  const std::string good = slurp(dir / "f/fuzz-state.json");
  REQUIRE(contains(good, "\"next_seed\": 3"));
  const Result r = run_on_full_disk("fuzz " + scenario("basic.json") + " --seeds 2 --out f --resume", dir);
  INFO(r.all());
  CHECK(r.exit_code == 3);
  CHECK(contains(r.out, "cannot write"));
  CHECK(slurp(dir / "f/fuzz-state.json") == good);
  CHECK(run("", "fuzz " + scenario("basic.json") + " --seeds 1 --out f --resume", dir).exit_code == 0);
}

TEST_CASE("robust: unwritable outputs fail before the first seed runs (issue 15 item 10)", "[robust]") {
  BINARY_OR_SKIP();
  TempDir dir("outputs");
  std::ofstream(dir / "a-file") << "x";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"--records a-file/records", "--records"},
      {"--json missing-dir/j.json", "--json"},
      {"--junit missing-dir/j.xml", "--junit"},
      {"--json .", "--json"},
  };
  for (const auto& [option, name] : cases) {
    const Result r = run("", "run " + scenario("basic.json") + " --seeds 1..3 " + option, dir);
    INFO(option << "\n" << r.all());
    CHECK(r.exit_code == 3);
    CHECK(contains(r.err, name));
    CHECK_FALSE(contains(r.out, "scenario "));  // no table: nothing ran
  }
  const Result trace = run("", "run " + scenario("basic.json") + " --seed 1 --trace missing-dir/t.jsonl", dir);
  CHECK(trace.exit_code == 3);
  CHECK(contains(trace.err, "--trace"));
  CHECK_FALSE(contains(trace.out, "trace hash"));
}

TEST_CASE("robust: Ctrl-C in a multi-seed run keeps the records, the JSON and says what was lost (issue 15 item 11)", "[robust]") {
  BINARY_OR_SKIP();
  TempDir dir("interrupt");
  write_unmet_expectation(dir, "unmet");
  // Seed 1 fails (its record appears as soon as it is done); seed 3 spins until its CPU limit. Seeds run one
  // at a time, so after the record appears at most one seed is in flight when SIGINT arrives.
  const std::string out = (dir / "stdout.txt").string(), err = (dir / "stderr.txt").string();
  const pid_t pid = spawn("RAFTSIM_TEST_CRASH=hang:3",
                          {"run", (dir / "unmet.json").string(), "--seeds", "1..40", "--seeds-per-child", "1", "--seed-timeout",
                           "3", "--records", (dir / "d").string(), "--json", (dir / "j.json").string()},
                          out, err);
  // Wait (bounded) for the first record: it is written while the run goes on, not at its end.
  REQUIRE(pid > 0);
  wait_for_file(dir / "d/unmet-seed1.json");
  CHECK(fs::exists(dir / "d/unmet-seed1.json"));
  ::kill(pid, SIGINT);
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  const std::string stdout_text = slurp(out);
  INFO(stdout_text << slurp(err));
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 1);  // seed 1's failure is the verdict
  CHECK(contains(stdout_text, "INTERRUPTED"));
  CHECK(contains(stdout_text, "..40"));  // the lost seeds, named
  const nlohmann::json seeds = seeds_of(dir / "j.json");
  CHECK(seeds.size() >= 1);
  CHECK(seeds.size() < 40);
  CHECK(seeds[0]["seed"] == 1);
}

TEST_CASE("robust: replay of an edited record says what differs (issue 15 item 19)", "[robust]") {
  BINARY_OR_SKIP();
  TempDir dir("edited");
  write_unmet_expectation(dir, "unmet");
  REQUIRE(run("", "run unmet.json --seed 1 --records d", dir).exit_code == 1);
  const fs::path record = dir / "d/unmet-seed1.json";
  REQUIRE(run("", "replay d/unmet-seed1.json", dir).exit_code == 1);  // unedited: reproduced, the failure's code
  nlohmann::ordered_json j = nlohmann::ordered_json::parse(slurp(record));
  j["verdict"] = "liveness_violation";
  std::ofstream(dir / "verdict.json") << j.dump(2);
  const Result verdict = run("", "replay verdict.json", dir);
  INFO(verdict.all());
  CHECK(verdict.exit_code == 3);
  CHECK(contains(verdict.out, "verdict: the record has liveness_violation, this run safety_violation"));
  CHECK(contains(verdict.out, "changed after it was written"));
  j = nlohmann::ordered_json::parse(slurp(record));
  j["trace_hash"] = "0123456789abcdef";
  std::ofstream(dir / "hash.json") << j.dump(2);
  const Result hash = run("", "replay hash.json", dir);
  INFO(hash.all());
  CHECK(hash.exit_code == 3);
  CHECK(contains(hash.out, "trace hash: the record has 0123456789abcdef"));
  CHECK(contains(hash.out, "(the same)"));
  CHECK_FALSE(contains(hash.out, "rebuild the recorded version"));
}

TEST_CASE("robust: replay of a record from another trace-hash version compares events and violation, not the hash", "[robust]") {
  BINARY_OR_SKIP();
  TempDir dir("hash-version");
  write_unmet_expectation(dir, "unmet");
  REQUIRE(run("", "run unmet.json --seed 1 --records d", dir).exit_code == 1);
  const nlohmann::ordered_json written = nlohmann::ordered_json::parse(slurp(dir / "d/unmet-seed1.json"));
  REQUIRE(written["trace_hash_version"] == 2);  // this binary's sim::kTraceHashVersion
  // A version 1 record (written before the field existed): its hash is of another function, so a different
  // hash alone is no difference.
  nlohmann::ordered_json j = written;
  j.erase("trace_hash_version");
  j["trace_hash"] = "0123456789abcdef";
  std::ofstream(dir / "v1.json") << j.dump(2);
  const Result v1 = run("", "replay v1.json", dir);
  INFO(v1.all());
  CHECK(v1.exit_code == 1);  // reproduced: the failure's code
  CHECK(contains(v1.out, "reproduced: the same event count"));
  CHECK(contains(v1.out, "trace-hash version 1 (older than this raftsim's version 2"));
  CHECK_FALSE(contains(v1.out, "NOT REPRODUCED"));
  CHECK_FALSE(contains(v1.out, "trace hash: the record has"));
  // Negative space: a different event count is still not reproduced, and says the hash was not compared.
  j["events"] = written["events"].get<std::uint64_t>() + 1;
  std::ofstream(dir / "v1-events.json") << j.dump(2);
  const Result events = run("", "replay v1-events.json", dir);
  INFO(events.all());
  CHECK(events.exit_code == 3);
  CHECK(contains(events.out, "NOT REPRODUCED"));
  CHECK(contains(events.out, "events: the record has"));
  CHECK(contains(events.out, "the trace hash cannot be compared"));
  // A newer version: the same, called newer.
  j = written;
  j["trace_hash_version"] = 3;
  j["trace_hash"] = "0123456789abcdef";
  std::ofstream(dir / "v3.json") << j.dump(2);
  const Result v3 = run("", "replay v3.json", dir);
  INFO(v3.all());
  CHECK(v3.exit_code == 1);
  CHECK(contains(v3.out, "version 3 (newer than"));
}

TEST_CASE("robust: Ctrl-C in fuzz keeps the progress made, and --resume goes on from there (issue 15 item 11)", "[robust]") {
  BINARY_OR_SKIP();
  TempDir dir("fuzz-interrupt");
  // Seed 1 aborts (a finding, saved after the first round of 8 seeds); seed 12 spins until its CPU limit, so
  // the interrupt lands while the second round is in flight.
  const std::string out = (dir / "stdout.txt").string(), err = (dir / "stderr.txt").string();
  const pid_t pid = spawn("RAFTSIM_TEST_CRASH=abort:1;hang:12",
                          {"fuzz", std::string(RAFTSIM_SOURCE_DIR) + "/scenarios/basic.json", "--seeds", "1..400", "--seeds-per-child",
                           "1", "--seed-timeout", "3", "--out", (dir / "f").string()},
                          out, err);
  REQUIRE(pid > 0);
  wait_for_file(dir / "f/basic-seed1.json");
  ::kill(pid, SIGINT);
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  const std::string text = slurp(out) + slurp(err);
  INFO(text);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 1);  // the finding
  const nlohmann::json state = nlohmann::json::parse(slurp(dir / "f/fuzz-state.json"));
  const auto next = state["next_seed"].get<std::uint64_t>();
  CHECK(next >= 9);    // the first round counted
  CHECK(next < 401);   // not the whole range
  CHECK(state["seeds_run"] == next - 1);
  CHECK(state["findings"].size() >= 1);  // the abort; the hang too if the interrupt came after it
  CHECK(contains(text, "INTERRUPTED"));
  // --resume starts at the first seed not counted.
  const Result resumed = run("", "fuzz " + scenario("basic.json") + " --seeds 1 --out f --resume", dir);
  INFO(resumed.all());
  CHECK(contains(resumed.out, "next seed " + std::to_string(next + 1)));
}
