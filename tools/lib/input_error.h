// Errors in user input (scenario files, command-line values). Always name the file, the field path and
// what was expected; the command line turns them into exit code 3.
#pragma once

#include <stdexcept>
#include <string>

namespace tools {

class InputError : public std::runtime_error {
 public:
  InputError(const std::string& file, const std::string& path, const std::string& message)
      : std::runtime_error(path.empty() ? file + ": " + message : file + ": " + path + ": " + message) {}
};

}  // namespace tools
