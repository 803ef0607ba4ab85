// The host side of the process protocol against the test child (adapters/process/testing/): a real Raft
// over pipes passes and is deterministic; each kind of misbehaviour gives its documented finding or
// error; no child process is ever left behind.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <poll.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>

#include "adapters/process/process_factory.h"
#include "tests/process/child_helpers.h"

using adapters::process::ProcessError;
using adapters::process::ProcessOptions;
using adapters::process::failure_text;
using adapters::process::make_process_factory;
using namespace process_test;

namespace {

struct Run {
  tools::RunResult result;
  std::string failure;  // failure_text() of the factory
};

Run run_with(const tools::Scenario& s, std::uint64_t seed, const ProcessOptions& options) {
  auto factory = make_process_factory(options);
  Run r;
  r.result = tools::run_scenario_with(s, seed, *factory);
  r.failure = failure_text(*factory);
  return r;
}

// A finding of the implementation-error checker with this process-host code.
void check_finding(const Run& r, adapters::process::ProcessErrorCode code) {
  REQUIRE(r.result.violation.has_value());
  CHECK(r.result.outcome == tools::Outcome::safety_violation);
  CHECK(r.result.violation->checker == "implementation-error");
  CHECK(contains(r.result.violation->message, "code " + std::to_string(static_cast<std::uint64_t>(code))));
}

}  // namespace

TEST_CASE("the reference Raft served by a child process passes basic, and equal seeds give equal traces") {
  const tools::Scenario s = scenario("basic");
  const Run a = run_with(s, 1, child_options());
  const Run b = run_with(s, 1, child_options());
  const Run c = run_with(s, 2, child_options());
  CHECK(a.result.outcome == tools::Outcome::pass);
  CHECK(a.result.metrics.ops_ok > 0);
  CHECK(a.result.metrics.leaders_elected >= 1);
  CHECK(a.result.trace_hash == b.result.trace_hash);
  CHECK(a.result.metrics.events == b.result.metrics.events);
  CHECK(a.result.trace_hash != c.result.trace_hash);
  CHECK(a.failure.empty());
  CHECK(no_children_left());
}

TEST_CASE("the child process survives crashes and restarts with its durable records") {
  // Rolling crashes: every node restarts from the records its disk made durable (START with records).
  const Run r = run_with(scenario("rolling_crashes"), 3, child_options());
  CHECK(r.result.outcome == tools::Outcome::pass);
  CHECK(r.result.metrics.restarts > 0);
  CHECK(r.result.metrics.ops_ok > 0);
  CHECK(no_children_left());
}

TEST_CASE("a child that exits mid-run: implementation-error naming the input, the status and its last stderr lines") {
  const Run r = run_with(scenario("basic"), 1, child_options({"--at", "40", "--do", "exit", "--status", "7", "--stderr-lines", "3"}));
  check_finding(r, adapters::process::kChildExited);
  CHECK(contains(r.failure, "input #40 ("));
  CHECK(contains(r.failure, "exited with status 7"));
  CHECK(contains(r.failure, "| child: stderr line 3 of 3"));
  CHECK(no_children_left());
}

TEST_CASE("a child killed by a signal: implementation-error naming the signal") {
  const Run r = run_with(scenario("basic"), 1, child_options({"--at", "25", "--do", "abort"}));
  check_finding(r, adapters::process::kChildKilled);
  CHECK(contains(r.failure, "input #25 ("));
  CHECK(contains(r.failure, "killed by signal 6 (SIGABRT)"));
  CHECK(no_children_left());
}

TEST_CASE("a child that does not answer in time is killed: implementation-error naming the limit") {
  ProcessOptions o = child_options({"--at", "30", "--do", "hang"});
  o.reply_timeout_seconds = 2;  // the inputs before #30 must each be answered in time even on a loaded machine
  const Run r = run_with(scenario("basic"), 1, o);
  check_finding(r, adapters::process::kChildTimedOut);
  CHECK(contains(r.failure, "input #30 ("));
  CHECK(contains(r.failure, "no reply within 2 s"));
  CHECK(no_children_left());
}

TEST_CASE("a child that sends ERROR: implementation-error with its message") {
  const Run r = run_with(scenario("basic"), 1, child_options({"--at", "12", "--do", "error"}));
  check_finding(r, adapters::process::kChildSentError);
  CHECK(contains(r.failure, "input #12 ("));
  CHECK(contains(r.failure, "the test child was told to fail at this input"));
  CHECK(no_children_left());
}

TEST_CASE("a child that closes its output but keeps running is killed: implementation-error") {
  const Run r = run_with(scenario("basic"), 1, child_options({"--at", "9", "--do", "close"}));
  check_finding(r, adapters::process::kChildClosedOutput);
  CHECK(contains(r.failure, "closed its standard output"));
  CHECK(no_children_left());
}

TEST_CASE("a child that fails during HELLO: the finding comes with the first node's start") {
  const Run r = run_with(scenario("basic"), 1, child_options({"--at", "1", "--do", "abort"}));
  check_finding(r, adapters::process::kChildKilled);
  CHECK(contains(r.failure, "input #1 (HELLO"));
  CHECK(r.result.end_time_us == 0);
  CHECK(no_children_left());
}

TEST_CASE("output that cannot be read is an input error naming the input and the bytes that came back") {
  struct Case {
    const char* what;
    const char* input;     // the input it answered
    const char* expected;  // in the message
  };
  const Case cases[] = {
      {"garbage", "input #20 (", "type 77, expected OUTPUT (130) or ERROR (131)"},
      {"truncated", "input #20 (", "send_count: 2 items of at least 34 bytes each, but only 0 bytes remain"},
      {"huge", "input #20 (", "announces a body longer than 67108864 bytes"},
      {"twice", "input #20 (", "more than one frame"},
      {"range", "input #20 (", "is not in the cluster of 5"},
  };
  for (const Case& c : cases) {
    SECTION(c.what) {
      std::string message;
      try {
        run_with(scenario("basic"), 1, child_options({"--at", "20", "--do", c.what}));
      } catch (const ProcessError& e) {
        message = e.what();
      }
      INFO(message);
      CHECK(contains(message, c.input));
      CHECK(contains(message, c.expected));
      CHECK(contains(message, "it wrote: "));
      CHECK(no_children_left());
    }
  }
}

TEST_CASE("a HELLO_OK with a protocol version raftsim does not know is an input error") {
  std::string message;
  try {
    run_with(scenario("basic"), 1, child_options({"--at", "1", "--do", "version"}));
  } catch (const ProcessError& e) {
    message = e.what();
  }
  CHECK(contains(message, "input #1 (HELLO"));
  CHECK(contains(message, "protocol_version: version 99 is not one raftsim speaks"));
  CHECK(no_children_left());
}

TEST_CASE("a program that cannot be started is an input error") {
  ProcessOptions o;
  o.command = {"/nonexistent/raft-node"};
  CHECK_THROWS_WITH(run_with(scenario("basic"), 1, o), Catch::Contains("cannot start '/nonexistent/raft-node'"));
  o.command = {"no-such-raft-node-in-path"};
  CHECK_THROWS_WITH(run_with(scenario("basic"), 1, o), Catch::Contains("no such program in PATH"));
  CHECK(no_children_left());
}

TEST_CASE("make_process_factory refuses bad options") {
  ProcessOptions o;
  CHECK_THROWS_AS(make_process_factory(o), std::invalid_argument);
  o = child_options();
  o.reply_timeout_seconds = 0;
  CHECK_THROWS_AS(make_process_factory(o), std::invalid_argument);
  o = child_options();
  o.extra_env = {"NO_EQUALS_SIGN"};
  CHECK_THROWS_AS(make_process_factory(o), std::invalid_argument);
}

TEST_CASE("a child that writes much to standard error while answering does not block") {
  // 300 KiB, far beyond a pipe's buffer: raftsim must read standard error while it waits for the reply.
  const Run r = run_with(scenario("basic"), 1, child_options({"--at", "15", "--do", "flood"}));
  CHECK(r.result.outcome == tools::Outcome::pass);
  CHECK(no_children_left());
}

TEST_CASE("tasks that grow across crashes and restarts are a leak finding, a stable count is not") {
  ProcessOptions leaky = child_options({"--leak"});
  leaky.leak_slack = 1;
  const Run r = run_with(scenario("rolling_crashes"), 3, leaky);
  check_finding(r, adapters::process::kChildLeakedTasks);
  CHECK(contains(r.failure, "tasks leaked"));

  ProcessOptions clean = child_options();
  clean.leak_slack = 1;
  CHECK(run_with(scenario("rolling_crashes"), 3, clean).result.outcome == tools::Outcome::pass);
  CHECK(no_children_left());
}

namespace {

// A node's view of its host, for driving nodes by hand.
class FixedEnvironment final : public sim::NodeEnvironment {
 public:
  sim::Time now() const override { return sim::Time{1000}; }
  std::int64_t random_between(std::int64_t lo, std::int64_t) override { return lo; }
};

}  // namespace

TEST_CASE("once the child is gone, later inputs produce nothing, and nodes may outlive the factory") {
  FixedEnvironment env;
  auto factory = make_process_factory(child_options({"--at", "3", "--do", "exit"}));  // HELLO, START 0, START 1
  sim::NodeContext context;
  context.cluster_size = 3;
  context.env = &env;
  std::vector<std::unique_ptr<sim::Node>> nodes;
  sim::NodeOutput out;
  for (sim::NodeIndex n = 0; n < 3; ++n) {
    context.id = n;
    nodes.push_back(factory->create(context));
    out.clear();
    nodes.back()->start(out);
    if (n == 0) {
      CHECK(out.timers.size() == 1);  // the election timer: the child answered
    } else if (n == 1) {
      REQUIRE(out.observations.size() == 1);
      CHECK(out.observations[0].kind == sim::EventKind::impl_error);
      CHECK(out.observations[0].a == adapters::process::kChildExited);
      CHECK(out.observations[0].b == 2);  // the input was a START
      CHECK(out.observations[0].c == 7);  // its exit status
    } else {
      CHECK(out.observations.empty());
      CHECK(out.timers.empty());
    }
  }
  out.clear();
  nodes[0]->on_timer(0, out);
  CHECK(out.observations.empty());
  CHECK(out.sends.empty());
  factory.reset();  // before the nodes: they must not care
  nodes.clear();
  CHECK(no_children_left());
}

TEST_CASE("a child that ignores SHUTDOWN is killed and reaped") {
  {
    auto factory = make_process_factory(child_options({"--ignore-shutdown"}));
    FixedEnvironment env;
    sim::NodeContext context;
    context.cluster_size = 1;
    context.env = &env;
    auto node = factory->create(context);
    sim::NodeOutput out;
    node->start(out);
    CHECK(out.timers.size() == 1);
  }
  CHECK(no_children_left());
}

TEST_CASE("a child whose raftsim dies is killed with it: no orphan") {
  // This test process adopts orphans (a subreaper), so that it can wait for the grandchild below.
  REQUIRE(::prctl(PR_SET_CHILD_SUBREAPER, 1) == 0);
  const std::string pid_file = std::filesystem::temp_directory_path() / ("raftsim-orphan-" + std::to_string(::getpid()));
  std::filesystem::remove(pid_file);
  const pid_t host = ::fork();
  REQUIRE(host >= 0);
  if (host == 0) {
    // The "raftsim": its child hangs in the START (input #2), ignoring its standard input, so only the
    // parent-death signal can end it; the alarm kills this process while it waits for the reply.
    auto factory = make_process_factory(child_options({"--pid-file", pid_file, "--at", "2", "--do", "hang"}));
    FixedEnvironment env;
    sim::NodeContext context;
    context.cluster_size = 1;
    context.env = &env;
    auto node = factory->create(context);
    ::alarm(1);
    sim::NodeOutput out;
    node->start(out);
    ::_exit(0);  // not reached
  }
  int status = 0;
  REQUIRE(::waitpid(host, &status, 0) == host);
  CHECK(WIFSIGNALED(status));  // SIGALRM
  std::ifstream in(pid_file);
  pid_t child = 0;
  in >> child;
  REQUIRE(child > 0);
  // The orphan was re-parented to us; it must die of the parent-death signal, not live on. Waited for with
  // a pidfd and a generous limit, so a broken PR_SET_PDEATHSIG fails the test instead of hanging it.
  bool died = true;
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, child, 0));
  if (pidfd >= 0) {
    pollfd p{pidfd, POLLIN, 0};
    died = ::poll(&p, 1, 20'000) == 1;
    ::close(pidfd);
  }
  if (!died) ::kill(child, SIGKILL);  // clean up after the failure
  CHECK(died);
  REQUIRE(::waitpid(child, &status, 0) == child);
  CHECK(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGKILL);
  std::filesystem::remove(pid_file);
  ::prctl(PR_SET_CHILD_SUBREAPER, 0);
  CHECK(no_children_left());
}

TEST_CASE("the child gets the extra environment and no file descriptor of raftsim's but 0, 1 and 2") {
  // A descriptor without close-on-exec, as a library might leave one: the child must not inherit it.
  const int leaky = ::dup2(STDERR_FILENO, 77);
  REQUIRE(leaky == 77);
  ProcessOptions o;
  o.command = {"/bin/sh", "-c", "echo VAR=$RAFTSIM_TEST_VAR >&2; for f in /proc/$$/fd/*; do echo FD=${f##*/} >&2; done; exit 5"};
  o.extra_env = {"RAFTSIM_TEST_VAR=hello"};
  const Run r = run_with(scenario("basic"), 1, o);
  ::close(leaky);
  check_finding(r, adapters::process::kChildExited);
  CHECK(contains(r.failure, "input #1 (HELLO"));
  CHECK(contains(r.failure, "exited with status 5"));
  CHECK(contains(r.failure, "| VAR=hello"));
  CHECK(contains(r.failure, "| FD=0"));
  CHECK(contains(r.failure, "| FD=2"));
  CHECK(!contains(r.failure, "| FD=77"));
  CHECK(no_children_left());
}
