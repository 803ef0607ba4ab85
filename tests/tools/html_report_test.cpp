// The HTML report's data extraction (reports/html_report.h): what the page draws, from events built by
// hand, and `raftsim report`'s handling of its input (bad input: exit 3 naming the file).
#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "reports/html_report.h"

namespace {

namespace fs = std::filesystem;
using sim::EventKind;
using nlohmann::json;

struct Names final : sim::LabelNames {
  std::string_view message_kind(std::uint16_t label) const override {
    static const char* const kNames[] = {"Ping", "Pong", "Snapshot"};
    return label < 3 ? kNames[label] : "?";
  }
  std::string_view timer_slot(std::uint16_t) const override { return "election"; }
};

sim::TraceEvent ev(std::int64_t t, EventKind kind, std::int32_t node, std::int32_t peer = -1, std::uint64_t a = 0,
                   std::uint64_t b = 0, std::uint64_t c = 0, std::uint16_t label = 0) {
  sim::TraceEvent e;
  e.time_us = t;
  e.kind = kind;
  e.node = node;
  e.peer = peer;
  e.a = a;
  e.b = b;
  e.c = c;
  e.label = label;
  return e;
}

// Messages: (send, deliver) pairs, losses at send time and in flight, a duplicate, a stale delivery.
std::vector<sim::TraceEvent> message_events() {
  return {
      ev(0, EventKind::role, 0, -1, 0, 1),
      ev(0, EventKind::role, 1, -1, 0, 1),
      ev(0, EventKind::role, 2, -1, 0, 1),
      ev(10, EventKind::send, 0, 1, 1, 7, 8, 0),         // 0: delivered at 20
      ev(11, EventKind::send, 0, 2, 1, 0, 0, 1),         // 1: dropped at once
      ev(11, EventKind::drop_random, 0, 2, 1, 0, 0, 1),
      ev(12, EventKind::send, 1, 2, 1, 5, 5, 0),         // 2 and its copy 3
      ev(12, EventKind::duplicate, 1, 2, 1, 0, 0, 0),
      ev(15, EventKind::role, 2, -1, 1, 3),              // node 2 moves to term 3
      ev(20, EventKind::deliver, 0, 1, 1, 7, 8, 0),
      ev(25, EventKind::deliver, 1, 2, 1, 5, 5, 0),      // stale: term 1 < 3
      ev(26, EventKind::deliver, 1, 2, 1, 5, 5, 0),
      ev(30, EventKind::send, 2, 0, 3, 0, 0, 1),         // 4: receiver down on arrival
      ev(31, EventKind::send, 2, 1, 3, 0, 0, 1),         // 5: never arrives
      ev(40, EventKind::drop_node_down, 2, 0, 3, 0, 0, 1),
      ev(50, EventKind::commit, 1, -1, 4),
  };
}

}  // namespace

TEST_CASE("html report: sends are paired with their deliveries and losses", "[report]") {
  Names names;
  const auto events = message_events();
  reports::ReportInput in;
  in.events = events;
  in.labels = &names;
  const json d = reports::report_data(in);
  const json& m = d["msgs"];
  REQUIRE(m["t"].size() == 6);
  CHECK(d["msg_kinds"] == json::array({"Ping", "Pong"}));
  CHECK(m["t"] == json::array({10, 11, 12, 12, 30, 31}));
  CHECK(m["d"] == json::array({20, 11, 25, 26, 40, -1}));
  CHECK(m["s"][0] == reports::delivered);
  CHECK(m["s"][1] == reports::dropped);
  // The first copy to arrive is the original; both are stale (term 1 reaches a node in term 3).
  CHECK(m["s"][2] == (reports::delivered | reports::kMessageStaleFlag));
  CHECK(m["s"][3] == (reports::delivered | reports::kMessageDuplicateFlag | reports::kMessageStaleFlag));
  CHECK(m["s"][4] == reports::node_down);
  CHECK(m["s"][5] == reports::in_flight);
  CHECK(m["x"][0] == 7);
  CHECK(m["y"][0] == 8);
  CHECK(d["nodes"] == 3);
  CHECK(d["lanes"][1]["commit"] == json::array({50, 4}));
  CHECK(d["lanes"][2]["seg"] == json::array({0, 0, 1, 15, 1, 3}));
  CHECK(d["counts"]["send"] == 5);
}

TEST_CASE("html report: crashes, pauses and fault bands become intervals", "[report]") {
  Names names;
  const std::vector<sim::TraceEvent> events{
      ev(0, EventKind::role, 0, -1, 2, 1),
      ev(0, EventKind::role, 1, -1, 0, 1),
      ev(5, EventKind::partition, -1, -1, 0b01),
      ev(6, EventKind::clog_link, 0, 1),
      ev(7, EventKind::degrade_link, 1, 0, 1000, 0, 0),
      ev(10, EventKind::crash, 0, -1, 2),
      ev(12, EventKind::pause, 1),
      ev(14, EventKind::resume, 1),
      ev(15, EventKind::unclog_link, 0, 1, 0, 3),
      ev(18, EventKind::heal, -1),
      ev(20, EventKind::restart, 0, -1, 2, 9),
      ev(22, EventKind::clock_rate, 1, -1, 1'050'000),
      ev(25, EventKind::phase, -1, -1, 1, 0),
      ev(30, EventKind::pause, 1),
  };
  reports::ReportInput in;
  in.events = events;
  in.labels = &names;
  const json d = reports::report_data(in);
  const json& n0 = d["lanes"][0];
  CHECK(n0["down"] == json::array({10, 20}));
  CHECK(n0["crashes"] == json::array({10, 2}));
  CHECK(n0["restarts"] == json::array({20, 2}));
  // leader, then down at the crash (role -1, its term kept), then a follower after the restart.
  CHECK(n0["seg"] == json::array({0, 2, 1, 10, -1, 1, 20, 0, 1}));
  CHECK(d["lanes"][1]["paused"] == json::array({12, 14, 30, -1}));
  CHECK(d["lanes"][1]["clock"] == json::array({22, 1'050'000}));
  // [t0, t1, type, a, b, p, q, r]: the partition, clog and degrade end at the heal; the clog says what it released.
  REQUIRE(d["bands"].size() == 4);
  CHECK(d["bands"][0] == json::array({5, 18, 0, 1, 0, 0, 0, 0}));
  CHECK(d["bands"][1] == json::array({6, 15, 2, 0, 1, 3, 0, 0}));
  CHECK(d["bands"][2] == json::array({7, 18, 3, 1, 0, 1000, 0, 0}));
  CHECK(d["bands"][3] == json::array({25, -1, 4, 1, 0, 0, 0, 0}));
  CHECK(d["t1"] == 30);
}

TEST_CASE("html report: client operations, the violation and the linearizability witness", "[report]") {
  Names names;
  const std::vector<sim::TraceEvent> events{
      ev(0, EventKind::role, 0, -1, 2, 1),
      ev(1, EventKind::client_invoke, 0, 3, 100, 0, 0, 1),
      ev(2, EventKind::client_invoke, -1, 4, 101, 0, 0, 0),
      ev(5, EventKind::client_ok, 0, 3, 100, 6, 1, 1),
      ev(6, EventKind::client_invoke, 0, 3, 102, 0, 0, 0),
      ev(7, EventKind::client_info, 0, 4, 101, 0, 0, 0),
      ev(8, EventKind::vote, 0, -1, 1, 0),
      ev(9, EventKind::commit, 0, -1, 6),
  };
  reports::ReportInput in;
  in.events = events;
  in.labels = &names;
  in.violation = reports::ReportViolation{"commit-quorum", true, 9, {0}, "node 0 committed 6 alone", std::nullopt};
  in.lin = reports::ReportLinWitness{"k1", {100}, {101, 102}, "key k1 ..."};
  in.op_values = {{100, "k1", "v1", ""}, {102, "k1", "", "v9"}};
  in.metrics = json{{"elections", 1}, {"latency", {{"p50_ms", 1.5}}}};
  const json d = reports::report_data(in);
  const json& ops = d["ops"];
  CHECK(ops["id"] == json::array({100, 101, 102}));
  CHECK(ops["p"] == json::array({3, 4, 3}));
  CHECK(ops["o"] == json::array({reports::op_ok, reports::op_info, reports::op_open}));
  CHECK(ops["t1"] == json::array({5, 7, -1}));
  CHECK(ops["i"][0] == 6);
  CHECK(ops["key"] == json::array({"k1", "", "k1"}));
  CHECK(ops["in"] == json::array({"v1", "", ""}));
  CHECK(ops["out"] == json::array({"", "", "v9"}));
  CHECK(d["op_names"][1] == "put");
  // The vote is drawn as a generic mark named by the trace's kind table.
  REQUIRE(d["marks"].size() == 1);
  CHECK(d["mark_kinds"] == json::array({"vote"}));
  CHECK(d["violation"]["checker"] == "commit-quorum");
  CHECK(d["violation"]["event"]["index"] == 7);  // the commit: the last event on node 0 at 9us
  CHECK(d["lin"]["prefix"] == json::array({100}));
  CHECK(d["lin"]["stuck"] == json::array({101, 102}));
  CHECK(d["metrics"]["latency"]["p50_ms"] == 1.5);
}

TEST_CASE("html report: unknown roles and event kinds are shown by name, not refused", "[report]") {
  Names names;
  const std::vector<sim::TraceEvent> events{
      ev(0, EventKind::role, 0, -1, 7, 2),                      // a role this build does not know
      ev(1, static_cast<EventKind>(sim::kEventKindCount + 5), 0),  // a kind added later
      ev(2, EventKind::send, 0, 1, 2, 0, 0, 2),                 // a message kind by the trace's name
  };
  reports::ReportInput in;
  in.events = events;
  in.labels = &names;
  const json d = reports::report_data(in);
  REQUIRE(d["roles"].size() == 8);
  CHECK(d["roles"][3] == "pre-candidate");
  CHECK(d["roles"][7] == "role 7");
  CHECK(d["marks"].size() == 1);
  CHECK(d["msg_kinds"] == json::array({"Snapshot"}));
  CHECK(d["msgs"]["k"] == json::array({0}));
}

TEST_CASE("html report: the page embeds its data safely and loads nothing from outside", "[report]") {
  Names names;
  const auto events = message_events();
  reports::ReportInput in;
  in.title = "a </script><b>title";
  in.facts = {{"note", "</script><script>alert(1)</script>"}};
  in.events = events;
  in.labels = &names;
  const std::string page = reports::render_html_report(in);
  CHECK(page.find("<script>alert(1)") == std::string::npos);
  CHECK(page.find("a &lt;/script&gt;&lt;b&gt;title") != std::string::npos);
  CHECK(page.find("http://") == std::string::npos);
  CHECK(page.find("https://") == std::string::npos);
  CHECK(page.find(" src=") == std::string::npos);
  const auto begin = page.find("id=\"report-data\">");
  REQUIRE(begin != std::string::npos);
  const auto end = page.find("</script>", begin);
  const json d = json::parse(page.substr(begin + 17, end - begin - 17));
  CHECK(d["facts"][0][1] == "</script><script>alert(1)</script>");
  reports::ReportInput empty;
  empty.labels = &names;
  CHECK_THROWS_AS(reports::report_data(empty), std::invalid_argument);
}

namespace {

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Cli {
  int code = -1;
  std::string out, err;
};

Cli raftsim(const fs::path& dir, const std::string& args) {
  const std::string cmd = std::string(RAFTSIM_BINARY) + " " + args + " >" + (dir / "out.txt").string() + " 2>" +
                          (dir / "err.txt").string();
  const int status = std::system(cmd.c_str());
  return Cli{WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(dir / "out.txt"), slurp(dir / "err.txt")};
}

struct Dir {
  fs::path path = fs::temp_directory_path() / ("raftsim-report-test-" + std::to_string(::getpid()));
  Dir() { fs::create_directories(path); }
  ~Dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

}  // namespace

TEST_CASE("raftsim report: bad input exits 3 naming the file", "[report][cli]") {
  Dir dir;
  const fs::path junk = dir.path / "junk.txt";
  std::ofstream(junk) << "hello\n";
  Cli r = raftsim(dir.path, "report " + junk.string() + " -o " + (dir.path / "r.html").string());
  CHECK(r.code == 3);
  CHECK(r.err.find("junk.txt") != std::string::npos);
  CHECK(r.err.find("failure record") != std::string::npos);

  const fs::path bad_trace = dir.path / "bad.jsonl";
  std::ofstream(bad_trace) << "{\"t_us\":0,\"ev\":\"role\",\"node\":0,\"inc\":1,\"role\":\"leader\",\"term\":1}\n{\"t_us\":1,\"ev\":\"nonsense\"}\n";
  r = raftsim(dir.path, "report " + bad_trace.string() + " -o " + (dir.path / "r.html").string());
  CHECK(r.code == 3);
  CHECK(r.err.find("bad.jsonl:2") != std::string::npos);
  CHECK(r.err.find("unknown event \"nonsense\"") != std::string::npos);

  r = raftsim(dir.path, "report " + (dir.path / "missing.json").string() + " -o " + (dir.path / "r.html").string());
  CHECK(r.code == 3);
  CHECK(r.err.find("missing.json") != std::string::npos);
  CHECK_FALSE(fs::exists(dir.path / "r.html"));

  r = raftsim(dir.path, "run " + std::string(RAFTSIM_SOURCE_DIR) + "/scenarios/basic.json --seeds 1..2 --report " +
                            (dir.path / "r.html").string());
  CHECK(r.code == 3);
  CHECK(r.err.find("--report") != std::string::npos);
}

TEST_CASE("raftsim report: a trace and a run give the same page data", "[report][cli]") {
  Dir dir;
  const std::string scenario = std::string(RAFTSIM_SOURCE_DIR) + "/scenarios/basic.json";
  const fs::path trace = dir.path / "t.jsonl";
  Cli r = raftsim(dir.path, "run " + scenario + " --seed 3 --in-process --trace " + trace.string() + " --report " +
                                (dir.path / "run.html").string());
  REQUIRE(r.code == 0);
  r = raftsim(dir.path, "report " + trace.string() + " -o " + (dir.path / "trace.html").string());
  REQUIRE(r.code == 0);
  auto data = [](const std::string& page) {
    const auto begin = page.find("id=\"report-data\">") + 17;
    return json::parse(page.substr(begin, page.find("</script>", begin) - begin));
  };
  const json a = data(slurp(dir.path / "run.html"));
  const json b = data(slurp(dir.path / "trace.html"));
  CHECK(a["msgs"] == b["msgs"]);
  CHECK(a["lanes"] == b["lanes"]);
  CHECK(a["nodes"] == 5);
  CHECK(a["msgs"]["t"].size() > 100);
  // The run's report has the history's values; the temporary files are gone.
  CHECK(a["ops"].contains("key"));
  CHECK_FALSE(b["ops"].contains("key"));
  CHECK_FALSE(fs::exists(dir.path / "run.html.history.tmp"));
  CHECK_FALSE(fs::exists(dir.path / "run.html.trace.tmp"));
}

TEST_CASE("raftsim report: a failure record is run again and its violation shown", "[report][cli]") {
  Dir dir;
  // The planted bug's shrunk regression scenario (its own seed 2), without its expectation of the
  // violation (which would make the run pass and write no record): a failure however the generic
  // configuration's draws change.
  json mutant = json::parse(slurp(fs::path(RAFTSIM_SOURCE_DIR) / "scenarios/mutants/commit-prior-term.json"), nullptr,
                            true, /*ignore_comments=*/true);
  REQUIRE(mutant.erase("expect") == 1);
  const fs::path scenario = dir.path / "mutant-commit-prior-term.json";
  std::ofstream(scenario) << mutant.dump(2);
  Cli r = raftsim(dir.path, "run " + scenario.string() + " --in-process --records " + (dir.path / "records").string());
  REQUIRE(r.code == 1);
  const fs::path record = dir.path / "records" / "mutant-commit-prior-term-seed2.json";
  REQUIRE(fs::exists(record));
  r = raftsim(dir.path, "report " + record.string() + " --in-process -o " + (dir.path / "r.html").string());
  CHECK(r.code == 0);
  CHECK(r.out.find("reproduced the record") != std::string::npos);
  const std::string page = slurp(dir.path / "r.html");
  const auto begin = page.find("id=\"report-data\">") + 17;
  const json d = json::parse(page.substr(begin, page.find("</script>", begin) - begin));
  REQUIRE(d.contains("violation"));
  const std::string checker = d["violation"]["checker"];
  CHECK(r.out.find("seed 2") != std::string::npos);
  CHECK_FALSE(checker.empty());
  // The checker's own event, found by running the checkers over the trace again: on a node it names.
  REQUIRE(d["violation"].contains("event"));
  const json nodes = d["violation"]["nodes"];
  CHECK(std::find(nodes.begin(), nodes.end(), d["violation"]["event"]["node"]) != nodes.end());
  CHECK(d["violation"]["event"]["t"] == d["violation"]["t"]);
  CHECK(d["metrics"]["elections"].get<int>() > 0);
}

TEST_CASE("html report: an isolation adds its cuts and a partition of groups replaces them", "[report]") {
  Names names;
  const std::vector<sim::TraceEvent> events{
      ev(0, EventKind::role, 0, -1, 0, 1),  ev(0, EventKind::role, 4, -1, 0, 1),
      ev(5, EventKind::partition, -1, -1, 0b00001),   // isolate n0
      ev(6, EventKind::partition, -1, -1, 0b00010),   // isolate n1 as well: n0 stays cut off
      ev(8, EventKind::partition, -1, -1, 0b00111),   // groups {0,1,2} | {3,4}: replaces both
      ev(9, EventKind::heal, -1),
  };
  reports::ReportInput in;
  in.events = events;
  in.labels = &names;
  const json d = reports::report_data(in);
  REQUIRE(d["bands"].size() == 3);
  CHECK(d["bands"][0][1] == 8);
  CHECK(d["bands"][1][1] == 8);
  CHECK(d["bands"][2] == json::array({8, 9, 0, 7, 0, 0, 0, 0}));
}
