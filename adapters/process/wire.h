// The byte level of the process protocol (docs/protocol.md): frame types, and a writer and a reader for
// little-endian fixed-width fields. Shared by the host (raftsim) and the C++ test child, so that both
// sides of the wire are written once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace adapters::process::wire {

inline constexpr std::uint32_t kProtocolVersion = 1;
// Version 2 (docs/protocol.md): HELLO ends with `u32 features` (sim::feature_bits), and the TRANSFER input
// exists. raftsim sends a version-2 HELLO only when a feature is on, so version-1 children keep working
// for every scenario that does not ask for one (and refuse, by version, those that do).
inline constexpr std::uint32_t kProtocolVersionFeatures = 2;
inline constexpr std::uint32_t kFrameBodyMax = 64u << 20;  // 64 MiB
inline constexpr std::size_t kLengthBytes = 4;

enum FrameType : std::uint8_t {
  // raftsim -> child
  kHello = 1,
  kStart = 2,
  kStop = 3,
  kMessage = 4,
  kTimer = 5,
  kDiskDone = 6,
  kClientRequest = 7,
  kShutdown = 8,
  kTransfer = 9,  // version 2: leadership transfer (thesis 3.10)
  // child -> raftsim
  kHelloOk = 129,
  kOutput = 130,
  kError = 131,
};

// "MESSAGE", "OUTPUT", ...; "type 77" for a type the protocol does not have.
std::string frame_type_name(std::uint8_t type);

// A frame body that cannot be read: what was wrong and where (the field, the byte offset in the body).
class DecodeError : public std::runtime_error {
 public:
  explicit DecodeError(const std::string& what) : std::runtime_error(what) {}
};

// Builds one frame (length prefix and body) into a reusable buffer.
class Writer {
 public:
  // Starts a frame of `type`; the buffer's previous content is discarded (its capacity is kept).
  Writer(std::vector<std::uint8_t>& buffer, std::uint8_t type);

  void u8(std::uint8_t v) { buffer_.push_back(v); }
  void u16(std::uint16_t v) { put(v, 2); }
  void u32(std::uint32_t v) { put(v, 4); }
  void u64(std::uint64_t v) { put(v, 8); }
  void i32(std::int32_t v) { put(static_cast<std::uint32_t>(v), 4); }
  void i64(std::int64_t v) { put(static_cast<std::uint64_t>(v), 8); }
  void bytes(std::string_view v);
  void str(std::string_view v) { bytes(v); }
  // Writes the body length into the prefix; returns the whole frame.
  std::span<const std::uint8_t> finish();

 private:
  void put(std::uint64_t v, int width) {
    for (int i = 0; i < width; ++i) buffer_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  std::vector<std::uint8_t>& buffer_;
};

// Reads the fields of one frame body in order. Every read names its field; a read past the end throws
// DecodeError naming the field, the list item being read (see item()) and the offset.
class Reader {
 public:
  explicit Reader(std::span<const std::uint8_t> body) : body_(body) {}

  std::uint8_t u8(const char* field) { return static_cast<std::uint8_t>(get(field, 1)); }
  std::uint16_t u16(const char* field) { return static_cast<std::uint16_t>(get(field, 2)); }
  std::uint32_t u32(const char* field) { return static_cast<std::uint32_t>(get(field, 4)); }
  std::uint64_t u64(const char* field) { return get(field, 8); }
  std::int32_t i32(const char* field) { return static_cast<std::int32_t>(static_cast<std::uint32_t>(get(field, 4))); }
  std::int64_t i64(const char* field) { return static_cast<std::int64_t>(get(field, 8)); }
  std::string_view bytes(const char* field);
  std::string_view str(const char* field) { return bytes(field); }
  // A list's count, checked against what the rest of the body could hold (each item >= item_bytes_min).
  std::uint32_t count(const char* field, std::size_t item_bytes_min);

  // Names the list item that later reads belong to, for error messages ("sends[3].payload").
  void item(const char* list, std::size_t index) {
    list_ = list;
    index_ = index;
  }
  void end_items() { list_ = nullptr; }

  std::size_t offset() const { return offset_; }
  std::size_t remaining() const { return body_.size() - offset_; }
  // Throws unless the whole body was read (version 1 has no trailing fields).
  void expect_end(const char* frame);
  // Throws DecodeError "FIELD: MESSAGE (at byte N)".
  [[noreturn]] void fail(const char* field, const std::string& message) const;

 private:
  std::uint64_t get(const char* field, int width);
  std::string where(const char* field) const;

  std::span<const std::uint8_t> body_;
  std::size_t offset_ = 0;
  const char* list_ = nullptr;
  std::size_t index_ = 0;
};

// "82 00 00 00 01 ..." : the first `max_bytes` bytes of `data`, for error messages.
std::string hex_prefix(std::span<const std::uint8_t> data, std::size_t max_bytes = 32);

}  // namespace adapters::process::wire
