#include "adapters/process/testing/raft_codec.h"

#include <cstdint>
#include <span>
#include <type_traits>
#include <variant>

#include <fmt/format.h>

#include "adapters/process/wire.h"
#include "base/assert.h"

namespace adapters::process::testing {

namespace {

using wire::Reader;

// Fields are appended to a string (the payload), in the protocol's byte order.
class Out {
 public:
  void u8(std::uint8_t v) { s_.push_back(static_cast<char>(v)); }
  void u32(std::uint32_t v) { put(v, 4); }
  void u64(std::uint64_t v) { put(v, 8); }
  void str(std::string_view v) {
    u32(static_cast<std::uint32_t>(v.size()));
    s_.append(v);
  }
  std::string take() { return std::move(s_); }

 private:
  void put(std::uint64_t v, int width) {
    for (int i = 0; i < width; ++i) s_.push_back(static_cast<char>(v >> (8 * i)));
  }
  std::string s_;
};

Reader reader_for(std::string_view bytes) {
  return Reader(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
}

void put_entries(Out& o, const raft::EntryList& entries) {
  o.u32(static_cast<std::uint32_t>(entries.size()));
  for (const raft::Entry& e : entries) {
    const raft::Command& c = e.command();
    o.u64(e.term().value);
    o.u8(static_cast<std::uint8_t>(c.op));
    o.str(c.key);
    o.str(c.value);
    o.str(c.expected);
    o.u64(c.client_id);
    o.u64(c.request_id);
  }
}

std::vector<raft::Entry> get_entries(Reader& r) {
  const std::uint32_t n = r.count("entry_count", 37);
  std::vector<raft::Entry> entries;
  entries.reserve(n);  // count() checked that n entries of at least 37 bytes each fit in the frame
  for (std::uint32_t i = 0; i < n; ++i) {
    r.item("entries", i);
    const raft::Term term(r.u64("term"));
    raft::Command c;
    const std::uint8_t op = r.u8("op");
    if (op > static_cast<std::uint8_t>(raft::OpKind::cas)) r.fail("op", fmt::format("unknown op {}", op));
    c.op = static_cast<raft::OpKind>(op);
    c.key = std::string(r.str("key"));
    c.value = std::string(r.str("value"));
    c.expected = std::string(r.str("expected"));
    c.client_id = r.u64("client_id");
    c.request_id = r.u64("request_id");
    entries.emplace_back(term, std::move(c));
  }
  r.end_items();
  return entries;
}

// The child's own wire numbering of the messages (stable: it predates snapshots), not the summary kind.
std::uint8_t wire_kind(const raft::Message& m) {
  constexpr std::uint8_t kWire[] = {0, 1, 2, 3, 7, 8, 4, 5, 6};  // by variant alternative
  static_assert(std::size(kWire) == std::variant_size_v<raft::Message>);
  RAFTSIM_ASSERT(m.index() < std::size(kWire));
  return kWire[m.index()];
}

bool get_bool(Reader& r, const char* field) {
  const std::uint8_t v = r.u8(field);
  if (v > 1) r.fail(field, fmt::format("{} is neither 0 nor 1", v));
  return v == 1;
}

}  // namespace

std::string encode_envelope(const raft::Envelope& envelope) {
  Out o;
  o.u32(envelope.from.value);
  o.u32(envelope.to.value);
  o.u8(wire_kind(envelope.message));
  std::visit(
      [&](const auto& m) {
        using T = std::decay_t<decltype(m)>;
        o.u64(m.term.value);
        if constexpr (std::is_same_v<T, raft::RequestVote>) {
          o.u32(m.candidate.value);
          o.u64(m.last_log_index.value);
          o.u64(m.last_log_term.value);
          o.u8(m.transfer ? 1 : 0);  // thesis 3.10/4.2.3: started by TimeoutNow
        } else if constexpr (std::is_same_v<T, raft::RequestVoteReply>) {
          o.u8(m.vote_granted ? 1 : 0);
        } else if constexpr (std::is_same_v<T, raft::AppendEntries>) {
          o.u32(m.leader.value);
          o.u64(m.prev_log_index.value);
          o.u64(m.prev_log_term.value);
          put_entries(o, m.entries);
          o.u64(m.leader_commit.value);
          o.u64(m.read_round);
        } else if constexpr (std::is_same_v<T, raft::AppendEntriesReply>) {
          o.u8(m.success ? 1 : 0);
          o.u64(m.match_index.value);
          o.u64(m.conflict_index.value);
          o.u64(m.conflict_term.value);
          o.u64(m.read_round);
          o.u64(m.rejected_prev_index.value);
        } else if constexpr (std::is_same_v<T, raft::PreVote>) {
          o.u32(m.candidate.value);
          o.u64(m.last_log_index.value);
          o.u64(m.last_log_term.value);
        } else if constexpr (std::is_same_v<T, raft::PreVoteReply>) {
          o.u8(m.vote_granted ? 1 : 0);
        } else if constexpr (std::is_same_v<T, raft::InstallSnapshot>) {
          // Paper 7. The process protocol refuses snapshots today (sim::refuse_reference_only_features); encoded for
          // completeness so that the codec covers every message.
          o.u32(m.leader.value);
          o.u64(m.last_included_index.value);
          o.u64(m.last_included_term.value);
          o.u64(m.offset);
          o.str(m.data);
          o.u8(m.done ? 1 : 0);
        } else if constexpr (std::is_same_v<T, raft::InstallSnapshotReply>) {
          o.u64(m.last_included_index.value);
          o.u64(m.next_offset);
          o.u8(m.done ? 1 : 0);
        } else {
          static_assert(std::is_same_v<T, raft::TimeoutNow>, "encode_envelope: unhandled Message alternative");
          o.u32(m.leader.value);
        }
      },
      envelope.message);
  return o.take();
}

raft::Envelope decode_envelope(std::string_view bytes) {
  Reader r = reader_for(bytes);
  raft::Envelope e;
  e.from = raft::NodeId(r.u32("from"));
  e.to = raft::NodeId(r.u32("to"));
  const std::uint8_t kind = r.u8("kind");
  const raft::Term term(r.u64("term"));
  switch (kind) {
    case 0: {
      raft::RequestVote m;
      m.term = term;
      m.candidate = raft::NodeId(r.u32("candidate"));
      m.last_log_index = raft::LogIndex(r.u64("last_log_index"));
      m.last_log_term = raft::Term(r.u64("last_log_term"));
      m.transfer = r.u8("transfer") != 0;
      e.message = m;
      break;
    }
    case 1: {
      raft::RequestVoteReply m;
      m.term = term;
      m.vote_granted = get_bool(r, "vote_granted");
      e.message = m;
      break;
    }
    case 2: {
      raft::AppendEntries m;
      m.term = term;
      m.leader = raft::NodeId(r.u32("leader"));
      m.prev_log_index = raft::LogIndex(r.u64("prev_log_index"));
      m.prev_log_term = raft::Term(r.u64("prev_log_term"));
      m.entries = get_entries(r);
      m.leader_commit = raft::LogIndex(r.u64("leader_commit"));
      m.read_round = r.u64("read_round");
      e.message = std::move(m);
      break;
    }
    case 3: {
      raft::AppendEntriesReply m;
      m.term = term;
      m.success = get_bool(r, "success");
      m.match_index = raft::LogIndex(r.u64("match_index"));
      m.conflict_index = raft::LogIndex(r.u64("conflict_index"));
      m.conflict_term = raft::Term(r.u64("conflict_term"));
      m.read_round = r.u64("read_round");
      m.rejected_prev_index = raft::LogIndex(r.u64("rejected_prev_index"));
      e.message = m;
      break;
    }
    case 4: {
      raft::PreVote m;
      m.term = term;
      m.candidate = raft::NodeId(r.u32("candidate"));
      m.last_log_index = raft::LogIndex(r.u64("last_log_index"));
      m.last_log_term = raft::Term(r.u64("last_log_term"));
      e.message = m;
      break;
    }
    case 5: {
      raft::PreVoteReply m;
      m.term = term;
      m.vote_granted = get_bool(r, "vote_granted");
      e.message = m;
      break;
    }
    case 6: {
      raft::TimeoutNow m;
      m.term = term;
      m.leader = raft::NodeId(r.u32("leader"));
      e.message = m;
      break;
    }
    case 7: {
      raft::InstallSnapshot m;
      m.term = term;
      m.leader = raft::NodeId(r.u32("leader"));
      m.last_included_index = raft::LogIndex(r.u64("last_included_index"));
      m.last_included_term = raft::Term(r.u64("last_included_term"));
      m.offset = r.u64("offset");
      m.data = std::string(r.str("data"));
      m.done = get_bool(r, "done");
      e.message = std::move(m);
      break;
    }
    case 8: {
      raft::InstallSnapshotReply m;
      m.term = term;
      m.last_included_index = raft::LogIndex(r.u64("last_included_index"));
      m.next_offset = r.u64("next_offset");
      m.done = get_bool(r, "done");
      e.message = m;
      break;
    }
    default: r.fail("kind", fmt::format("unknown message kind {}", kind));
  }
  r.expect_end("message");
  return e;
}

std::string encode_record(const raft::PersistRequest& record) {
  // The child runs without snapshots (the process adapter refuses them): no write carries one.
  RAFTSIM_ASSERT_MSG(!record.snapshot.has_value(), "a snapshot write in the process child");
  Out o;
  o.u64(record.token);
  o.u8(record.hard_state ? 1 : 0);
  if (record.hard_state) {
    o.u64(record.hard_state->term.value);
    o.u8(record.hard_state->voted_for ? 1 : 0);
    o.u32(record.hard_state->voted_for ? record.hard_state->voted_for->value : 0);
  }
  o.u8(record.truncate_from ? 1 : 0);
  o.u64(record.truncate_from ? record.truncate_from->value : 0);
  o.u64(record.first_index.value);
  put_entries(o, record.entries);
  return o.take();
}

raft::PersistRequest decode_record(std::string_view bytes) {
  Reader r = reader_for(bytes);
  raft::PersistRequest p;
  p.token = r.u64("token");
  if (get_bool(r, "has_hard_state")) {
    raft::HardState h;
    h.term = raft::Term(r.u64("term"));
    const bool voted = get_bool(r, "has_vote");
    const std::uint32_t vote = r.u32("voted_for");
    if (voted) h.voted_for = raft::NodeId(vote);
    p.hard_state = h;
  }
  const bool truncates = get_bool(r, "has_truncate");
  const std::uint64_t truncate_from = r.u64("truncate_from");
  if (truncates) p.truncate_from = raft::LogIndex(truncate_from);
  p.first_index = raft::LogIndex(r.u64("first_index"));
  p.entries = get_entries(r);
  r.expect_end("record");
  return p;
}

}  // namespace adapters::process::testing
