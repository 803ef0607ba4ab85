// Shared by the process-protocol tests: the test child's command line, scenario runs with a process
// factory, and the check that no child process (running or zombie) is left behind.
#pragma once

#include <sys/wait.h>

#include <cerrno>
#include <string>
#include <vector>

#include "adapters/process/process_factory.h"
#include "tools/runner/runner.h"
#include "tools/scenario/scenario.h"

namespace process_test {

inline std::vector<std::string> child_command(const std::vector<std::string>& args = {}) {
  std::vector<std::string> command{RAFTSIM_PROCESS_CHILD};
  command.insert(command.end(), args.begin(), args.end());
  return command;
}

inline adapters::process::ProcessOptions child_options(const std::vector<std::string>& args = {}) {
  adapters::process::ProcessOptions o;
  o.command = child_command(args);
  return o;
}

inline tools::Scenario scenario(const std::string& name) {
  return tools::load_scenario_file(std::string(RAFTSIM_SOURCE_DIR) + "/scenarios/" + name + ".json");
}

// No child of this process exists, running or zombie: every child was reaped.
inline bool no_children_left() {
  int status = 0;
  return ::waitpid(-1, &status, WNOHANG) == -1 && errno == ECHILD;
}

inline bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace process_test
