#include "tools/fuzz/fuzz.h"

#include <chrono>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/assert.h"
#include "tools/runner/atomic_file.h"
#include "tools/runner/failure_record.h"
#include "tools/runner/interrupt.h"
#include "tools/scenario/input_error.h"
#include "tools/runner/run_report.h"
#include "tools/runner/runner.h"

namespace tools {

namespace {

std::string state_path(const FuzzOptions& o) { return o.out_dir + "/fuzz-state.json"; }

void save_state(const Scenario& s, const FuzzOptions& o, const FuzzReport& r) {
  nlohmann::ordered_json j;
  j["format"] = "raftsim-fuzz-1";
  j["scenario"] = s.file;
  j["bugs"] = s.bugs;
  j["impl"] = s.impl;
  if (!s.command.empty()) j["command"] = s.command;
  j["next_seed"] = r.next_seed;
  j["seeds_run"] = r.seeds_run;
  j["findings"] = nlohmann::ordered_json::array();
  for (const auto& f : r.findings) {
    j["findings"].push_back({{"signature", f.signature}, {"first_seed", f.first_seed}, {"count", f.count},
                             {"record", f.record}, {"summary", f.summary}});
  }
  std::filesystem::create_directories(o.out_dir);
  // Atomic and checked: a full disk leaves the previous state intact and stops the fuzz with an error.
  write_file_atomically(state_path(o), j.dump(2) + "\n");
}

FuzzReport load_state(const Scenario& s, const FuzzOptions& o) {
  const std::string path = state_path(o);
  std::ifstream in(path);
  if (!in) throw InputError(path, "", "cannot resume: no fuzz state here (run without --resume first)");
  FuzzReport r;
  try {
    const nlohmann::json j = nlohmann::json::parse(in);
    if (j.at("format") != "raftsim-fuzz-1") throw InputError(path, "format", "not a raftsim fuzz state");
    if (j.at("scenario") != s.file || j.at("bugs").get<std::vector<std::string>>() != s.bugs) {
      throw InputError(path, "scenario", fmt::format("was fuzzing {} (bugs {}), not {}", j.at("scenario").dump(),
                                                     j.at("bugs").dump(), s.file));
    }
    if (j.value("impl", std::string("reference")) != s.impl ||
        j.value("command", std::vector<std::string>{}) != s.command) {
      throw InputError(path, "impl", fmt::format("was fuzzing implementation {} (command {}), not {}",
                                                 j.value("impl", std::string("reference")),
                                                 j.value("command", nlohmann::json::array()).dump(), s.impl));
    }
    r.next_seed = j.at("next_seed").get<std::uint64_t>();
    r.seeds_run = j.at("seeds_run").get<std::uint64_t>();
    for (const auto& f : j.at("findings")) {
      r.findings.push_back(FuzzFinding{f.at("signature"), f.at("first_seed"), f.at("count"), f.at("record"), f.at("summary")});
    }
  } catch (const nlohmann::json::exception& e) {
    throw InputError(path, "", std::string("malformed fuzz state: ") + e.what());
  }
  return r;
}

}  // namespace

namespace {

// The message with every number (and hexadecimal digest) replaced by '#'.
std::string blank_numbers(const std::string& text) {
  std::string blanked;
  bool in_number = false;
  for (char c : text) {
    const bool digit = c >= '0' && c <= '9';
    const bool hex_tail = in_number && ((c >= 'a' && c <= 'f') || c == '.' || c == 'x');
    if (digit && !in_number) blanked += '#';
    if (!digit && !hex_tail) blanked += c;
    in_number = digit || hex_tail;
  }
  return blanked;
}

// What a crash report names: its kind (the signal, the CPU limit, an exception) and where it asserted.
std::string crash_rule(const std::string& message) {
  std::string kind = "crash";
  for (const char* k : {"SIGABRT", "SIGSEGV", "SIGBUS", "SIGFPE", "SIGILL", "SIGKILL"}) {
    if (message.find(k) != std::string::npos) kind = k;
  }
  if (message.find("CPU limit") != std::string::npos) kind = "CPU limit";
  if (message.find("blocked") != std::string::npos) kind = "blocked";
  if (message.find("threw") != std::string::npos) kind = "exception";
  // An assertion's "(file.cpp:LINE)": the place, not its text, identifies the bug.
  const std::size_t close = message.rfind(')');
  const std::size_t open = close == std::string::npos ? std::string::npos : message.rfind('(', close);
  if (open != std::string::npos) {
    const std::string inside = message.substr(open + 1, close - open - 1);
    const std::size_t colon = inside.rfind(':');
    if (colon != std::string::npos && colon + 1 < inside.size() &&
        inside.find_first_not_of("0123456789", colon + 1) == std::string::npos) {
      return kind + " at " + inside;
    }
  }
  return kind;
}

}  // namespace

std::string failure_rule(const std::string& checker, const std::string& message) {
  const std::string first = message.substr(0, message.find('\n'));
  if (checker == kImplementationError) return crash_rule(message);
  // The Raft paper's section a checker cites at the end, e.g. "(5.4.2, Figure 8)", names the rule broken.
  const std::size_t close = first.rfind(')');
  const std::size_t open = close == std::string::npos ? std::string::npos : first.rfind('(', close);
  if (open != std::string::npos && close == first.find_last_not_of(" .") ) {
    const std::string inside = first.substr(open + 1, close - open - 1);
    if (!inside.empty() && ((inside[0] >= '0' && inside[0] <= '9') || inside.rfind("Figure", 0) == 0)) return "section " + inside;
  }
  // Else the message's first clause, numbers blanked: its shape, not the values or the explanation after it.
  return blank_numbers(first.substr(0, first.find_first_of(":;,")));
}

std::string failure_signature(const std::string& verdict, const std::string& checker, const std::string& message) {
  return verdict + " | " + (checker.empty() ? std::string("expectation") : checker) + " | " + failure_rule(checker, message);
}

std::string failure_signature(const RunResult& r) {
  // An unknown history verdict is a finding of its own kind (verdict "unknown"): not a bug in the Raft
  // under test as far as anyone knows, but a seed whose history the checker could not decide, worth a
  // record of its own (the checker's limits are what it shows), never a pass and never a violation.
  const char* verdict = outcome_code(r.verdict);
  if (r.verdict == Outcome::unknown) {
    const std::size_t colon = r.linearizability.find(": ");
    return failure_signature(verdict, "linearizability",
                             colon == std::string::npos ? r.linearizability : r.linearizability.substr(colon + 2));
  }
  // An unmet expectation is described by its note; a violation by its own message (without the checker's
  // name that failure_summary puts in front).
  if (!r.verdict_note.empty()) return failure_signature(verdict, "", r.verdict_note);
  return failure_signature(verdict, r.violation ? r.violation->checker : "", r.violation ? r.violation->message : "");
}

FuzzReport fuzz(const Scenario& scenario, const FuzzOptions& o, const std::function<void(const std::string&)>& progress) {
  RAFTSIM_ASSERT(o.jobs >= 1);
  RAFTSIM_ASSERT(o.seeds_max > 0 || o.time_budget_seconds > 0);
  FuzzReport report = o.resume ? load_state(scenario, o) : FuzzReport{};
  check_writable_dir(o.out_dir, "--out");  // before the first seed, not after it found something
  if (!o.resume) report.next_seed = o.first_seed;
  const auto start = std::chrono::steady_clock::now();
  const std::uint64_t seeds_at_start = report.seeds_run;
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
  const std::size_t batch = o.jobs * 8;  // seeds per round; state is saved after each
  while ((o.seeds_max == 0 || report.seeds_run - seeds_at_start < o.seeds_max) &&
         (o.time_budget_seconds <= 0 || elapsed() < o.time_budget_seconds)) {
    std::size_t n = batch;
    if (o.seeds_max != 0) n = std::min<std::uint64_t>(n, o.seeds_max - (report.seeds_run - seeds_at_start));
    std::vector<std::uint64_t> seeds(n);
    for (std::size_t i = 0; i < n; ++i) seeds[i] = report.next_seed + i;
    std::vector<RunResult> results = run_seeds(scenario, seeds, o.jobs, {}, o.isolation);
    // After an interrupt only the seeds before the first unfinished one count, so that the state stays
    // "every seed below next_seed ran"; the others run again on --resume.
    std::size_t counted = 0;
    while (counted < results.size() && results[counted].seed == seeds[counted]) ++counted;
    if (counted < n) {
      report.interrupted = fmt::format("seeds {}..{} of the last round did not finish or were not counted; --resume runs them",
                                       seeds[counted], seeds[n - 1]);
    }
    results.resize(counted);
    for (const RunResult& r : results) {
      if (r.verdict == Outcome::pass) continue;
      const reports::SeedResult sr = to_seed_result(scenario, r);
      const std::string sig = failure_signature(r);
      auto it = std::find_if(report.findings.begin(), report.findings.end(), [&](const FuzzFinding& f) { return f.signature == sig; });
      if (it != report.findings.end()) {
        ++it->count;
        continue;
      }
      const std::string record = write_failure_record(o.out_dir, scenario, r);
      report.findings.push_back(FuzzFinding{sig, r.seed, 1, record, sr.message.substr(0, sr.message.find('\n'))});
      if (progress) progress(fmt::format("new failure #{} at seed {}: {}\n    record: {}", report.findings.size(), r.seed, sig, record));
    }
    report.next_seed += counted;
    report.seeds_run += counted;
    // Read once: an interrupt that lands while the state is being saved must not stop the loop without
    // a word (it did: the message was decided before the fsync, the stop after it). One landing later is
    // seen by the next round, which then reports its seeds as not counted.
    const bool stop = counted < n || interrupt_count() > 0;
    if (counted == n && stop) {
      // Interrupted between rounds: nothing was lost, but say that the campaign stopped early.
      report.interrupted = fmt::format("stopped after seed {}; --resume goes on from seed {}", report.next_seed - 1,
                                       report.next_seed);
    }
    save_state(scenario, o, report);
    if (stop) break;
  }
  report.wall_seconds = elapsed();
  return report;
}

}  // namespace tools
