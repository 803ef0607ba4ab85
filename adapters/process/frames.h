// The frames of the process protocol (docs/protocol.md) in terms of the simulator's host interface:
// inputs encoded from sim::Node calls, replies decoded (and checked) into sim::NodeOutput.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/process/wire.h"
#include "sim/node_host.h"

namespace adapters::process {

// A message or a disk record: bytes the child wrote, opaque to raftsim, handed back verbatim.
struct BytesPayload final : sim::Payload {
  explicit BytesPayload(std::string_view b) : bytes(b) {}
  std::string bytes;
};

// ---- inputs (each encodes a whole frame into `buffer`) ---------------------------------------------------
void encode_hello(std::vector<std::uint8_t>& buffer, std::uint32_t cluster_size, const sim::RaftTiming& timing,
                  const sim::RaftFeatures& features = {});
// Version 2: `target` -1 asks for any node.
void encode_transfer(std::vector<std::uint8_t>& buffer, sim::NodeIndex node, sim::Time now,
                     std::optional<sim::NodeIndex> target);
void encode_start(std::vector<std::uint8_t>& buffer, sim::NodeIndex node, std::uint32_t incarnation, sim::Time now,
                  std::uint64_t random_seed, std::span<const sim::PayloadPtr> records);
void encode_stop(std::vector<std::uint8_t>& buffer, sim::NodeIndex node);
void encode_message(std::vector<std::uint8_t>& buffer, sim::NodeIndex node, sim::Time now, sim::NodeIndex from,
                    std::string_view payload);
void encode_timer(std::vector<std::uint8_t>& buffer, sim::NodeIndex node, sim::Time now, std::uint16_t slot);
void encode_disk_done(std::vector<std::uint8_t>& buffer, sim::NodeIndex node, sim::Time now, std::uint64_t token);
void encode_client_request(std::vector<std::uint8_t>& buffer, sim::NodeIndex node, sim::Time now,
                           const sim::ClientRequest& request);
void encode_shutdown(std::vector<std::uint8_t>& buffer);

// One line about an input frame, for error reports: "MESSAGE to node 2 from node 1 (83-byte payload),
// local time 1200.500ms".
std::string describe_input(std::span<const std::uint8_t> frame);

// ---- replies (decoded from the body after its type byte; throw wire::DecodeError) -------------------------
struct HelloReply {
  std::uint32_t protocol_version = 0;
  std::string implementation_name;
  std::vector<std::string> message_kinds;
  std::vector<std::string> timer_slots;
};
HelloReply decode_hello_ok(wire::Reader& reader);

// What an OUTPUT is checked against: anything outside is "a field out of range".
struct OutputBounds {
  std::uint32_t cluster_size = 0;
  std::size_t message_kinds = 0;
  std::size_t timer_slots = 0;
  const std::set<std::uint64_t>* clients = nullptr;  // client ids the CLIENT_REQUESTs so far have named
};
// Appends the OUTPUT's contents to `out`; returns its `tasks` field.
std::int64_t decode_output(wire::Reader& reader, const OutputBounds& bounds, sim::NodeOutput& out);

std::string decode_error(wire::Reader& reader);

}  // namespace adapters::process
