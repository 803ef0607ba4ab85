// Reading a user's input file (a scenario, a failure record): only a regular file, and only up to a size
// bound. A directory, a device (/dev/zero never ends) or a FIFO (blocks until a writer comes) is refused
// with an InputError saying what the path is instead.
#pragma once

#include <cstdint>
#include <string>

namespace tools {

// Scenario files and failure records are kilobytes; 16 MiB is far beyond any real one and keeps a
// mistaken path (a log, a core dump) from eating the machine.
constexpr std::uintmax_t kInputFileBytesMax = std::uintmax_t{16} << 20;

// The whole file. `what` names it in errors ("the scenario file", "the failure record").
std::string read_input_file(const std::string& path, const std::string& what,
                            std::uintmax_t bytes_max = kInputFileBytesMax);

}  // namespace tools
