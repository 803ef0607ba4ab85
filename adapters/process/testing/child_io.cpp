#include "adapters/process/testing/child_io.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <algorithm>

#include "adapters/process/wire.h"

namespace adapters::process::testing {

namespace {

// Standard input, buffered: one read() per input frame in the common case (its length prefix and body
// arrive together).
struct InputBuffer {
  std::vector<std::uint8_t> bytes = std::vector<std::uint8_t>(64 * 1024);
  std::size_t begin = 0;
  std::size_t end = 0;
};
InputBuffer input;

// Reads exactly `n` bytes; false at end of input before the first byte, exits if it ends midway.
bool read_exactly(int fd, std::uint8_t* data, std::size_t n) {
  std::size_t got = 0;
  while (got < n) {
    if (input.begin == input.end) {
      const ssize_t r = ::read(fd, input.bytes.data(), input.bytes.size());
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) {
        if (got == 0 && r == 0) return false;
        std::fprintf(stderr, "child: standard input ended inside a frame\n");
        std::exit(3);
      }
      input.begin = 0;
      input.end = static_cast<std::size_t>(r);
    }
    const std::size_t take = std::min(n - got, input.end - input.begin);
    std::memcpy(data + got, input.bytes.data() + input.begin, take);
    input.begin += take;
    got += take;
  }
  return true;
}

}  // namespace

bool read_frame(int fd, std::vector<std::uint8_t>& body) {
  std::uint8_t prefix[wire::kLengthBytes];
  if (!read_exactly(fd, prefix, sizeof prefix)) return false;
  std::uint32_t length = 0;
  for (std::size_t i = 0; i < wire::kLengthBytes; ++i) length |= static_cast<std::uint32_t>(prefix[i]) << (8 * i);
  if (length == 0 || length > wire::kFrameBodyMax) {
    std::fprintf(stderr, "child: a frame of %u bytes\n", length);
    std::exit(3);
  }
  body.resize(length);
  if (!read_exactly(fd, body.data(), length)) {
    std::fprintf(stderr, "child: standard input ended inside a frame\n");
    std::exit(3);
  }
  return true;
}

void write_all(int fd, std::span<const std::uint8_t> bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t w = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) std::exit(4);
    done += static_cast<std::size_t>(w);
  }
}

}  // namespace adapters::process::testing
