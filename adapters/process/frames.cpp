#include "adapters/process/frames.h"

#include <fmt/format.h>

#include "base/assert.h"

namespace adapters::process {

using wire::Reader;
using wire::Writer;

void encode_hello(std::vector<std::uint8_t>& buffer, std::uint32_t cluster_size, const sim::RaftTiming& timing,
                  const sim::RaftFeatures& features) {
  const std::uint16_t bits = sim::feature_bits(features);
  Writer w(buffer, wire::kHello);
  // Version 1 unless a feature is on: children that predate version 2 see the same bytes as before.
  w.u32(bits == 0 ? wire::kProtocolVersion : wire::kProtocolVersionFeatures);
  w.u32(cluster_size);
  w.i64(timing.election_timeout_min.us);
  w.i64(timing.election_timeout_max.us);
  w.i64(timing.heartbeat_interval.us);
  w.u32(timing.max_entries_per_append);
  if (bits != 0) w.u32(bits);
  w.finish();
}

void encode_transfer(std::vector<std::uint8_t>& buffer, sim::NodeIndex node, sim::Time now,
                     std::optional<sim::NodeIndex> target) {
  // A target equal to `node` (the leader itself) is allowed: the child ignores it, as the reference Raft does.
  Writer w(buffer, wire::kTransfer);
  w.u32(node);
  w.i64(now.us);
  w.i32(target ? static_cast<std::int32_t>(*target) : -1);
  w.finish();
}

void encode_start(std::vector<std::uint8_t>& buffer, sim::NodeIndex node, std::uint32_t incarnation, sim::Time now,
                  std::uint64_t random_seed, std::span<const sim::PayloadPtr> records) {
  Writer w(buffer, wire::kStart);
  w.u32(node);
  w.u32(incarnation);
  w.i64(now.us);
  w.u64(random_seed);
  w.u32(static_cast<std::uint32_t>(records.size()));
  for (const sim::PayloadPtr& r : records) {
    const auto* record = dynamic_cast<const BytesPayload*>(r.get());
    RAFTSIM_ASSERT_MSG(record != nullptr, "a disk record that this process adapter did not write");
    w.bytes(record->bytes);
  }
  w.finish();
}

void encode_stop(std::vector<std::uint8_t>& buffer, sim::NodeIndex node) {
  Writer w(buffer, wire::kStop);
  w.u32(node);
  w.finish();
}

void encode_message(std::vector<std::uint8_t>& buffer, sim::NodeIndex node, sim::Time now, sim::NodeIndex from,
                    std::string_view payload) {
  Writer w(buffer, wire::kMessage);
  w.u32(node);
  w.i64(now.us);
  w.u32(from);
  w.bytes(payload);
  w.finish();
}

void encode_timer(std::vector<std::uint8_t>& buffer, sim::NodeIndex node, sim::Time now, std::uint16_t slot) {
  Writer w(buffer, wire::kTimer);
  w.u32(node);
  w.i64(now.us);
  w.u16(slot);
  w.finish();
}

void encode_disk_done(std::vector<std::uint8_t>& buffer, sim::NodeIndex node, sim::Time now, std::uint64_t token) {
  Writer w(buffer, wire::kDiskDone);
  w.u32(node);
  w.i64(now.us);
  w.u64(token);
  w.finish();
}

void encode_client_request(std::vector<std::uint8_t>& buffer, sim::NodeIndex node, sim::Time now,
                           const sim::ClientRequest& request) {
  Writer w(buffer, wire::kClientRequest);
  w.u32(node);
  w.i64(now.us);
  w.u64(request.client_id);
  w.u64(request.request_id);
  w.u8(static_cast<std::uint8_t>(request.op));
  w.str(request.key);
  w.str(request.value);
  w.str(request.expected);
  w.finish();
}

void encode_shutdown(std::vector<std::uint8_t>& buffer) {
  Writer w(buffer, wire::kShutdown);
  w.finish();
}

std::string describe_input(std::span<const std::uint8_t> frame) {
  RAFTSIM_ASSERT(frame.size() > wire::kLengthBytes);
  Reader r(frame.subspan(wire::kLengthBytes));
  const std::uint8_t type = r.u8("type");
  const std::string name = wire::frame_type_name(type);
  // Our own frames: they always decode.
  if (type == wire::kHello) {
    r.u32("protocol_version");
    const std::uint32_t nodes = r.u32("cluster_size");
    return fmt::format("{} (protocol version {}, {} nodes)", name, wire::kProtocolVersion, nodes);
  }
  if (type == wire::kShutdown) return name;
  const std::uint32_t node = r.u32("node");
  if (type == wire::kStop) return fmt::format("{} of node {}", name, node);
  if (type == wire::kStart) {
    const std::uint32_t incarnation = r.u32("incarnation");
    const std::int64_t now = r.i64("now_us");
    r.u64("random_seed");
    const std::uint32_t records = r.u32("record_count");
    return fmt::format("{} of node {} (incarnation {}, {} durable records), local time {:.3f}ms", name, node,
                       incarnation, records, static_cast<double>(now) / 1000.0);
  }
  const double now_ms = static_cast<double>(r.i64("now_us")) / 1000.0;
  switch (type) {
    case wire::kMessage: {
      const std::uint32_t from = r.u32("from");
      const std::size_t bytes = r.bytes("payload").size();
      return fmt::format("{} to node {} from node {} ({}-byte payload), local time {:.3f}ms", name, node, from, bytes,
                         now_ms);
    }
    case wire::kTimer:
      return fmt::format("{} {} of node {}, local time {:.3f}ms", name, r.u16("slot"), node, now_ms);
    case wire::kDiskDone:
      return fmt::format("{} of write {} to node {}, local time {:.3f}ms", name, r.u64("token"), node, now_ms);
    case wire::kClientRequest: {
      const std::uint64_t client = r.u64("client_id");
      const std::uint64_t request = r.u64("request_id");
      const std::uint8_t op = r.u8("op");
      const std::string_view key = r.str("key");
      return fmt::format("{} to node {} (client {}, request {}, {} '{}'), local time {:.3f}ms", name, node, client,
                         request, sim::client_op_name(op), key, now_ms);
    }
    default: break;
  }
  RAFTSIM_ASSERT_MSG(false, "describe_input: not an input frame");
  return name;
}

HelloReply decode_hello_ok(Reader& r) {
  HelloReply h;
  h.protocol_version = r.u32("protocol_version");
  if (h.protocol_version != wire::kProtocolVersion && h.protocol_version != wire::kProtocolVersionFeatures) {
    r.fail("protocol_version", fmt::format("version {} is not one raftsim speaks (it speaks {} and {})", h.protocol_version,
                                           wire::kProtocolVersion, wire::kProtocolVersionFeatures));
  }
  h.implementation_name = std::string(r.str("implementation_name"));
  const std::uint32_t kinds = r.count("message_kind_count", 4);
  for (std::uint32_t i = 0; i < kinds; ++i) {
    r.item("message_kinds", i);
    h.message_kinds.emplace_back(r.str("name"));
  }
  r.end_items();
  const std::uint32_t slots = r.count("timer_slot_count", 4);
  for (std::uint32_t i = 0; i < slots; ++i) {
    r.item("timer_slots", i);
    h.timer_slots.emplace_back(r.str("name"));
  }
  r.end_items();
  r.expect_end("HELLO_OK");
  return h;
}

namespace {

bool is_observation(std::uint8_t kind) {
  const auto k = static_cast<sim::EventKind>(kind);
  // Version 2 adds the leadership transfer observations (trace format 3).
  return (k >= sim::EventKind::role && k <= sim::EventKind::apply) || k == sim::EventKind::impl_error ||
         k == sim::EventKind::transfer_start || k == sim::EventKind::transfer_abandoned;
}

}  // namespace

std::int64_t decode_output(Reader& r, const OutputBounds& bounds, sim::NodeOutput& out) {
  RAFTSIM_ASSERT(bounds.clients != nullptr);
  const std::uint32_t sends = r.count("send_count", 34);
  for (std::uint32_t i = 0; i < sends; ++i) {
    r.item("sends", i);
    sim::OutgoingMessage m;
    m.to = r.u32("to");
    if (m.to >= bounds.cluster_size) r.fail("to", fmt::format("node {} is not in the cluster of {}", m.to, bounds.cluster_size));
    m.summary.kind = r.u16("kind");
    if (m.summary.kind >= bounds.message_kinds) {
      r.fail("kind", fmt::format("message kind {}, but HELLO_OK named {}", m.summary.kind, bounds.message_kinds));
    }
    m.summary.term = r.u64("term");
    m.summary.a = r.u64("a");
    m.summary.b = r.u64("b");
    m.payload = std::make_shared<BytesPayload>(r.bytes("payload"));
    out.sends.push_back(std::move(m));
  }
  const std::uint32_t writes = r.count("disk_write_count", 16);
  for (std::uint32_t i = 0; i < writes; ++i) {
    r.item("disk_writes", i);
    sim::DiskWrite w;
    w.token = r.u64("token");
    w.size_bytes = r.u32("size_bytes");
    w.record = std::make_shared<BytesPayload>(r.bytes("record"));
    out.disk_writes.push_back(std::move(w));
  }
  const std::uint32_t timers = r.count("timer_count", 18);
  for (std::uint32_t i = 0; i < timers; ++i) {
    r.item("timers", i);
    sim::TimerRequest t;
    t.slot = r.u16("slot");
    if (t.slot >= bounds.timer_slots) {
      r.fail("slot", fmt::format("timer slot {}, but HELLO_OK named {}", t.slot, bounds.timer_slots));
    }
    t.delay_min = sim::Duration::micros(r.i64("delay_min_us"));
    t.delay_max = sim::Duration::micros(r.i64("delay_max_us"));
    if (t.delay_min.us < 0) r.fail("delay_min_us", fmt::format("{} is negative", t.delay_min.us));
    if (t.delay_max < t.delay_min) {
      r.fail("delay_max_us", fmt::format("{} is below delay_min_us ({})", t.delay_max.us, t.delay_min.us));
    }
    out.timers.push_back(t);
  }
  const std::uint32_t replies = r.count("reply_count", 42);
  for (std::uint32_t i = 0; i < replies; ++i) {
    r.item("replies", i);
    sim::ClientReply c;
    c.client_id = r.u64("client_id");
    if (bounds.clients->count(c.client_id) == 0) {
      r.fail("client_id", fmt::format("client {} has sent no request", c.client_id));
    }
    c.request_id = r.u64("request_id");
    const std::uint8_t status = r.u8("status");
    if (status > 2) r.fail("status", fmt::format("{} is none of 0 (ok), 1 (rejected), 2 (unknown)", status));
    c.status = static_cast<sim::ReplyStatus>(status);
    const std::int32_t hint = r.i32("leader_hint");
    if (hint < -1 || hint >= static_cast<std::int64_t>(bounds.cluster_size)) {
      r.fail("leader_hint", fmt::format("{} is neither -1 nor a node of the cluster of {}", hint, bounds.cluster_size));
    }
    if (hint >= 0) c.leader_hint = static_cast<sim::NodeIndex>(hint);
    c.value = std::string(r.str("value"));
    const std::uint8_t cas = r.u8("cas_succeeded");
    if (cas > 1) r.fail("cas_succeeded", fmt::format("{} is neither 0 nor 1", cas));
    c.cas_succeeded = cas == 1;
    c.log_index = r.u64("log_index");
    c.log_term = r.u64("log_term");
    out.replies.push_back(std::move(c));
  }
  const std::uint32_t observations = r.count("observation_count", 25);
  for (std::uint32_t i = 0; i < observations; ++i) {
    r.item("observations", i);
    const std::uint8_t kind = r.u8("kind");
    if (!is_observation(kind)) {
      r.fail("kind", fmt::format("{} is not an observation (18-23, 36, 48 or 49)", kind));
    }
    sim::Observation o;
    o.kind = static_cast<sim::EventKind>(kind);
    o.a = r.u64("a");
    o.b = r.u64("b");
    o.c = r.u64("c");
    if (o.kind == sim::EventKind::role && o.a > 3) r.fail("a", fmt::format("role {} is none of 0, 1, 2, 3", o.a));
    out.observations.push_back(o);
  }
  r.end_items();
  const std::int64_t tasks = r.i64("tasks");
  if (tasks < -1) r.fail("tasks", fmt::format("{} is neither -1 nor a count", tasks));
  r.expect_end("OUTPUT");
  return tasks;
}

std::string decode_error(Reader& r) {
  std::string message(r.str("message"));
  r.expect_end("ERROR");
  return message;
}

}  // namespace adapters::process
