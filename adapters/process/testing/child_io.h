// The child's side of the process protocol's framing: blocking reads of whole frames from standard input
// and writes of whole frames to standard output. For C++ children (the test child); other languages
// write their own from docs/protocol.md.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace adapters::process::testing {

// Reads one frame's body from `fd` (blocking; `fd` must always be the same: input is buffered). False at end of input (raftsim went away).
// Exits the process (status 3) on a frame that announces more than the protocol's maximum.
bool read_frame(int fd, std::vector<std::uint8_t>& body);
// Writes all of `bytes` to `fd` (blocking); exits the process (status 4) if that fails.
void write_all(int fd, std::span<const std::uint8_t> bytes);

}  // namespace adapters::process::testing
