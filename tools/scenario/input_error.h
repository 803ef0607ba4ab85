// Errors in user input (scenario files, command-line values). Always name the file, the field path and
// what was expected (and, for files, the line); the command line turns them into exit code 3.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>

namespace tools {

class InputError : public std::runtime_error {
 public:
  InputError(const std::string& file, const std::string& path, const std::string& message, std::size_t line = 0)
      : std::runtime_error(render(file, path, message, line)), file_(file), path_(path), message_(message), line_(line) {}

  const std::string& file() const { return file_; }
  const std::string& path() const { return path_; }
  const std::string& message() const { return message_; }
  std::size_t line() const { return line_; }

 private:
  static std::string render(const std::string& file, const std::string& path, const std::string& message,
                            std::size_t line) {
    std::string where = line > 0 ? file + ":" + std::to_string(line) : file;
    return path.empty() ? where + ": " + message : where + ": " + path + ": " + message;
  }
  std::string file_, path_, message_;
  std::size_t line_;
};

}  // namespace tools
