// The byte level of the process protocol: fields round-trip, a short or over-long body is refused naming
// the field, and the test child's encoding of the reference Raft's messages and disk records round-trips.
#include <catch2/catch.hpp>

#include <set>

#include "adapters/process/frames.h"
#include "adapters/process/testing/raft_codec.h"
#include "adapters/process/wire.h"

namespace wire = adapters::process::wire;
using adapters::process::testing::decode_envelope;
using adapters::process::testing::decode_record;
using adapters::process::testing::encode_envelope;
using adapters::process::testing::encode_record;

namespace {

std::span<const std::uint8_t> body_of(std::span<const std::uint8_t> frame) { return frame.subspan(wire::kLengthBytes); }

raft::Entry entry(std::uint64_t term, const char* key, const char* value) {
  raft::Command c;
  c.op = raft::OpKind::cas;
  c.key = key;
  c.value = value;
  c.expected = "old";
  c.client_id = 7;
  c.request_id = 99;
  return raft::Entry(raft::Term(term), std::move(c));
}

}  // namespace

TEST_CASE("wire: every field width round-trips, little-endian, with the length prefix patched") {
  std::vector<std::uint8_t> buffer;
  wire::Writer w(buffer, wire::kOutput);
  w.u8(0xab);
  w.u16(0x1234);
  w.u32(0xdeadbeef);
  w.u64(0x0102030405060708ULL);
  w.i32(-2);
  w.i64(-3);
  w.bytes(std::string("h\0i", 3));
  const auto frame = w.finish();
  REQUIRE(frame.size() == 4 + 1 + 1 + 2 + 4 + 8 + 4 + 8 + 4 + 3);
  CHECK(frame[0] == frame.size() - 4);  // body length, little-endian
  CHECK(frame[5] == 0xab);
  CHECK(frame[6] == 0x34);  // u16 low byte first
  wire::Reader r(body_of(frame));
  CHECK(r.u8("type") == wire::kOutput);
  CHECK(r.u8("a") == 0xab);
  CHECK(r.u16("b") == 0x1234);
  CHECK(r.u32("c") == 0xdeadbeef);
  CHECK(r.u64("d") == 0x0102030405060708ULL);
  CHECK(r.i32("e") == -2);
  CHECK(r.i64("f") == -3);
  CHECK(r.bytes("g") == std::string_view("h\0i", 3));
  CHECK_NOTHROW(r.expect_end("test"));
}

TEST_CASE("wire: a body that ends early or goes on too long is refused, naming the field and the list item") {
  const std::uint8_t short_body[] = {wire::kOutput, 1, 0, 0};
  wire::Reader r(short_body);
  r.u8("type");
  CHECK_THROWS_WITH(r.u32("send_count"), Catch::Contains("send_count: the frame ends 3 byte(s) into this 4-byte field"));

  const std::uint8_t long_bytes[] = {9, 0, 0, 0, 'x'};
  wire::Reader b(long_bytes);
  b.item("sends", 2);
  CHECK_THROWS_WITH(b.bytes("payload"), Catch::Contains("sends[2].payload: a length of 9 bytes, but only 1 bytes remain"));

  const std::uint8_t many[] = {0xff, 0xff, 0xff, 0xff};
  wire::Reader c(many);
  CHECK_THROWS_WITH(c.count("reply_count", 42), Catch::Contains("4294967295 items of at least 42 bytes"));

  const std::uint8_t extra[] = {1, 2};
  wire::Reader d(extra);
  d.u8("x");
  CHECK_THROWS_WITH(d.expect_end("OUTPUT"), Catch::Contains("OUTPUT: 1 unexpected byte(s) after the last field"));

  CHECK(wire::hex_prefix(std::vector<std::uint8_t>{0x82, 0x00, 0x0a}) == "82 00 0a");
  CHECK(wire::hex_prefix(std::vector<std::uint8_t>(40, 1), 2) == "01 01 ... (40 bytes in all)");
}

TEST_CASE("frames: an OUTPUT decodes into the node's output, and fields out of range are refused") {
  const std::set<std::uint64_t> clients{4};
  const adapters::process::OutputBounds bounds{3, 2, 1, &clients};
  auto output = [](std::uint32_t to, std::uint64_t client) {
    std::vector<std::uint8_t> buffer;
    wire::Writer w(buffer, wire::kOutput);
    w.u32(1);  // sends
    w.u32(to);
    w.u16(1);
    w.u64(5);
    w.u64(6);
    w.u64(7);
    w.bytes("payload");
    w.u32(1);  // disk writes
    w.u64(11);
    w.u32(100);
    w.bytes("record");
    w.u32(1);  // timers
    w.u16(0);
    w.i64(150'000);
    w.i64(300'000);
    w.u32(1);  // replies
    w.u64(client);
    w.u64(8);
    w.u8(0);
    w.i32(-1);
    w.str("v");
    w.u8(1);
    w.u64(12);
    w.u64(5);
    w.u32(1);  // observations
    w.u8(18);
    w.u64(2);
    w.u64(5);
    w.u64(0);
    w.i64(4);  // tasks
    w.finish();
    return buffer;
  };
  const auto good = output(2, 4);
  wire::Reader r(body_of(good));
  r.u8("type");
  sim::NodeOutput out;
  CHECK(adapters::process::decode_output(r, bounds, out) == 4);
  REQUIRE(out.sends.size() == 1);
  CHECK(out.sends[0].to == 2);
  CHECK(out.sends[0].summary.term == 5);
  CHECK(dynamic_cast<const adapters::process::BytesPayload&>(*out.sends[0].payload).bytes == "payload");
  REQUIRE(out.disk_writes.size() == 1);
  CHECK(out.disk_writes[0].size_bytes == 100);
  REQUIRE(out.timers.size() == 1);
  CHECK(out.timers[0].delay_max.us == 300'000);
  REQUIRE(out.replies.size() == 1);
  CHECK(out.replies[0].cas_succeeded);
  CHECK(!out.replies[0].leader_hint.has_value());
  REQUIRE(out.observations.size() == 1);
  CHECK(out.observations[0].kind == sim::EventKind::role);

  const auto bad_to = output(3, 4);
  wire::Reader r2(body_of(bad_to));
  r2.u8("type");
  CHECK_THROWS_WITH(adapters::process::decode_output(r2, bounds, out), Catch::Contains("sends[0].to: node 3 is not in the cluster of 3"));
  const auto bad_client = output(1, 5);
  wire::Reader r3(body_of(bad_client));
  r3.u8("type");
  CHECK_THROWS_WITH(adapters::process::decode_output(r3, bounds, out), Catch::Contains("replies[0].client_id: client 5 has sent no request"));
}

TEST_CASE("frames: every input describes itself for error reports") {
  std::vector<std::uint8_t> buffer;
  adapters::process::encode_message(buffer, 2, sim::Time{1'200'500}, 1, "0123456789");
  CHECK(adapters::process::describe_input(buffer) == "MESSAGE to node 2 from node 1 (10-byte payload), local time 1200.500ms");
  sim::ClientRequest request;
  request.client_id = 3;
  request.request_id = 17;
  request.op = sim::ClientOp::put;
  request.key = "k1";
  adapters::process::encode_client_request(buffer, 0, sim::Time{2000}, request);
  CHECK(adapters::process::describe_input(buffer) == "CLIENT_REQUEST to node 0 (client 3, request 17, put 'k1'), local time 2.000ms");
  adapters::process::encode_stop(buffer, 4);
  CHECK(adapters::process::describe_input(buffer) == "STOP of node 4");
}

TEST_CASE("raft codec: every reference Raft message and disk record round-trips") {
  raft::RequestVote rv{raft::Term(3), raft::NodeId(1), raft::LogIndex(10), raft::Term(2)};
  raft::RequestVote rv_transfer{raft::Term(3), raft::NodeId(1), raft::LogIndex(10), raft::Term(2), true};
  raft::RequestVoteReply rvr{raft::Term(3), true};
  raft::AppendEntries ae{raft::Term(4), raft::NodeId(0), raft::LogIndex(9), raft::Term(3),
                         {entry(4, "k", "v"), entry(4, "", "")}, raft::LogIndex(8)};
  raft::AppendEntriesReply aer{raft::Term(4), false, raft::LogIndex(0), raft::LogIndex(5), raft::Term(2)};
  aer.rejected_prev_index = raft::LogIndex(9);  // flow control: which request was rejected
  for (const raft::Message& m : std::vector<raft::Message>{rv, rv_transfer, rvr, ae, aer}) {
    const raft::Envelope e{raft::NodeId(2), raft::NodeId(4), m};
    const raft::Envelope back = decode_envelope(encode_envelope(e));
    CHECK(back.from == e.from);
    CHECK(back.to == e.to);
    CHECK(back.message.index() == e.message.index());
    CHECK(encode_envelope(back) == encode_envelope(e));
  }
  CHECK(std::get<raft::AppendEntries>(decode_envelope(encode_envelope({raft::NodeId(0), raft::NodeId(1), ae})).message).entries ==
        ae.entries);
  CHECK(std::get<raft::AppendEntriesReply>(decode_envelope(encode_envelope({raft::NodeId(0), raft::NodeId(1), aer})).message)
            .rejected_prev_index == raft::LogIndex(9));
  // Thesis 3.10/4.2.3: the TimeoutNow flag survives the wire, both ways.
  CHECK(std::get<raft::RequestVote>(decode_envelope(encode_envelope({raft::NodeId(0), raft::NodeId(1), rv_transfer})).message).transfer);
  CHECK(!std::get<raft::RequestVote>(decode_envelope(encode_envelope({raft::NodeId(0), raft::NodeId(1), rv})).message).transfer);

  raft::PersistRequest p;
  p.token = 42;
  p.hard_state = raft::HardState{raft::Term(5), raft::NodeId(3)};
  p.truncate_from = raft::LogIndex(7);
  p.first_index = raft::LogIndex(7);
  p.entries = {entry(5, "a", "b")};
  const raft::PersistRequest q = decode_record(encode_record(p));
  CHECK(q.token == 42);
  CHECK(q.hard_state == p.hard_state);
  CHECK(q.truncate_from == p.truncate_from);
  CHECK(q.first_index == p.first_index);
  CHECK(q.entries == p.entries);
  raft::PersistRequest empty;
  CHECK(!decode_record(encode_record(empty)).hard_state.has_value());

  std::string cut = encode_envelope({raft::NodeId(0), raft::NodeId(1), ae});
  cut.resize(cut.size() - 3);
  CHECK_THROWS_AS(decode_envelope(cut), wire::DecodeError);
}
