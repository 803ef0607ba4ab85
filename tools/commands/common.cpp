#include "tools/commands/common.h"

#include <algorithm>
#include <filesystem>
#include <sstream>
#include <iostream>

#include <fmt/format.h>
#include <unistd.h>

#include "tools/runner/atomic_file.h"
#include "tools/scenario/input_error.h"

namespace commands {

// Files as given; directories expand to the *.json files in them and in their subdirectories, sorted by path.
std::vector<std::string> expand_paths(const std::vector<std::string>& paths) {
  std::vector<std::string> out;
  for (const auto& p : paths) {
    std::error_code ec;
    if (std::filesystem::is_directory(p, ec)) {
      std::vector<std::string> found;
      for (const auto& entry : std::filesystem::recursive_directory_iterator(p)) {
        if (entry.is_regular_file() && entry.path().extension() == ".json") found.push_back(entry.path().string());
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

// The progress line shows on a terminal only (never in CI logs or pipes), rewritten in place on stderr.
std::vector<tools::RunResult> run_seeds_with_progress(const tools::Scenario& scenario, const std::vector<std::uint64_t>& seeds,
                                                      unsigned jobs, const tools::Isolation& isolation,
                                                      const std::function<void(const tools::RunResult&)>& on_done) {
  const bool terminal = isatty(STDERR_FILENO) != 0;
  std::size_t done = 0, failed = 0;  // on_done calls come one at a time
  return tools::run_seeds(scenario, seeds, jobs, [&](const tools::RunResult& r) {
    if (on_done) on_done(r);
    if (!terminal) return;
    ++done;
    failed += r.verdict != tools::Outcome::pass ? 1 : 0;
    if (done % 16 != 0 && done != seeds.size()) return;
    std::cerr << fmt::format("\r{}: {}/{} seeds, {} failed ", scenario.name, done, seeds.size(), failed)
              << (done == seeds.size() ? "\r\033[K" : "") << std::flush;
  }, isolation);
}

void write_file(const std::string& path, const std::function<void(std::ostream&)>& write) {
  std::ostringstream out;
  write(out);
  tools::write_file_atomically(path, out.str());
}

}  // namespace commands
