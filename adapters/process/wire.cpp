#include "adapters/process/wire.h"

#include <fmt/format.h>

#include "base/assert.h"

namespace adapters::process::wire {

std::string frame_type_name(std::uint8_t type) {
  switch (type) {
    case kHello: return "HELLO";
    case kStart: return "START";
    case kStop: return "STOP";
    case kMessage: return "MESSAGE";
    case kTimer: return "TIMER";
    case kDiskDone: return "DISK_DONE";
    case kClientRequest: return "CLIENT_REQUEST";
    case kShutdown: return "SHUTDOWN";
    case kTransfer: return "TRANSFER";
    case kHelloOk: return "HELLO_OK";
    case kOutput: return "OUTPUT";
    case kError: return "ERROR";
    default: return fmt::format("type {}", type);
  }
}

Writer::Writer(std::vector<std::uint8_t>& buffer, std::uint8_t type) : buffer_(buffer) {
  buffer_.clear();
  buffer_.resize(kLengthBytes);  // patched by finish()
  buffer_.push_back(type);
}

void Writer::bytes(std::string_view v) {
  RAFTSIM_ASSERT(v.size() <= kFrameBodyMax);
  u32(static_cast<std::uint32_t>(v.size()));
  buffer_.insert(buffer_.end(), v.begin(), v.end());
}

std::span<const std::uint8_t> Writer::finish() {
  const std::size_t body = buffer_.size() - kLengthBytes;
  RAFTSIM_ASSERT_MSG(body <= kFrameBodyMax, "a frame body over 64 MiB");
  for (std::size_t i = 0; i < kLengthBytes; ++i) buffer_[i] = static_cast<std::uint8_t>(body >> (8 * i));
  return buffer_;
}

std::uint64_t Reader::get(const char* field, int width) {
  const auto w = static_cast<std::size_t>(width);
  if (remaining() < w) {
    fail(field, fmt::format("the frame ends {} byte(s) into this {}-byte field", remaining(), width));
  }
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < w; ++i) v |= static_cast<std::uint64_t>(body_[offset_ + i]) << (8 * i);
  offset_ += w;
  return v;
}

std::string_view Reader::bytes(const char* field) {
  const std::uint32_t length = u32(field);
  if (remaining() < length) {
    fail(field, fmt::format("a length of {} bytes, but only {} bytes remain in the frame", length, remaining()));
  }
  const std::string_view v(reinterpret_cast<const char*>(body_.data() + offset_), length);
  offset_ += length;
  return v;
}

std::uint32_t Reader::count(const char* field, std::size_t item_bytes_min) {
  RAFTSIM_ASSERT(item_bytes_min >= 1);
  const std::uint32_t n = u32(field);
  if (n > remaining() / item_bytes_min) {
    fail(field, fmt::format("{} items of at least {} bytes each, but only {} bytes remain in the frame", n,
                            item_bytes_min, remaining()));
  }
  return n;
}

void Reader::expect_end(const char* frame) {
  if (remaining() != 0) {
    fail(frame, fmt::format("{} unexpected byte(s) after the last field (body of {} bytes)", remaining(), body_.size()));
  }
}

void Reader::fail(const char* field, const std::string& message) const {
  throw DecodeError(fmt::format("{}: {} (at byte {} of the body)", where(field), message, offset_));
}

std::string Reader::where(const char* field) const {
  return list_ == nullptr ? std::string(field) : fmt::format("{}[{}].{}", list_, index_, field);
}

std::string hex_prefix(std::span<const std::uint8_t> data, std::size_t max_bytes) {
  std::string out;
  const std::size_t n = std::min(data.size(), max_bytes);
  for (std::size_t i = 0; i < n; ++i) out += fmt::format("{}{:02x}", i == 0 ? "" : " ", data[i]);
  if (data.size() > n) out += fmt::format(" ... ({} bytes in all)", data.size());
  if (data.empty()) out = "(nothing)";
  return out;
}

}  // namespace adapters::process::wire
