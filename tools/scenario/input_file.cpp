#include "tools/scenario/input_file.h"

#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "base/assert.h"
#include "tools/scenario/input_error.h"

namespace tools {

namespace {
const char* kind_of(std::filesystem::file_type t) {
  switch (t) {
    case std::filesystem::file_type::directory: return "a directory";
    case std::filesystem::file_type::fifo: return "a FIFO (named pipe)";
    case std::filesystem::file_type::character: return "a character device";
    case std::filesystem::file_type::block: return "a block device";
    case std::filesystem::file_type::socket: return "a socket";
    default: return "not a regular file";
  }
}
}  // namespace

std::string read_input_file(const std::string& path, const std::string& what, std::uintmax_t bytes_max) {
  RAFTSIM_ASSERT(bytes_max > 0);
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);  // follows symbolic links
  if (ec || status.type() == std::filesystem::file_type::not_found) {
    throw InputError(path, "", fmt::format("cannot open {}: no such file", what));
  }
  if (status.type() != std::filesystem::file_type::regular) {
    throw InputError(path, "", fmt::format("cannot read {}: {} (expected a regular file)", what, kind_of(status.type())));
  }
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  if (!ec && size > bytes_max) {
    throw InputError(path, "", fmt::format("{} is {} bytes; at most {} are accepted", what, size, bytes_max));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path, "", fmt::format("cannot open {}", what));
  std::string text;
  char buffer[1 << 16];
  // Read at most bytes_max + 1: a file that grows while being read still cannot exceed the bound.
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    text.append(buffer, static_cast<std::size_t>(in.gcount()));
    if (text.size() > bytes_max) throw InputError(path, "", fmt::format("{} holds more than {} bytes", what, bytes_max));
  }
  if (in.bad()) throw InputError(path, "", fmt::format("cannot read {}", what));
  return text;
}

}  // namespace tools
