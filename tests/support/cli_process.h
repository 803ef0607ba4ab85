// Helpers for tests that run a command-line program (raftsim, a test child) as a subprocess: a temporary
// directory, shell quoting, and running a command line with its output captured. One copy for every
// test area, so that a fix to quoting or exit-status decoding reaches all of them.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <system_error>

namespace test_support {

namespace fs = std::filesystem;

inline std::string slurp(const fs::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// One shell word, whatever the characters of `s` ('...' with every ' written as '\'').
inline std::string shell_quote(const std::string& s) {
  std::string quoted = "'";
  for (char ch : s) quoted += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
  return quoted + "'";
}

inline bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// The raftsim binary under test: $RAFTSIM_BIN if set, else the one CMake built beside the tests
// (RAFTSIM_BINARY); "" if neither.
inline std::string raftsim_binary() {
  const char* env = std::getenv("RAFTSIM_BIN");
  if (env != nullptr && *env != '\0') return env;
#ifdef RAFTSIM_BINARY
  return RAFTSIM_BINARY;
#else
  return "";
#endif
}

// A fresh directory under the system temp dir, unique to the test name and this process, removed (with
// any permissions a test took away restored first) at the end.
class TempDir {
 public:
  explicit TempDir(const std::string& name)
      : path_(fs::temp_directory_path() / ("raftsim-test-" + name + "-" + std::to_string(static_cast<long>(::getpid())))) {
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::permissions(path_, fs::perms::owner_all, fs::perm_options::add, ec);
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const fs::path& path() const { return path_; }
  fs::path operator/(const std::string& name) const { return path_ / name; }
  // Writes `text` to the file `name` in the directory; returns its path.
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(path_ / name) << text;
    return (path_ / name).string();
  }

 private:
  fs::path path_;
};

struct CommandResult {
  int exit_code = -1;  // -1 if the command did not exit normally (killed by a signal)
  std::string out;
  std::string err;
  std::string all() const { return out + err; }
};

// Runs the shell command line `command` with `dir` as the working directory and stdin from /dev/null;
// stdout and stderr are captured through files in `dir`.
inline CommandResult run_in(const TempDir& dir, const std::string& command) {
  const std::string wrapped = "cd " + shell_quote(dir.path().string()) + " && " + command +
                              " </dev/null >.test-stdout.txt 2>.test-stderr.txt";
  const int status = std::system(wrapped.c_str());
  CommandResult result;
  result.exit_code = status != -1 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.out = slurp(dir / ".test-stdout.txt");
  result.err = slurp(dir / ".test-stderr.txt");
  return result;
}

}  // namespace test_support
