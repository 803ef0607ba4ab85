// The raftsim command line, run as a subprocess: usage and input errors exit with code 3 and name what was
// wrong. Uses the binary built beside the tests (or $RAFTSIM_BIN). Runs no simulations.
#include <catch2/catch.hpp>

#include "tests/support/cli_process.h"

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
using test_support::TempDir;
using Result = test_support::CommandResult;
std::string quote(const std::string& s) { return test_support::shell_quote(s); }
std::string read_file(const fs::path& p) { return test_support::slurp(p); }

Result run(const std::string& bin, const std::string& args, const TempDir& dir) {
  return test_support::run_in(dir, quote(bin) + " " + args);
}

}  // namespace

using test_support::raftsim_binary;

#define RAFTSIM_BIN_OR_SKIP(var)                                   \
  const std::string var = raftsim_binary();                        \
  if (var.empty() || !std::filesystem::exists(var)) {              \
    WARN("raftsim binary not found (set RAFTSIM_BIN); skipped");   \
    return;                                                        \
  }

TEST_CASE("cli: --help exits 0 and lists the run command", "[cli]") {
  RAFTSIM_BIN_OR_SKIP(bin);
  TempDir dir("help");
  const Result r = run(bin, "--help", dir);
  CHECK(r.exit_code == 0);
  CHECK(contains(r.out, "run"));
  CHECK(contains(r.out, "Exit codes"));
}

TEST_CASE("cli: an invalid scenario file exits 3 naming the file and the field", "[cli]") {
  RAFTSIM_BIN_OR_SKIP(bin);
  TempDir dir("invalid-scenario");
  const fs::path scenario = dir.path() / "bad_scenario.json";
  {
    std::ofstream f(scenario);
    f << "{\n  \"cluster\": { \"nodes\": \"five\" }\n}\n";
  }
  const Result r = run(bin, "run " + quote(scenario.string()), dir);
  const std::string all = r.out + r.err;
  INFO(all);
  CHECK(r.exit_code == 3);
  CHECK(contains(all, scenario.string()));
  CHECK(contains(all, "cluster.nodes"));
  CHECK(contains(all, "expected an integer"));
}

TEST_CASE("cli: an unknown fault action exits 3 with a suggestion", "[cli]") {
  RAFTSIM_BIN_OR_SKIP(bin);
  TempDir dir("unknown-action");
  const fs::path scenario = dir.path() / "typo.json";
  {
    std::ofstream f(scenario);
    f << R"({ "faults": [ { "at_ms": 100, "action": "crsh", "nodes": [0] } ] })";
  }
  const Result r = run(bin, "run " + quote(scenario.string()) + " --seed 1", dir);
  const std::string all = r.out + r.err;
  INFO(all);
  CHECK(r.exit_code == 3);
  CHECK(contains(all, scenario.string()));
  CHECK(contains(all, "faults[0].action"));
  CHECK(contains(all, "did you mean \"crash\""));
}

TEST_CASE("cli: a missing scenario file exits 3 naming it", "[cli]") {
  RAFTSIM_BIN_OR_SKIP(bin);
  TempDir dir("missing-file");
  const fs::path missing = dir.path() / "does-not-exist.json";
  const Result r = run(bin, "run " + quote(missing.string()), dir);
  const std::string all = r.out + r.err;
  INFO(all);
  CHECK(r.exit_code == 3);
  CHECK(contains(all, missing.string()));
}

TEST_CASE("cli: a backwards seed range exits 3", "[cli]") {
  RAFTSIM_BIN_OR_SKIP(bin);
  TempDir dir("bad-seeds");
  // The seed range is checked before any file is opened: the error is about --seeds, not the missing file.
  const fs::path missing = dir.path() / "never-opened.json";
  const Result r = run(bin, "run " + quote(missing.string()) + " --seeds 5..3", dir);
  const std::string all = r.out + r.err;
  INFO(all);
  CHECK(r.exit_code == 3);
  CHECK(contains(all, "--seeds"));
  CHECK(contains(all, "5..3"));
  CHECK_FALSE(contains(all, "never-opened.json"));
}

TEST_CASE("cli: --seed and --seeds together exit 3", "[cli]") {
  RAFTSIM_BIN_OR_SKIP(bin);
  TempDir dir("seed-and-seeds");
  const fs::path missing = dir.path() / "never-opened.json";
  const Result r = run(bin, "run " + quote(missing.string()) + " --seed 1 --seeds 1..2", dir);
  const std::string all = r.out + r.err;
  INFO(all);
  CHECK(r.exit_code == 3);
  CHECK(contains(all, "not both"));
}

TEST_CASE("cli: an unknown option exits 3", "[cli]") {
  RAFTSIM_BIN_OR_SKIP(bin);
  TempDir dir("unknown-option");
  const Result r = run(bin, "run x.json --no-such-option", dir);
  const std::string all = r.out + r.err;
  INFO(all);
  CHECK(r.exit_code == 3);
  CHECK(contains(all, "--no-such-option"));
}

TEST_CASE("cli: no subcommand exits 3", "[cli]") {
  RAFTSIM_BIN_OR_SKIP(bin);
  TempDir dir("no-subcommand");
  const Result r = run(bin, "", dir);
  CHECK(r.exit_code == 3);
}

TEST_CASE("cli: --jobs out of range exits 3", "[cli]") {
  RAFTSIM_BIN_OR_SKIP(bin);
  TempDir dir("bad-jobs");
  const Result r = run(bin, "run x.json --jobs 0", dir);
  const std::string all = r.out + r.err;
  INFO(all);
  CHECK(r.exit_code == 3);
  CHECK(contains(all, "--jobs"));
}

TEST_CASE("cli: check gives the documented exit codes on histories", "[cli]") {
  RAFTSIM_BIN_OR_SKIP(bin);
  TempDir dir("check");
  const auto ok = dir.path() / "ok.jsonl";
  std::ofstream(ok) << R"({"type":"invoke","process":0,"op":1,"f":"put","key":"k1","value":"1","time_us":1}
{"type":"ok","process":0,"op":1,"f":"put","key":"k1","value":"1","time_us":2}
{"type":"invoke","process":1,"op":2,"f":"get","key":"k1","time_us":3}
{"type":"ok","process":1,"op":2,"f":"get","key":"k1","value":"1","time_us":4}
)";
  const auto bad = dir.path() / "bad.jsonl";
  std::ofstream(bad) << R"({"type":"invoke","process":0,"op":1,"f":"put","key":"k1","value":"1","time_us":1}
{"type":"ok","process":0,"op":1,"f":"put","key":"k1","value":"1","time_us":2}
{"type":"invoke","process":1,"op":2,"f":"get","key":"k1","time_us":3}
{"type":"ok","process":1,"op":2,"f":"get","key":"k1","value":"","time_us":4}
)";
  const auto malformed = dir.path() / "malformed.jsonl";
  std::ofstream(malformed) << "{\"type\":\"invoke\",\"process\":0}\n";
  CHECK(run(bin, "check " + ok.string(), dir).exit_code == 0);
  const Result b = run(bin, "check " + bad.string(), dir);
  CHECK(b.exit_code == 1);
  CHECK(contains(b.out, "not-linearizable"));
  const Result m = run(bin, "check " + malformed.string(), dir);
  CHECK(m.exit_code == 3);
  CHECK(contains(m.err, "malformed.jsonl:1"));
  const std::string shared = std::string(RAFTSIM_SOURCE_DIR) + "/../shared/histories/jepsen-etcd/etcd_000.log";
  if (std::filesystem::exists(shared)) {
    CHECK(run(bin, "check --format jepsen-etcd " + shared, dir).exit_code == 1);
  } else {
    WARN("../shared/histories absent: the Jepsen part of this test is skipped");
  }
}

TEST_CASE("cli: mutants measures seeds to detection, writes JSON, and exits 1 when a mutant escapes", "[cli]") {
  RAFTSIM_BIN_OR_SKIP(bin);
  TempDir dir("mutants");
  const std::string scenario = std::string(RAFTSIM_SOURCE_DIR) + "/scenarios/swarm_nemesis.json";
  const fs::path json = dir.path() / "mutants.json";
  const std::string common = " --streams 2 --no-correct --out " + quote((dir.path() / "out").string());
  // Both are caught within a few seeds of every stream (README table): exit 0, the shrunk size reported.
  const Result caught = run(bin, "mutants " + quote(scenario) + " --bug commit-prior-term --bug fixed-election-timeout "
                                     "--budget 40" + common + " --json " + quote(json.string()), dir);
  INFO(caught.out << caught.err);
  CHECK(caught.exit_code == 0);
  CHECK(contains(caught.out, "commit-prior-term"));
  CHECK(contains(caught.out, "every mutant was caught in every stream"));
  const std::string j = read_file(json);
  CHECK(contains(j, "\"format\": \"raftsim-mutants-1\""));
  CHECK(contains(j, "\"checker\": \"commit-current-term\""));
  // The generic configuration bounds availability relative to the correct build: a fixed timeout flails.
  CHECK(contains(j, "\"checker\": \"availability\""));
  CHECK(contains(j, "\"shrunk_faults\": "));
  // stale-reply-match is not caught at the first seed of stream 1 (README table: 1 14 1 2 4): it escapes
  // there with a budget of one seed, and the exit is 1.
  const Result escaped = run(bin, "mutants " + quote(scenario) + " --bug stale-reply-match --budget 1 --no-shrink" + common, dir);
  CHECK(escaped.exit_code == 1);
  CHECK(contains(escaped.out, "not caught in 1 seeds"));
  CHECK(contains(escaped.out, "NOT ALL CAUGHT"));
  // A scenario that already plants a bug is an input error.
  const fs::path planted = dir.path() / "planted.json";
  std::ofstream(planted) << R"({ "cluster": { "bugs": ["revote-same-term"] }, "nemesis": { "swarm": true } })";
  const Result bad = run(bin, "mutants " + quote(planted.string()) + " --budget 1", dir);
  CHECK(bad.exit_code == 3);
  CHECK(contains(bad.err, "cluster.bugs"));
}

TEST_CASE("cli: --disable-checker mutes a checker and rejects unknown names", "[cli]") {
  RAFTSIM_BIN_OR_SKIP(bin);
  TempDir dir("disable");
  const std::string scenario = std::string(RAFTSIM_SOURCE_DIR) + "/scenarios/swarm_nemesis.json";
  // commit-prior-term is caught by commit-current-term at seed 4 (since flow control changed the replication traffic).
  const Result on = run(bin, "run " + quote(scenario) + " --seed 4 --bug commit-prior-term --no-records", dir);
  CHECK(on.exit_code == 1);
  CHECK(contains(on.out, "commit-current-term"));
  const Result off = run(bin, "run " + quote(scenario) + " --seed 4 --bug commit-prior-term --no-records "
                                   "--disable-checker commit-current-term", dir);
  CHECK_FALSE(contains(off.out, "VIOLATION  commit-current-term"));
  CHECK(contains(off.out, "disabled: commit-current-term"));
  CHECK(run(bin, "run " + quote(scenario) + " --disable-checker no-such-checker", dir).exit_code == 3);
}

TEST_CASE("cli: --impl and --supports re-check the scenario against what the implementation declares", "[cli]") {
  RAFTSIM_BIN_OR_SKIP(bin);
  TempDir dir("supports");
  const std::string snapshots = quote(std::string(RAFTSIM_SOURCE_DIR) + "/scenarios/snapshot_lagging_follower.json");
  const std::string disk_errors = quote(std::string(RAFTSIM_SOURCE_DIR) + "/scenarios/disk_write_errors.json");
  // --supports names PreVote, CheckQuorum and transfers only: the reference Raft keeps its snapshots and
  // disk write errors.
  CHECK(run(bin, "run " + snapshots + " --seed 1 --supports pre_vote --no-records", dir).exit_code == 0);
  CHECK(run(bin, "run " + disk_errors + " --seed 1 --supports none --no-records", dir).exit_code == 0);
  // An implementation that cannot receive disk write errors is refused before any run (exit 3), with the field.
#if defined(RAFTSIM_WITH_PROCESS)
  const Result r = run(bin, "fuzz " + disk_errors + " --impl process --command /bin/true --seeds 2", dir);
  INFO(r.out << r.err);
  CHECK(r.exit_code == 3);
  CHECK(contains(r.err, "faults[0].action"));
  CHECK(contains(r.err, "cannot receive disk write errors"));
#endif
}
