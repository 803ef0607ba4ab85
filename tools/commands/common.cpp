#include "tools/commands/common.h"

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <thread>

#include <fmt/format.h>
#include <unistd.h>

#include "tools/lib/input_error.h"

namespace commands {

// Files as given; directories expand to their *.json files, sorted by name.
std::vector<std::string> expand_paths(const std::vector<std::string>& paths) {
  std::vector<std::string> out;
  for (const auto& p : paths) {
    std::error_code ec;
    if (std::filesystem::is_directory(p, ec)) {
      std::vector<std::string> found;
      for (const auto& entry : std::filesystem::directory_iterator(p)) {
        if (entry.path().extension() == ".json") found.push_back(entry.path().string());
      }
      std::sort(found.begin(), found.end());
      if (found.empty()) throw tools::InputError(p, "", "the directory holds no .json scenario files");
      out.insert(out.end(), found.begin(), found.end());
    } else {
      out.push_back(p);
    }
  }
  return out;
}

// --disable-checker on top of the scenario's own checkers.disable.
void add_disabled_checkers(tools::Scenario& s, const std::vector<std::string>& names) {
  for (const auto& n : names) {
    if (std::find(s.disabled_checkers.begin(), s.disabled_checkers.end(), n) == s.disabled_checkers.end()) {
      s.disabled_checkers.push_back(n);
    }
  }
}

// Runs seeds on `jobs` threads. Each simulation is single-threaded and shares nothing with the others.
std::vector<tools::RunResult> run_seeds(const tools::Scenario& scenario, const std::vector<std::uint64_t>& seeds,
                                        unsigned jobs) {
  std::vector<tools::RunResult> results(seeds.size());
  std::atomic<std::size_t> next{0};
  std::atomic<std::size_t> done{0};
  std::atomic<std::size_t> failed{0};
  // A progress line on a terminal only (never in CI logs or pipes), rewritten in place on stderr.
  const bool progress = isatty(STDERR_FILENO) != 0;
  std::mutex print;
  auto worker = [&] {
    for (std::size_t i = next++; i < seeds.size(); i = next++) {
      results[i] = tools::run_scenario(scenario, seeds[i]);
      failed += results[i].verdict != tools::Outcome::pass;
      const std::size_t d = ++done;
      if (progress && (d % 16 == 0 || d == seeds.size())) {
        std::lock_guard<std::mutex> lock(print);
        std::cerr << fmt::format("\r{}: {}/{} seeds, {} failed ", scenario.name, d, seeds.size(), failed.load())
                  << (d == seeds.size() ? "\r\033[K" : "") << std::flush;
      }
    }
  };
  std::vector<std::thread> threads;
  for (unsigned j = 1; j < std::min<std::size_t>(jobs, seeds.size()); ++j) threads.emplace_back(worker);
  worker();
  for (auto& t : threads) t.join();
  return results;
}

void write_file(const std::string& path, const std::function<void(std::ostream&)>& write) {
  std::ofstream out(path);
  if (!out) throw tools::InputError("command line", path, "cannot open the file for writing");
  write(out);
}

}  // namespace commands
