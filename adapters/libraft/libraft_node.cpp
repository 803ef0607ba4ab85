// The libraft adapter: a `struct raft_io` over the simulator's host interface, a key-value `raft_fsm`,
// and the observations the checkers need. See adapters/libraft/libraft_node.h.
//
// Design (why each choice was made):
//
// * Event loop. libraft expects every I/O completion callback to fire from its event loop, never inside
//   the call that started the request. The simulator's inputs are that loop:
//     - append callbacks fire from on_disk_done(token), when the simulated disk made the write durable;
//     - send callbacks fire from a zero-delay host timer (slot 1, "io_callbacks"), armed at the end of any
//       input that handed messages to the network: the next event at the same instant or later;
//     - tick fires from a periodic host timer (slot 0, "tick") with the period libraft asks for in start().
// * Disk. Every state-changing io call (bootstrap, set_term, set_vote, append, truncate, snapshot_put)
//   becomes one DiskRecord (a write-ahead log record); the simulator completes them in order after the
//   disk latency and loses the unsynced ones in a crash. A restarted node replays its durable records into
//   term, vote, snapshot and log, which load() hands to libraft in raft_malloc'd memory.
// * Synchronous writes. set_term, set_vote (and bootstrap) are synchronous in the raft_io API: libraft
//   assumes they are durable when they return. The adapter models this as a write the process waits for:
//   every message sent after such a write is held back until that write is durable, so no peer ever sees
//   a term or vote the node could forget in a crash. (truncate is asynchronous in libraft's own uv
//   backend, ordered before later appends, and is modeled that way.)
// * Observations. role: raft_state() and current_term, polled after every input and before every
//   log-changing or sending io call (so a leader stepping down and truncating in one input is reported in
//   that order). log_append / log_truncate: from the append / truncate io calls, i.e. libraft's log as it
//   persists it. commit: raft.commit_index polled after every input, reported when it increases. apply:
//   raft_last_applied() polled after every input; every index in between is reported in order with the
//   term and digest from the adapter's log mirror (this covers configuration and barrier entries, which
//   libraft applies without calling the fsm).
// * Snapshots (paper 7), when the scenario's cluster.snapshot_every_entries is N > 0 (else the threshold
//   is UINT_MAX and libraft never takes one): raft_set_snapshot_threshold(N) and
//   raft_set_snapshot_trailing(snapshot_trailing_entries). fsm_snapshot / fsm_restore carry the KV state
//   machine with its client sessions (KvStateMachine::snapshot). snapshot_put becomes one checkpoint
//   record (DiskRecord::Kind::checkpoint: the snapshot plus term, vote and the log it keeps), sized by the
//   snapshot's bytes so that the disk model's bandwidth makes it slow, and marked replaces_earlier so the
//   disk forgets the records before it; load() hands the durable snapshot back after a restart, and
//   snapshot_get (from the next event loop turn) the newest stored one, for libraft's InstallSnapshot.
//   Reported as the reference Raft does: snapshot_taken at a put after fsm_snapshot; snapshot_installed
//   (with a log_truncate of what libraft's logRestore discards) at a put of a leader's snapshot, in the
//   step that delivered the InstallSnapshot; snapshot_restored at load. libraft lacks chunked
//   InstallSnapshot: it sends the whole snapshot in one message, so snapshot_chunk_bytes has no effect and
//   the snapshot_chunk event (a crash trigger) never fires under libraft.
// * Membership changes (thesis 4), when the scenario's cluster.membership is on: nodes 0..initial_members-1
//   bootstrap the cluster, the others start empty (libraft's spares-to-be, no bootstrap). The host's
//   add_member is raft_add (the server joins as RAFT_SPARE) then raft_assign(RAFT_VOTER) (libraft catches
//   it up before the configuration entry that makes it a voter); remove_member is raft_remove. One libraft
//   change at a time: requests wait in a queue the leader works through after each input, lost when it
//   stops leading. The configuration libraft is in (committed or not) is reported as a membership event
//   when it changes, stand-bys and spares as learners. libraft 0.15 accepts a change before its leader
//   committed an entry of its own term: docs/findings/libraft-change-before-own-term-commit.md.
// * Disk write errors (fault fail_disk_writes): a failed write's callbacks (the appends it carries, a
//   snapshot_put) complete with RAFT_IOERR, from the event loop as a durable one would, so libraft's own
//   error path runs in that input (a leader's appendLeaderCb, a follower's appendFollowerCb, the snapshot
//   put's callback) and the trace shows what it did. Then the node stops (a node_stopped observation,
//   a = 2; the host ends the process): the write and every later one in flight are lost and a restart
//   recovers from what was durable. Carrying on is not modeled: later writes that succeeded would leave a
//   gap in the durable log that no restart could replay. A failed write libraft cannot be told about (a
//   synchronous set_term / set_vote / bootstrap, which libraft took as durable when the call returned, or
//   an asynchronous truncate, which has no callback) stops the node at once (a = 3), its held messages
//   unsent: nothing that relied on the lost write leaves the node.
// * Timing: libraft draws each election timeout in [T, 2T); T is the scenario's election_timeout_min
//   (its max is not used). The heartbeat is the scenario's heartbeat_interval, which libraft also uses as
//   the tick period. max_entries_per_append has no libraft equivalent. Pre-vote stays off (the default).
// * Findings about libraft 0.15 (details where each is handled): raft_configuration_encode leaves its
//   padding bytes uninitialized (zero_configuration_padding); a leader's pending append completed with
//   an error status after raft_close crashes libraft (cancel_pending_io); a follower may answer an
//   AppendEntries to server id 0 after forgetting its leader (send: reported as impl-error code 1, see
//   below). Write-ups: docs/findings/.
// * Errors libraft makes about its own state. Where the run can go on, the adapter reports them as an
//   impl-error observation (a = code, b and c as below), which the implementation-error checker turns into
//   a safety finding (so the run is recorded, replayed and shrunk like any other), and carries on: an
//   offending send is dropped and its callback completes, from the event loop as usual, with
//   RAFT_NOCONNECTION (what a transport reports for an unreachable peer); an impossible index is not
//   reported as a commit or apply. The run stops at the first violation anyway. Only what
//   cannot go on (libraft failing to start, using recover, which the adapter never asks for, or restoring
//   bytes that are not a snapshot) still aborts the process.
//     code  what                                                   b                  c
//     1     a send to a raft id outside the cluster (e.g. 0)       the raft id        libraft's message type
//     2     a send to the sending node itself                      the raft id        libraft's message type
//     3     a send of a message type the adapter does not know     the type           the destination raft id
//     4     set_vote for a raft id outside the cluster (written)   the raft id        the current term
//     5     raft_leader names a raft id outside the cluster        the raft id        0
//     6     set_term lowers the term (written)                     the new term       the old term
//     7     the commit index is beyond the node's log              the commit index   the log length
//     8     the last applied index went backwards                  the new index      the old index
//     9     an applied index is beyond the node's log              the applied index  the log length
//     10    the fsm was given a command it cannot decode (no-op)   the log index      the data length
//     11    truncate(0) (ignored)                                  the index          0
#include "adapters/libraft/libraft_node.h"

// The C headers libraft's header includes, at global scope first, so that their include guards keep
// them out of the namespace below.
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>
#include <tuple>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "base/assert.h"
#include "raft/command.h"
#include "raft/kv_state_machine.h"

// libraft's C header in a namespace of its own: its `struct raft` would otherwise collide with this
// project's `namespace raft`. The header lacks extern "C" itself.
namespace lr {
extern "C" {
#include <raft.h>
}
}  // namespace lr

namespace raft {

namespace {

constexpr std::uint16_t kTickSlot = 0;
constexpr std::uint16_t kCallbackSlot = 1;

// Message kinds on the wire (the trace's labels), in the order of kMessageNames.
enum MessageKind : std::uint16_t {
  kRequestVote = 0,
  kRequestVoteResult = 1,
  kAppendEntries = 2,
  kAppendEntriesResult = 3,
  kInstallSnapshot = 4,
  // 5: reserved (the InstallSnapshot reply of the convention; libraft has none)
  kPreVote = 6,  // a RequestVote with pre_vote set (thesis 9.6)
  kPreVoteResult = 7,
  kTimeoutNow = 8,
};
constexpr std::string_view kMessageNames[] = {"RequestVote",     "RequestVoteResult", "AppendEntries",
                                              "AppendEntriesResult", "InstallSnapshot", "?",
                                              "PreVote",         "PreVoteResult",     "TimeoutNow"};

// The impl-error codes (the table at the top of this file).
enum ImplError : std::uint64_t {
  kSendToUnknownId = 1,
  kSendToSelf = 2,
  kSendUnknownType = 3,
  kVoteForUnknownId = 4,
  kLeaderUnknownId = 5,
  kTermWentBack = 6,
  kCommitBeyondLog = 7,
  kAppliedWentBack = 8,
  kAppliedBeyondLog = 9,
  kUndecodableCommand = 10,
  kTruncateZero = 11,
};

// A problem with libraft itself (or with how it uses its io) that the run cannot go on from: stop loudly.
[[noreturn]] void finding(const std::string& what) {
  std::fprintf(stderr, "raftsim: libraft adapter: %s\n", what.c_str());
  std::abort();
}

void require_ok(int rv, lr::raft* r, const char* what) {
  if (rv == 0) return;
  finding(fmt::format("{} failed: {} ({})", what, lr::raft_strerror(rv), r != nullptr ? lr::raft_errmsg(r) : ""));
}

// ---- entries, digests, wire messages and disk records -----------------------------------------------

struct StoredEntry {
  std::uint64_t term = 0;
  std::uint16_t type = 0;
  std::string data;
};

// The padding after an encoded configuration (format: u8 version, u64 n little endian, per server u64 id,
// the address with its NUL, u8 role; padded to 8 bytes), which libraft 0.15 leaves uninitialized in the
// configuration entries it appends itself (raft_add, raft_assign, raft_remove: the same finding as
// zero_configuration_padding below), is zeroed so that entry digests are deterministic. Bytes that do not
// parse as a configuration are left as they are.
void zero_encoded_configuration_padding(std::string& data) {
  std::size_t at = 1 + 8;
  if (data.size() < at) return;
  std::uint64_t n = 0;
  for (int i = 0; i < 8; ++i) n |= static_cast<std::uint64_t>(static_cast<unsigned char>(data[1 + i])) << (8 * i);
  for (std::uint64_t k = 0; k < n; ++k) {
    at += 8;
    const std::size_t nul = at <= data.size() ? data.find('\0', at) : std::string::npos;
    if (nul == std::string::npos) return;
    at = nul + 1 + 1;
    if (at > data.size()) return;
  }
  if (data.size() - at >= 8) return;
  std::fill(data.begin() + static_cast<std::ptrdiff_t>(at), data.end(), '\0');
}

StoredEntry copy_entry(const lr::raft_entry& e) {
  StoredEntry s;
  s.term = e.term;
  s.type = e.type;
  if (e.buf.len > 0) {
    RAFTSIM_ASSERT(e.buf.base != nullptr);
    s.data.assign(static_cast<const char*>(e.buf.base), e.buf.len);
  }
  if (s.type == lr::RAFT_CHANGE) zero_encoded_configuration_padding(s.data);
  return s;
}

// FNV-1a over the entry's type (2 bytes, little endian) and data: what the checkers compare entries by.
std::uint64_t entry_digest(const StoredEntry& e) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  auto mix = [&h](unsigned char byte) {
    h ^= byte;
    h *= 0x100000001b3ULL;
  };
  mix(static_cast<unsigned char>(e.type & 0xff));
  mix(static_cast<unsigned char>(e.type >> 8));
  for (char c : e.data) mix(static_cast<unsigned char>(c));
  return h;
}

// Entries in the memory layout libraft takes ownership of (received AppendEntries, load()): one
// raft_malloc'd array and one raft_malloc'd batch holding every entry's data. libraft frees the batch
// through the first entry's `batch` pointer, so all entries must share one batch.
lr::raft_entry* make_entry_array(const std::vector<StoredEntry>& entries) {
  if (entries.empty()) return nullptr;
  std::size_t total = 0;
  for (const StoredEntry& e : entries) total += e.data.size();
  auto* array = static_cast<lr::raft_entry*>(lr::raft_calloc(entries.size(), sizeof(lr::raft_entry)));
  auto* batch = static_cast<char*>(lr::raft_malloc(total > 0 ? total : 1));
  RAFTSIM_ASSERT(array != nullptr && batch != nullptr);
  std::size_t offset = 0;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const StoredEntry& e = entries[i];
    if (!e.data.empty()) std::memcpy(batch + offset, e.data.data(), e.data.size());
    array[i].term = e.term;
    array[i].type = e.type;
    array[i].buf.base = batch + offset;
    array[i].buf.len = e.data.size();
    array[i].batch = batch;
    offset += e.data.size();
  }
  RAFTSIM_ASSERT(offset == total);
  return array;
}

// A message on the simulated wire: a deep copy, so the sender's memory is never referenced, and the
// simulator may deliver it any number of times (each delivery builds libraft's own copy).
// A configuration as the adapter stores it (addresses follow from the ids): raft id and role per server.
using StoredConfiguration = std::vector<std::pair<std::uint64_t, int>>;

StoredConfiguration copy_configuration(const lr::raft_configuration& conf) {
  StoredConfiguration out;
  for (unsigned i = 0; i < conf.n; ++i) out.emplace_back(conf.servers[i].id, conf.servers[i].role);
  return out;
}

std::string address_of(sim::NodeIndex n);

// libraft's own copy (raft_configuration_add allocates); the caller or libraft closes it.
lr::raft_configuration make_configuration(const StoredConfiguration& stored) {
  lr::raft_configuration conf;
  lr::raft_configuration_init(&conf);
  for (const auto& [id, role] : stored) {
    RAFTSIM_ASSERT(id >= 1);
    const std::string address = address_of(static_cast<sim::NodeIndex>(id - 1));
    const int rv = lr::raft_configuration_add(&conf, id, address.c_str(), role);
    RAFTSIM_ASSERT_MSG(rv == 0, "raft_configuration_add failed");
  }
  return conf;
}

// A snapshot (paper 7) as the adapter stores it: libraft's metadata and the fsm's bytes (one buffer).
struct StoredSnapshot {
  std::uint64_t index = 0;
  std::uint64_t term = 0;
  StoredConfiguration configuration;
  std::uint64_t configuration_index = 0;
  std::string data;
};

StoredSnapshot copy_snapshot(const lr::raft_snapshot& s) {
  StoredSnapshot out;
  out.index = s.index;
  out.term = s.term;
  out.configuration = copy_configuration(s.configuration);
  out.configuration_index = s.configuration_index;
  for (unsigned i = 0; i < s.n_bufs; ++i) out.data.append(static_cast<const char*>(s.bufs[i].base), s.bufs[i].len);
  return out;
}

// libraft's own copy, raft_malloc'd as load() and snapshot_get hand it over (one buffer).
lr::raft_snapshot* make_snapshot(const StoredSnapshot& stored) {
  auto* s = static_cast<lr::raft_snapshot*>(lr::raft_calloc(1, sizeof(lr::raft_snapshot)));
  RAFTSIM_ASSERT(s != nullptr);
  s->index = stored.index;
  s->term = stored.term;
  s->configuration = make_configuration(stored.configuration);
  s->configuration_index = stored.configuration_index;
  s->bufs = static_cast<lr::raft_buffer*>(lr::raft_malloc(sizeof(lr::raft_buffer)));
  RAFTSIM_ASSERT(s->bufs != nullptr);
  s->n_bufs = 1;
  s->bufs[0].len = stored.data.size();
  s->bufs[0].base = lr::raft_malloc(stored.data.empty() ? 1 : stored.data.size());
  RAFTSIM_ASSERT(s->bufs[0].base != nullptr);
  if (!stored.data.empty()) std::memcpy(s->bufs[0].base, stored.data.data(), stored.data.size());
  return s;
}

struct WireMessage final : sim::Payload {
  lr::raft_message message{};  // append_entries.entries is cleared: the entries live in `entries`
  std::vector<StoredEntry> entries;
  // InstallSnapshot: install_snapshot.conf and .data are cleared, they live here.
  StoredConfiguration conf;
  std::string data;
};

// nullopt for a message type the adapter does not know.
std::optional<sim::MessageSummary> summarize(const lr::raft_message& m, std::size_t n_entries) {
  sim::MessageSummary s;
  switch (m.type) {
    case lr::RAFT_IO_REQUEST_VOTE:
      s = {m.request_vote.pre_vote ? kPreVote : kRequestVote, m.request_vote.term, m.request_vote.last_log_index,
           m.request_vote.last_log_term};
      break;
    case lr::RAFT_IO_REQUEST_VOTE_RESULT:
      s = {m.request_vote_result.pre_vote == lr::raft_tribool_true ? kPreVoteResult : kRequestVoteResult,
           m.request_vote_result.term, m.request_vote_result.vote_granted ? 1u : 0u, 0};
      break;
    case lr::RAFT_IO_APPEND_ENTRIES:
      s = {kAppendEntries, m.append_entries.term, m.append_entries.prev_log_index, n_entries};
      break;
    case lr::RAFT_IO_APPEND_ENTRIES_RESULT:
      // The conventional summary (docs/your-raft.md): a = success, b = the match index it vouches for (on a
      // rejection: the index libraft rejected).
      s = {kAppendEntriesResult, m.append_entries_result.term, m.append_entries_result.rejected == 0 ? 1u : 0u,
           m.append_entries_result.rejected == 0 ? m.append_entries_result.last_log_index
                                                 : m.append_entries_result.rejected};
      break;
    case lr::RAFT_IO_INSTALL_SNAPSHOT:
      // The conventional summary: a = last included index, b = its term (libraft sends it in one piece).
      s = {kInstallSnapshot, m.install_snapshot.term, m.install_snapshot.last_index, m.install_snapshot.last_term};
      break;
    case lr::RAFT_IO_TIMEOUT_NOW:
      s = {kTimeoutNow, m.timeout_now.term, m.timeout_now.last_log_index, m.timeout_now.last_log_term};
      break;
    default:
      return std::nullopt;
  }
  return s;
}

std::shared_ptr<WireMessage> copy_message(const lr::raft_message& m) {
  auto wire = std::make_shared<WireMessage>();
  wire->message = m;
  wire->message.server_address = nullptr;  // the receiver fills in the sender's
  if (m.type == lr::RAFT_IO_APPEND_ENTRIES) {
    const lr::raft_append_entries& ae = m.append_entries;
    for (unsigned i = 0; i < ae.n_entries; ++i) wire->entries.push_back(copy_entry(ae.entries[i]));
    wire->message.append_entries.entries = nullptr;
    wire->message.append_entries.n_entries = 0;
  }
  if (m.type == lr::RAFT_IO_INSTALL_SNAPSHOT) {
    const lr::raft_install_snapshot& is = m.install_snapshot;
    wire->conf = copy_configuration(is.conf);
    if (is.data.len > 0) wire->data.assign(static_cast<const char*>(is.data.base), is.data.len);
    wire->message.install_snapshot.conf = lr::raft_configuration{};
    wire->message.install_snapshot.data = lr::raft_buffer{};
  }
  return wire;
}

// One record on the simulated disk, exactly one state-changing io call.
struct PersistentState;

struct DiskRecord final : sim::Payload {
  // checkpoint: a snapshot_put; the record holds the node's whole persistent state after it (the snapshot,
  // term, vote and the log kept after compaction), so the disk forgets every record before it.
  enum class Kind : std::uint8_t { bootstrap, term, vote, append, truncate, checkpoint };
  Kind kind = Kind::term;
  // term: the new term; vote: the raft id voted for; append: the first index; truncate: the first
  // index removed; bootstrap: the term (1).
  std::uint64_t value = 0;
  std::vector<StoredEntry> entries;  // bootstrap and append
  std::shared_ptr<const PersistentState> state;  // checkpoint
};

// What the disk holds (or, for the live mirror, what libraft has asked it to hold).
struct PersistentState {
  std::uint64_t term = 0;
  std::uint64_t vote = 0;  // raft id, 0 for none
  std::optional<StoredSnapshot> snapshot;
  std::uint64_t log_start = 1;   // the index of log[0]: entries before it are compacted into the snapshot
  std::vector<StoredEntry> log;  // index i at log[i - log_start]

  std::uint64_t last_index() const { return log_start + log.size() - 1; }
  const StoredEntry* entry(std::uint64_t index) const {
    if (index < log_start || index > last_index()) return nullptr;
    return &log[index - log_start];
  }
  // The term of entry `index`, from the log or the snapshot (0 if neither has it).
  std::uint64_t term_of(std::uint64_t index) const {
    if (const StoredEntry* e = entry(index)) return e->term;
    if (snapshot && snapshot->index == index) return snapshot->term;
    return 0;
  }
};

std::uint32_t record_size_bytes(const DiskRecord& r) {
  std::size_t bytes = 32;  // header
  for (const StoredEntry& e : r.entries) bytes += 16 + e.data.size();
  if (r.state != nullptr) {
    // A snapshot is written whole with the log it keeps: its size makes a big one slow (paper 7's cost).
    if (r.state->snapshot) bytes += 24 + r.state->snapshot->data.size();
    for (const StoredEntry& e : r.state->log) bytes += 16 + e.data.size();
  }
  return static_cast<std::uint32_t>(std::min<std::size_t>(bytes, UINT32_MAX));
}

// The single definition of a record's effect, used both live and when replaying a disk after a restart.
void apply_record(PersistentState& s, const DiskRecord& r) {
  switch (r.kind) {
    case DiskRecord::Kind::bootstrap:
      RAFTSIM_ASSERT(s.term == 0 && s.log.empty() && !s.snapshot);
      s.term = r.value;
      s.vote = 0;
      s.log = r.entries;
      return;
    case DiskRecord::Kind::term:
      // libraft's set_term also clears the vote (a new term has no vote yet).
      s.term = r.value;
      s.vote = 0;
      return;
    case DiskRecord::Kind::vote:
      s.vote = r.value;
      return;
    case DiskRecord::Kind::append:
      RAFTSIM_ASSERT_MSG(r.value == s.last_index() + 1, "a disk record would leave a gap in the log");
      s.log.insert(s.log.end(), r.entries.begin(), r.entries.end());
      return;
    case DiskRecord::Kind::truncate:
      RAFTSIM_ASSERT(r.value >= 1);
      if (r.value <= s.last_index()) s.log.resize(r.value < s.log_start ? 0 : r.value - s.log_start);
      return;
    case DiskRecord::Kind::checkpoint:
      RAFTSIM_ASSERT(r.state != nullptr);
      s = *r.state;
      return;
  }
  RAFTSIM_ASSERT_MSG(false, "unknown disk record kind");
}

PersistentState replay(std::span<const sim::PayloadPtr> records) {
  PersistentState s;
  for (const sim::PayloadPtr& p : records) {
    RAFTSIM_ASSERT(p != nullptr);
    apply_record(s, static_cast<const DiskRecord&>(*p));
  }
  return s;
}

// ---- client commands --------------------------------------------------------------------------------

void put_u64(std::string& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

void put_string(std::string& out, const std::string& s) {
  put_u64(out, s.size());
  out += s;
}

// A cursor over an encoded command; every read checks bounds (a short read means corrupt data).
struct Reader {
  std::string_view in;
  bool ok = true;

  std::uint64_t u64() {
    if (in.size() < 8) {
      ok = false;
      return 0;
    }
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= static_cast<std::uint64_t>(static_cast<unsigned char>(in[i])) << (8 * i);
    in.remove_prefix(8);
    return v;
  }
  std::string str() {
    const std::uint64_t n = u64();
    if (!ok || in.size() < n) {
      ok = false;
      return {};
    }
    std::string s(in.substr(0, n));
    in.remove_prefix(n);
    return s;
  }
};

OpKind op_kind(sim::ClientOp op) {
  switch (op) {
    case sim::ClientOp::get: return OpKind::get;
    case sim::ClientOp::put: return OpKind::put;
    case sim::ClientOp::append: return OpKind::append;
    case sim::ClientOp::cas: return OpKind::cas;
  }
  RAFTSIM_ASSERT_MSG(false, "client op outside the ClientOp enum");
  return OpKind::noop;
}

// Layout: op, client id, request id, key, value, expected (u64 little endian; strings length-prefixed).
std::string encode_command(const sim::ClientRequest& r) {
  std::string out;
  put_u64(out, static_cast<std::uint64_t>(op_kind(r.op)));
  put_u64(out, r.client_id);
  put_u64(out, r.request_id);
  put_string(out, r.key);
  put_string(out, r.value);
  put_string(out, r.expected);
  return out;
}

std::optional<Command> decode_command(std::string_view bytes) {
  Reader in{bytes};
  Command c;
  const std::uint64_t op = in.u64();
  c.client_id = in.u64();
  c.request_id = in.u64();
  c.key = in.str();
  c.value = in.str();
  c.expected = in.str();
  if (!in.ok || !in.in.empty() || op < static_cast<std::uint64_t>(OpKind::get) ||
      op > static_cast<std::uint64_t>(OpKind::cas)) {
    return std::nullopt;
  }
  c.op = static_cast<OpKind>(op);
  return c;
}

std::string address_of(sim::NodeIndex n) { return fmt::format("n{}", n); }

// libraft 0.15's raft_configuration_encode pads its output to a multiple of 8 bytes and leaves the
// padding uninitialized (seen with valgrind): the same configuration encodes to different bytes from
// run to run. The bytes after the content (format: u8 version, u64 n, per server u64 id, the
// address with its NUL, u8 role) are zeroed so that entry digests are deterministic.
void zero_configuration_padding(const lr::raft_configuration& conf, lr::raft_buffer& buf) {
  std::size_t content = 1 + 8;
  for (unsigned i = 0; i < conf.n; ++i) content += 8 + std::strlen(conf.servers[i].address) + 1 + 1;
  RAFTSIM_ASSERT_MSG(content <= buf.len && buf.len - content < 8, "unexpected raft_configuration_encode layout");
  std::memset(static_cast<char*>(buf.base) + content, 0, buf.len - content);
}

// ---- the node -------------------------------------------------------------------------------------------

class LibraftNode final : public sim::Node {
 public:
  explicit LibraftNode(const sim::NodeContext& context);
  ~LibraftNode() override;
  LibraftNode(const LibraftNode&) = delete;
  LibraftNode& operator=(const LibraftNode&) = delete;

  void start(sim::NodeOutput& out) override;
  void on_message(sim::NodeIndex from, const sim::Payload& message, sim::NodeOutput& out) override;
  void on_timer(std::uint16_t slot, sim::NodeOutput& out) override;
  void on_disk_done(std::uint64_t token, sim::NodeOutput& out) override;
  void on_disk_error(std::uint64_t token, sim::NodeOutput& out) override;
  void on_client_request(const sim::ClientRequest& request, sim::NodeOutput& out) override;
  // raft_transfer (thesis 3.10); libraft reports neither the start nor the end of a transfer.
  void on_transfer_leadership(std::optional<sim::NodeIndex> target, sim::NodeOutput& out) override;
  // Thesis 4: raft_add (a spare), then raft_assign(RAFT_VOTER) (libraft catches the server up before the
  // configuration entry that makes it a voter), or raft_remove; one libraft change at a time (the queue).
  void on_membership_change(sim::MembershipChange change, sim::NodeIndex node, sim::NodeOutput& out) override;

 private:
  struct QueuedChange {
    sim::MembershipChange change = sim::MembershipChange::add;
    sim::NodeIndex node = 0;
  };
  static void on_changed(struct lr::raft_change* req, int status);
  void advance_membership_changes();
  void observe_membership();
  struct lr::raft_change change_req_ {};  // libraft's while a change is pending
  bool change_pending_ = false;
  std::deque<QueuedChange> changes_;  // asked for, not yet done (this node as leader)
  std::optional<std::tuple<std::uint64_t, std::uint64_t, std::uint64_t>> reported_membership_;
  static void on_transferred(struct lr::raft_transfer* req);
  struct lr::raft_transfer transfer_req_ {};  // libraft's while a transfer is pending
  bool transfer_pending_ = false;
  // A write on its way to the disk; appends carry the request whose callback fires once it is durable.
  struct PendingAppend {
    lr::raft_io_append* request = nullptr;
    bool by_leader = false;  // submitted while leader: libraft's appendLeaderCb (see cancel_pending_io)
  };
  // One disk write: usually one record; a snapshot write also carries the records of its input issued before
  // it (see io_snapshot_put), so its appends complete with it, in order, before the snapshot's callback.
  struct PendingWrite {
    std::uint64_t token = 0;
    std::vector<PendingAppend> appends;
    lr::raft_io_snapshot_put* put = nullptr;
    bool install = false;  // put stores a leader's snapshot (trailing 0), not one this node took
    bool synchronous = false;  // holds a term, vote or bootstrap libraft took as durable when the call returned
  };
  // A send request whose callback is due from the next event loop turn, with its status.
  struct SendCompletion {
    lr::raft_io_send* request = nullptr;
    int status = 0;
  };
  // A message libraft handed to send(): held while a synchronous write before it is not durable.
  struct PendingSend {
    std::uint64_t barrier = 0;  // token that must be durable first (0: none)
    sim::OutgoingMessage message;
    lr::raft_io_send* request = nullptr;
  };
  // A client request submitted with raft_apply, until its callback.
  struct PendingApply {
    struct lr::raft_apply request {};
    LibraftNode* node = nullptr;
    std::uint64_t client_id = 0;
    std::uint64_t request_id = 0;
  };

  static LibraftNode& of(lr::raft_io* io) { return *static_cast<LibraftNode*>(io->impl); }

  // raft_io methods (static trampolines onto the node).
  static int io_init(lr::raft_io* io, lr::raft_id id, const char* address);
  static void io_close(lr::raft_io* io, lr::raft_io_close_cb cb);
  static int io_load(lr::raft_io* io, lr::raft_term* term, lr::raft_id* voted_for, lr::raft_snapshot** snapshot,
                     lr::raft_index* start_index, lr::raft_entry** entries, size_t* n_entries);
  static int io_start(lr::raft_io* io, unsigned msecs, lr::raft_io_tick_cb tick, lr::raft_io_recv_cb recv);
  static int io_bootstrap(lr::raft_io* io, const lr::raft_configuration* conf);
  static int io_recover(lr::raft_io* io, const lr::raft_configuration* conf);
  static int io_set_term(lr::raft_io* io, lr::raft_term term);
  static int io_set_vote(lr::raft_io* io, lr::raft_id server_id);
  static int io_send(lr::raft_io* io, lr::raft_io_send* req, const lr::raft_message* message, lr::raft_io_send_cb cb);
  static int io_append(lr::raft_io* io, lr::raft_io_append* req, const lr::raft_entry entries[], unsigned n,
                       lr::raft_io_append_cb cb);
  static int io_truncate(lr::raft_io* io, lr::raft_index index);
  static int io_snapshot_put(lr::raft_io* io, unsigned trailing, lr::raft_io_snapshot_put* req,
                             const lr::raft_snapshot* snapshot, lr::raft_io_snapshot_put_cb cb);
  static int io_snapshot_get(lr::raft_io* io, lr::raft_io_snapshot_get* req, lr::raft_io_snapshot_get_cb cb);
  static lr::raft_time io_time(lr::raft_io* io);
  static int io_random(lr::raft_io* io, int min, int max);

  // raft_fsm methods.
  static int fsm_apply(lr::raft_fsm* fsm, const lr::raft_buffer* buf, void** result);
  static int fsm_snapshot(lr::raft_fsm* fsm, lr::raft_buffer* bufs[], unsigned* n_bufs);
  static int fsm_restore(lr::raft_fsm* fsm, lr::raft_buffer* buf);

  static void on_applied(struct lr::raft_apply* req, int status, void* result);
  static void on_closed(lr::raft* r);

  // Runs one simulator input with `out` as the destination of everything libraft does meanwhile.
  template <typename F>
  void run_input(sim::NodeOutput& out, F&& body);
  void after_input();

  void bootstrap_cluster();
  void write_record(std::shared_ptr<DiskRecord> record, bool synchronous, lr::raft_io_append* append = nullptr);
  void write_checkpoint(lr::raft_io_snapshot_put* put, bool install);
  void send(lr::raft_io_send* req, const lr::raft_message& message);
  void release_held_sends();
  void fire_send_callbacks();
  void cancel_pending_io();
  void reply(sim::ClientReply reply);
  std::optional<sim::NodeIndex> leader_hint();
  bool in_cluster(lr::raft_id id) const { return id >= 1 && id <= cluster_size_; }
  void drop_send(lr::raft_io_send* req, ImplError code, std::uint64_t b, std::uint64_t c);

  void observe(sim::EventKind kind, std::uint64_t a, std::uint64_t b = 0, std::uint64_t c = 0);
  void report_error(ImplError code, std::uint64_t b, std::uint64_t c);
  void observe_restored_state();
  void observe_role();
  void observe_commit_and_apply();
  void observe_install(const StoredSnapshot& snapshot);

  const sim::NodeIndex id_;
  const std::uint32_t cluster_size_;
  const sim::RaftTiming timing_;
  sim::NodeEnvironment* const env_;
  const bool fresh_;
  const bool membership_;                // thesis 4: the scenario's cluster.membership
  const std::uint32_t initial_members_;  // nodes 0..initial_members_-1 are the bootstrap voters
  std::vector<std::string> addresses_;  // raft id i + 1 has address addresses_[i]

  lr::raft_io io_{};
  lr::raft_fsm fsm_{};
  lr::raft raft_{};

  sim::NodeOutput* out_ = nullptr;  // set during an input only
  PersistentState disk_;            // libraft's persistent state as written (synced or not)
  std::uint64_t next_token_ = 1;
  std::uint64_t durable_token_ = 0;  // every write up to this token is durable
  std::uint64_t sync_barrier_ = 0;   // the last synchronous write (term, vote, bootstrap)
  std::deque<PendingWrite> writes_;  // in token order, as the disk completes them
  bool stopped_ = false;  // a write failed (on_disk_error): every later input is ignored until the host ends the process
  std::optional<std::pair<std::uint64_t, std::uint64_t>> stop_;  // set by on_disk_error: reason, token
  std::deque<PendingSend> held_;     // sends waiting for sync_barrier_, in send order
  std::deque<SendCompletion> sent_;  // sent (or dropped) messages whose callback is due
  std::deque<lr::raft_io_snapshot_get*> gets_;  // snapshot_get requests whose callback is due
  // A leader's snapshot being stored (snapshot_put with trailing 0): reported as installed when libraft
  // handed it over; libraft's last applied index catches up when the write is durable.
  bool install_pending_ = false;
  bool taking_snapshot_ = false;  // fsm_snapshot ran: the next snapshot_put stores this node's own snapshot
  bool callback_timer_armed_ = false;

  unsigned tick_ms_ = 0;
  lr::raft_io_tick_cb tick_cb_ = nullptr;
  lr::raft_io_recv_cb recv_cb_ = nullptr;
  lr::raft_io_close_cb io_close_cb_ = nullptr;
  bool closed_ = false;

  KvStateMachine kv_;
  KvResult last_result_;  // the fsm's result for the entry just applied, read by on_applied
  std::map<const PendingApply*, std::unique_ptr<PendingApply>> applies_;

  // What has been reported, so that only changes are.
  std::optional<std::pair<std::uint64_t, std::uint64_t>> reported_role_;  // (role, term)
  std::uint64_t reported_commit_ = 0;
  std::uint64_t reported_applied_ = 0;
};

LibraftNode::LibraftNode(const sim::NodeContext& context)
    : id_(context.id),
      cluster_size_(context.cluster_size),
      timing_(context.timing),
      env_(context.env),
      fresh_(context.durable_records.empty()),
      membership_(context.features.membership),
      initial_members_(context.features.initial_members == 0 ? context.cluster_size : context.features.initial_members),
      disk_(replay(context.durable_records)) {
  RAFTSIM_ASSERT(env_ != nullptr);
  RAFTSIM_ASSERT(id_ < cluster_size_);
  for (sim::NodeIndex n = 0; n < cluster_size_; ++n) addresses_.push_back(address_of(n));

  io_.version = 1;
  io_.impl = this;  // io_.data belongs to libraft
  io_.init = io_init;
  io_.close = io_close;
  io_.load = io_load;
  io_.start = io_start;
  io_.bootstrap = io_bootstrap;
  io_.recover = io_recover;
  io_.set_term = io_set_term;
  io_.set_vote = io_set_vote;
  io_.send = io_send;
  io_.append = io_append;
  io_.truncate = io_truncate;
  io_.snapshot_put = io_snapshot_put;
  io_.snapshot_get = io_snapshot_get;
  io_.time = io_time;
  io_.random = io_random;
  io_.async_work = nullptr;

  fsm_.version = 1;
  fsm_.data = this;
  fsm_.apply = fsm_apply;
  fsm_.snapshot = fsm_snapshot;
  fsm_.restore = fsm_restore;

  require_ok(lr::raft_init(&raft_, &io_, &fsm_, id_ + 1, addresses_[id_].c_str()), nullptr, "raft_init");
  const auto ms = [](sim::Duration d) { return static_cast<unsigned>(std::max<std::int64_t>(1, d.us / 1000)); };
  lr::raft_set_election_timeout(&raft_, ms(timing_.election_timeout_min));
  lr::raft_set_heartbeat_timeout(&raft_, ms(timing_.heartbeat_interval));
  // Paper 7: a snapshot every snapshot_every_entries applied entries, keeping snapshot_trailing_entries
  // (0: snapshots off, as libraft's threshold cannot be: UINT_MAX never reaches it).
  const sim::RaftFeatures& f = context.features;
  lr::raft_set_snapshot_threshold(&raft_, f.snapshot_every_entries > 0 ? f.snapshot_every_entries : UINT_MAX);
  if (f.snapshot_every_entries > 0) lr::raft_set_snapshot_trailing(&raft_, f.snapshot_trailing_entries);
  // Features (sim/node_host.h): PreVote maps to raft_set_pre_vote. CheckQuorum is always on in libraft
  // (a leader steps down after an election timeout without contact with a majority): check_quorum asks
  // for what it does anyway, and cannot be switched off.
  lr::raft_set_pre_vote(&raft_, context.features.pre_vote);
}

void LibraftNode::on_transferred(struct lr::raft_transfer* req) {
  auto* node = static_cast<LibraftNode*>(req->data);
  RAFTSIM_ASSERT(node != nullptr && node->transfer_pending_);
  node->transfer_pending_ = false;
}

void LibraftNode::on_transfer_leadership(std::optional<sim::NodeIndex> target, sim::NodeOutput& out) {
  RAFTSIM_ASSERT(!target || *target < addresses_.size());
  run_input(out, [&] {
    if (transfer_pending_) return;  // one at a time: the request memory is libraft's until its callback
    transfer_req_ = {};
    transfer_req_.data = this;
    const lr::raft_id id = target ? static_cast<lr::raft_id>(*target) + 1 : 0;  // 0: libraft picks a voter
    // Not the leader any more, or the target is this node: nothing to do, as for the reference Raft.
    if (lr::raft_transfer(&raft_, &transfer_req_, id, on_transferred) == 0) transfer_pending_ = true;
  });
}

void LibraftNode::on_membership_change(sim::MembershipChange change, sim::NodeIndex node, sim::NodeOutput& out) {
  RAFTSIM_ASSERT(node < cluster_size_);
  run_input(out, [&] { changes_.push_back({change, node}); });
}

void LibraftNode::on_changed(struct lr::raft_change* req, int /*status*/) {
  auto* node = static_cast<LibraftNode*>(req->data);
  RAFTSIM_ASSERT(node != nullptr && node->change_pending_);
  node->change_pending_ = false;  // on failure (e.g. the catch-up timed out) the queue decides again
}

// The leader works through the changes asked of it, one libraft request at a time: an add is raft_add
// (the server joins as a spare) and then raft_assign(RAFT_VOTER); a remove is raft_remove. A change with
// nothing left to do is dropped; one libraft cannot start now (RAFT_CANTCHANGE: a change in flight) waits
// for a later input; a node that is not leader forgets what was asked of it (the host asks the leader).
void LibraftNode::advance_membership_changes() {
  if (lr::raft_state(&raft_) != lr::RAFT_LEADER) {
    changes_.clear();
    return;
  }
  while (!changes_.empty() && !change_pending_) {
    const QueuedChange c = changes_.front();
    const lr::raft_id id = c.node + 1;
    const lr::raft_server* server = nullptr;
    for (unsigned i = 0; i < raft_.configuration.n; ++i) {
      if (raft_.configuration.servers[i].id == id) server = &raft_.configuration.servers[i];
    }
    change_req_ = {};
    change_req_.data = this;
    int rv = 0;
    if (c.change == sim::MembershipChange::add) {
      if (server != nullptr && server->role == RAFT_VOTER) {
        changes_.pop_front();
        continue;
      }
      rv = server == nullptr ? lr::raft_add(&raft_, &change_req_, id, addresses_[c.node].c_str(), on_changed)
                             : lr::raft_assign(&raft_, &change_req_, id, RAFT_VOTER, on_changed);
    } else {
      if (server == nullptr) {
        changes_.pop_front();
        continue;
      }
      rv = lr::raft_remove(&raft_, &change_req_, id, on_changed);
      if (rv == 0) changes_.pop_front();
    }
    if (rv == 0) {
      change_pending_ = true;
      return;
    }
    if (rv == RAFT_CANTCHANGE) return;  // one in flight: try again after a later input
    changes_.pop_front();               // libraft refuses it (e.g. RAFT_BADROLE): dropped
  }
}

// Thesis 4.1: the configuration libraft is in (its newest, committed or not), as voters and learners
// (RAFT_STANDBY and RAFT_SPARE: members without a vote), from its entry's index. Reported when it
// changes; a node whose configuration is still empty (a spare not yet added) reports nothing.
void LibraftNode::observe_membership() {
  if (raft_.configuration.n == 0) return;
  std::uint64_t voters = 0;
  std::uint64_t learners = 0;
  for (unsigned i = 0; i < raft_.configuration.n; ++i) {
    const lr::raft_server& server = raft_.configuration.servers[i];
    if (!in_cluster(server.id)) continue;
    const std::uint64_t bit = std::uint64_t{1} << (server.id - 1);
    (server.role == RAFT_VOTER ? voters : learners) |= bit;
  }
  const std::uint64_t index =
      raft_.configuration_uncommitted_index != 0 ? raft_.configuration_uncommitted_index : raft_.configuration_index;
  const std::tuple<std::uint64_t, std::uint64_t, std::uint64_t> now{voters, learners, index};
  if (reported_membership_ == now) return;
  reported_membership_ = now;
  observe(sim::EventKind::membership, voters, learners, index);
}

// A crash: close libraft and pump its close sequence right here (there is no later input): cancel every
// pending request, then complete the io close, after which libraft has freed everything it owns.
LibraftNode::~LibraftNode() {
  out_ = nullptr;  // nothing a dying process does reaches the simulation
  lr::raft_close(&raft_, on_closed);
  RAFTSIM_ASSERT_MSG(io_close_cb_ != nullptr, "raft_close did not close its io");
  cancel_pending_io();
  const lr::raft_io_close_cb cb = io_close_cb_;
  io_close_cb_ = nullptr;
  cb(&io_);
  RAFTSIM_ASSERT_MSG(closed_, "raft_close did not complete");
}

template <typename F>
void LibraftNode::run_input(sim::NodeOutput& out, F&& body) {
  RAFTSIM_ASSERT_MSG(out_ == nullptr, "re-entrant input");
  if (stopped_) return;  // the process is ending (on_disk_error)
  out_ = &out;
  body();
  after_input();
  if (stop_) {
    observe(sim::EventKind::node_stopped, stop_->first, stop_->second);
    stopped_ = true;
  }
  out_ = nullptr;
}

void LibraftNode::after_input() {
  observe_role();
  observe_commit_and_apply();
  if (membership_) {
    advance_membership_changes();
    observe_membership();
  }
  // Send callbacks fire from the next event loop turn: a zero-delay host timer.
  if ((!sent_.empty() || !gets_.empty()) && !callback_timer_armed_) {
    out_->timers.push_back({kCallbackSlot, sim::Duration{}, sim::Duration{}});
    callback_timer_armed_ = true;
  }
}

void LibraftNode::start(sim::NodeOutput& out) {
  run_input(out, [&] {
    // Thesis 4.1: nodes initial_members.. are spares outside the cluster: they start empty and learn the
    // configuration from the leader once added.
    if (fresh_ && id_ < initial_members_) bootstrap_cluster();
    require_ok(lr::raft_start(&raft_), &raft_, "raft_start");
    RAFTSIM_ASSERT(tick_cb_ != nullptr && recv_cb_ != nullptr);
  });
}

// The first start of a fresh node: every node is bootstrapped with the same configuration (all
// cluster_size voters), so every node's log starts with the same configuration entry at index 1.
void LibraftNode::bootstrap_cluster() {
  lr::raft_configuration conf;
  lr::raft_configuration_init(&conf);
  for (sim::NodeIndex n = 0; n < initial_members_; ++n) {
    require_ok(lr::raft_configuration_add(&conf, n + 1, addresses_[n].c_str(), RAFT_VOTER), nullptr,
               "raft_configuration_add");
  }
  const int rv = lr::raft_bootstrap(&raft_, &conf);
  lr::raft_configuration_close(&conf);
  require_ok(rv, &raft_, "raft_bootstrap");
}

void LibraftNode::on_message(sim::NodeIndex from, const sim::Payload& message, sim::NodeOutput& out) {
  const auto& wire = static_cast<const WireMessage&>(message);
  RAFTSIM_ASSERT(from < cluster_size_ && from != id_);
  run_input(out, [&] {
    // libraft's own copy: it owns the entries array and their (single) batch from here on.
    lr::raft_message m = wire.message;
    m.server_id = from + 1;
    m.server_address = addresses_[from].c_str();
    if (m.type == lr::RAFT_IO_APPEND_ENTRIES) {
      m.append_entries.entries = make_entry_array(wire.entries);
      m.append_entries.n_entries = static_cast<unsigned>(wire.entries.size());
    }
    if (m.type == lr::RAFT_IO_INSTALL_SNAPSHOT) {
      m.install_snapshot.conf = make_configuration(wire.conf);
      m.install_snapshot.data.len = wire.data.size();
      m.install_snapshot.data.base = lr::raft_malloc(wire.data.empty() ? 1 : wire.data.size());
      RAFTSIM_ASSERT(m.install_snapshot.data.base != nullptr);
      if (!wire.data.empty()) std::memcpy(m.install_snapshot.data.base, wire.data.data(), wire.data.size());
    }
    recv_cb_(&io_, &m);
  });
}

void LibraftNode::on_timer(std::uint16_t slot, sim::NodeOutput& out) {
  run_input(out, [&] {
    if (slot == kTickSlot) {
      out_->timers.push_back({kTickSlot, sim::Duration::millis(tick_ms_), sim::Duration::millis(tick_ms_)});
      tick_cb_(&io_);
    } else {
      RAFTSIM_ASSERT(slot == kCallbackSlot);
      callback_timer_armed_ = false;
      fire_send_callbacks();
    }
  });
}

void LibraftNode::on_disk_done(std::uint64_t token, sim::NodeOutput& out) {
  run_input(out, [&] {
    RAFTSIM_ASSERT_MSG(!writes_.empty() && writes_.front().token == token, "disk writes completed out of order");
    const PendingWrite w = writes_.front();
    writes_.pop_front();
    RAFTSIM_ASSERT(token > durable_token_);
    durable_token_ = token;
    release_held_sends();
    for (const PendingAppend& a : w.appends) a.request->cb(a.request, 0);
    if (w.put != nullptr) {
      if (w.install) install_pending_ = false;
      w.put->cb(w.put, 0);
    }
  });
}

// The write failed (fault fail_disk_writes; the top of this file says what happens and why).
void LibraftNode::on_disk_error(std::uint64_t token, sim::NodeOutput& out) {
  run_input(out, [&] {
    RAFTSIM_ASSERT_MSG(!writes_.empty() && writes_.front().token == token, "disk writes completed out of order");
    const PendingWrite w = writes_.front();
    writes_.pop_front();
    RAFTSIM_ASSERT(token > durable_token_);
    const bool tellable = !w.synchronous && (!w.appends.empty() || w.put != nullptr);
    if (tellable) {
      for (const PendingAppend& a : w.appends) a.request->cb(a.request, RAFT_IOERR);
      if (w.put != nullptr) {
        if (w.install) install_pending_ = false;
        w.put->cb(w.put, RAFT_IOERR);
      }
    }
    stop_ = {tellable ? 2u : 3u, token};  // reported after what libraft did with the error (run_input)
  });
}

void LibraftNode::on_client_request(const sim::ClientRequest& request, sim::NodeOutput& out) {
  run_input(out, [&] {
    const std::string bytes = encode_command(request);
    lr::raft_buffer buf;
    buf.len = bytes.size();
    buf.base = lr::raft_malloc(buf.len);
    RAFTSIM_ASSERT(buf.base != nullptr);
    std::memcpy(buf.base, bytes.data(), buf.len);
    auto pending = std::make_unique<PendingApply>();
    pending->node = this;
    pending->client_id = request.client_id;
    pending->request_id = request.request_id;
    pending->request.data = pending.get();
    const int rv = lr::raft_apply(&raft_, &pending->request, &buf, 1, on_applied);
    if (rv != 0) {
      // Not appended (RAFT_NOTLEADER, or a leader that cannot take it now): definitely not applied.
      lr::raft_free(buf.base);
      sim::ClientReply r;
      r.client_id = request.client_id;
      r.request_id = request.request_id;
      r.status = sim::ReplyStatus::rejected;
      r.leader_hint = leader_hint();
      reply(std::move(r));
      return;
    }
    const PendingApply* key = pending.get();
    applies_.emplace(key, std::move(pending));
  });
}

// The outcome of a raft_apply: applied (status 0: the fsm's result is in *result), or, after submission,
// leadership lost or shut down: the entry may still be committed by a later leader, so unknown.
void LibraftNode::on_applied(struct lr::raft_apply* req, int status, void* result) {
  auto* pending = static_cast<PendingApply*>(req->data);
  RAFTSIM_ASSERT(pending != nullptr && pending->node != nullptr);
  LibraftNode& node = *pending->node;
  sim::ClientReply r;
  r.client_id = pending->client_id;
  r.request_id = pending->request_id;
  if (status == 0) {
    RAFTSIM_ASSERT(result == &node.last_result_);
    RAFTSIM_ASSERT(req->index >= 1 && node.disk_.term_of(req->index) != 0);
    r.status = sim::ReplyStatus::ok;
    r.value = node.last_result_.value;
    r.cas_succeeded = node.last_result_.cas_succeeded;
    // Where the request took effect: this entry, or for a retry, the one that applied it first.
    r.log_index = node.last_result_.index.value != 0 ? node.last_result_.index.value : req->index;
    r.log_term = node.last_result_.index.value != 0 ? node.last_result_.term.value : node.disk_.term_of(req->index);
  } else {
    r.status = sim::ReplyStatus::unknown;
    r.leader_hint = node.leader_hint();
  }
  node.reply(std::move(r));
  const auto erased = node.applies_.erase(pending);
  RAFTSIM_ASSERT(erased == 1);
}

void LibraftNode::reply(sim::ClientReply r) {
  if (out_ == nullptr) return;  // the node is being destroyed (crash): its replies are lost with it
  out_->replies.push_back(std::move(r));
}

std::optional<sim::NodeIndex> LibraftNode::leader_hint() {
  lr::raft_id id = 0;
  const char* address = nullptr;
  lr::raft_leader(&raft_, &id, &address);
  if (id == 0) return std::nullopt;
  if (!in_cluster(id)) {
    report_error(kLeaderUnknownId, id, 0);
    return std::nullopt;
  }
  return static_cast<sim::NodeIndex>(id - 1);
}

// ---- observations ----------------------------------------------------------------------------------------

void LibraftNode::observe(sim::EventKind kind, std::uint64_t a, std::uint64_t b, std::uint64_t c) {
  RAFTSIM_ASSERT(out_ != nullptr);
  out_->observations.push_back({kind, a, b, c});
}

// An error libraft made about its own state (the code table at the top of this file). A closing node
// (a crash: out_ is null) reports nothing, like everything else it does then.
void LibraftNode::report_error(ImplError code, std::uint64_t b, std::uint64_t c) {
  if (out_ == nullptr) return;
  observe(sim::EventKind::impl_error, code, b, c);
}

// Where this incarnation starts: follower in its durable term, then its log from index 1.
void LibraftNode::observe_restored_state() {
  observe(sim::EventKind::role, static_cast<std::uint64_t>(sim::Role::follower), disk_.term);
  reported_role_ = {static_cast<std::uint64_t>(sim::Role::follower), disk_.term};
  // Paper 7: the state machine restarts from the durable snapshot (libraft restores it in raft_start); the
  // snapshot stands for the log up to its index, so trailing entries kept below it are not reported.
  std::uint64_t first = disk_.log_start;
  if (disk_.snapshot) {
    const StoredSnapshot& snap = *disk_.snapshot;
    observe(sim::EventKind::snapshot_restored, snap.index, snap.term, state_digest(snap.data));
    first = std::max(first, snap.index + 1);
    reported_applied_ = snap.index;
    reported_commit_ = snap.index;
  }
  for (std::uint64_t i = first; i <= disk_.last_index(); ++i) {
    const StoredEntry& e = *disk_.entry(i);
    observe(sim::EventKind::log_append, i, e.term, entry_digest(e));
  }
}

// A leader's snapshot replaced this node's state (paper 7, Figure 13): libraft discards its whole log
// (logRestore), so every entry after the snapshot index is reported truncated first, then the install.
void LibraftNode::observe_install(const StoredSnapshot& snap) {
  observe_commit_and_apply();  // what was applied before comes first
  if (disk_.last_index() > snap.index) observe(sim::EventKind::log_truncate, snap.index + 1);
  observe(sim::EventKind::snapshot_installed, snap.index, snap.term, state_digest(snap.data));
  reported_applied_ = std::max(reported_applied_, snap.index);
  reported_commit_ = std::max(reported_commit_, snap.index);
}

void LibraftNode::observe_role() {
  std::uint64_t role = 0;
  switch (lr::raft_state(&raft_)) {
    case lr::RAFT_FOLLOWER: role = static_cast<std::uint64_t>(sim::Role::follower); break;
    case lr::RAFT_CANDIDATE:
      // libraft's pre-vote phase is a candidate state with its term unchanged: a pre-candidate (thesis 9.6).
      role = static_cast<std::uint64_t>(raft_.candidate_state.in_pre_vote ? sim::Role::pre_candidate : sim::Role::candidate);
      break;
    case lr::RAFT_LEADER: role = static_cast<std::uint64_t>(sim::Role::leader); break;
    default: return;  // unavailable: not started yet, or closing
  }
  const std::pair<std::uint64_t, std::uint64_t> now{role, raft_.current_term};
  if (reported_role_ == now) return;
  reported_role_ = now;
  observe(sim::EventKind::role, now.first, now.second);
}

void LibraftNode::observe_commit_and_apply() {
  const std::uint64_t commit = raft_.commit_index;
  if (commit > reported_commit_) {
    reported_commit_ = commit;
    if (commit > disk_.last_index()) {
      report_error(kCommitBeyondLog, commit, disk_.last_index());
    } else {
      observe(sim::EventKind::commit, commit);
    }
  }
  const std::uint64_t applied = lr::raft_last_applied(&raft_);
  if (applied < reported_applied_) {
    // While a leader's snapshot is being stored, libraft's last applied index is still the old one.
    if (!install_pending_) report_error(kAppliedWentBack, applied, reported_applied_);
    return;
  }
  for (std::uint64_t i = reported_applied_ + 1; i <= applied; ++i) {
    const StoredEntry* e = disk_.entry(i);
    if (e == nullptr) {
      report_error(kAppliedBeyondLog, i, disk_.last_index());
      break;
    }
    observe(sim::EventKind::apply, i, e->term, entry_digest(*e));
  }
  reported_applied_ = applied;
}

// ---- disk and network -------------------------------------------------------------------------------------

void LibraftNode::write_record(std::shared_ptr<DiskRecord> record, bool synchronous, lr::raft_io_append* append) {
  RAFTSIM_ASSERT_MSG(out_ != nullptr, "libraft wrote to disk outside an input");
  apply_record(disk_, *record);
  const std::uint64_t token = next_token_++;
  const std::uint32_t size = record_size_bytes(*record);
  out_->disk_writes.push_back({token, std::move(record), size});
  PendingWrite w;
  w.token = token;
  if (append != nullptr) w.appends.push_back({append, lr::raft_state(&raft_) == lr::RAFT_LEADER});
  w.synchronous = synchronous;
  writes_.push_back(std::move(w));
  if (synchronous) sync_barrier_ = token;
}

// A snapshot_put (paper 7): one checkpoint record holding the node's whole persistent state after it, so
// the disk forgets what came before. The checkers tie a snapshot event to the first disk write of its
// input (that write makes it durable), so the records this input wrote before it (a follower's append
// or a new term, say) join the snapshot's write instead of preceding it: one write, durable at once,
// with their callbacks first. The mirror `disk_` already holds the state after the snapshot.
void LibraftNode::write_checkpoint(lr::raft_io_snapshot_put* put, bool install) {
  RAFTSIM_ASSERT_MSG(out_ != nullptr, "libraft wrote to disk outside an input");
  RAFTSIM_ASSERT(out_->disk_writes.size() <= writes_.size());
  PendingWrite w;
  w.token = next_token_++;
  w.put = put;
  w.install = install;
  const std::size_t merged = out_->disk_writes.size();
  for (std::size_t i = writes_.size() - merged; i < writes_.size(); ++i) {
    RAFTSIM_ASSERT(writes_[i].put == nullptr && writes_[i].token == out_->disk_writes[i - (writes_.size() - merged)].token);
    for (const PendingAppend& a : writes_[i].appends) w.appends.push_back(a);
    w.synchronous = w.synchronous || writes_[i].synchronous;
  }
  if (merged > 0) {
    const std::uint64_t first_merged = writes_[writes_.size() - merged].token;
    writes_.resize(writes_.size() - merged);
    out_->disk_writes.clear();
    // A synchronous write now becomes durable with the checkpoint: messages held for it wait for that.
    if (sync_barrier_ >= first_merged) sync_barrier_ = w.token;
    for (PendingSend& p : held_) {
      if (p.barrier >= first_merged) p.barrier = w.token;
    }
  }
  auto record = std::make_shared<DiskRecord>();
  record->kind = DiskRecord::Kind::checkpoint;
  record->state = std::make_shared<const PersistentState>(disk_);
  const std::uint32_t size = record_size_bytes(*record);
  sim::DiskWrite dw{w.token, std::move(record), size};
  dw.replaces_earlier = true;
  out_->disk_writes.push_back(std::move(dw));
  writes_.push_back(std::move(w));
}

void LibraftNode::send(lr::raft_io_send* req, const lr::raft_message& message) {
  RAFTSIM_ASSERT_MSG(out_ != nullptr, "libraft sent a message outside an input");
  observe_role();  // the role this message was sent in comes first in the trace
  if (!in_cluster(message.server_id)) {
    // FINDING (libraft 0.15): a follower whose known leader was reset while its append was in flight
    // answers the AppendEntries to server id 0 (seen in scenarios/fault_zoo.json seed 13;
    // docs/findings/libraft-reply-to-id-zero.md).
    drop_send(req, kSendToUnknownId, message.server_id, message.type);
    return;
  }
  const auto to = static_cast<sim::NodeIndex>(message.server_id - 1);
  if (to == id_) {
    drop_send(req, kSendToSelf, message.server_id, message.type);
    return;
  }
  std::shared_ptr<WireMessage> wire = copy_message(message);
  const std::optional<sim::MessageSummary> summary = summarize(message, wire->entries.size());
  if (!summary) {
    drop_send(req, kSendUnknownType, message.type, message.server_id);
    return;
  }
  PendingSend p{sync_barrier_, sim::OutgoingMessage{to, std::move(wire), *summary}, req};
  if (sync_barrier_ > durable_token_) {
    held_.push_back(std::move(p));  // waits until the term / vote it may carry is durable
    return;
  }
  RAFTSIM_ASSERT(held_.empty());  // held messages would otherwise be overtaken
  out_->sends.push_back(std::move(p.message));
  sent_.push_back({req, 0});
}

// A send the network cannot carry (it names no node of the cluster): reported, never sent, and its
// callback completes from the event loop with RAFT_NOCONNECTION, as a real transport's would.
void LibraftNode::drop_send(lr::raft_io_send* req, ImplError code, std::uint64_t b, std::uint64_t c) {
  report_error(code, b, c);
  sent_.push_back({req, RAFT_NOCONNECTION});
}

void LibraftNode::release_held_sends() {
  while (!held_.empty() && held_.front().barrier <= durable_token_) {
    out_->sends.push_back(std::move(held_.front().message));
    sent_.push_back({held_.front().request, 0});
    held_.pop_front();
  }
}

void LibraftNode::fire_send_callbacks() {
  std::deque<SendCompletion> due;
  due.swap(sent_);  // a callback may send again; those wait for the next turn
  std::deque<lr::raft_io_snapshot_get*> gets;
  gets.swap(gets_);
  for (const SendCompletion& c : due) {
    if (c.request->cb != nullptr) c.request->cb(c.request, c.status);
  }
  // snapshot_get: the newest snapshot this node stored (libraft asks only after one was put). libraft owns
  // the copy from here on.
  for (lr::raft_io_snapshot_get* g : gets) {
    if (!disk_.snapshot) {
      g->cb(g, nullptr, RAFT_NOTFOUND);
      continue;
    }
    g->cb(g, make_snapshot(*disk_.snapshot), 0);
  }
}

// io close: every request still pending completes before the close callback, with RAFT_CANCELED, except
// appends a leader submitted. FINDING (libraft 0.15): completing those with any error status after
// raft_close crashes libraft (a NULL dereference in its leader append callback, which walks the leader's
// request queue after convertToUnavailable cleared the leader state; reproduced under ASan with
// scenarios/majority_crash_restart.json seed 1 when the leader crashes). They complete with status 0
// instead: libraft then only releases the entries (it is no longer leader), and nothing a closing node
// does is observable, so the lie is harmless.
void LibraftNode::cancel_pending_io() {
  std::deque<PendingSend> held;
  held.swap(held_);
  for (PendingSend& p : held) {
    if (p.request->cb != nullptr) p.request->cb(p.request, RAFT_CANCELED);
  }
  std::deque<SendCompletion> sent;
  sent.swap(sent_);
  for (const SendCompletion& c : sent) {
    if (c.request->cb != nullptr) c.request->cb(c.request, RAFT_CANCELED);
  }
  std::deque<lr::raft_io_snapshot_get*> gets;
  gets.swap(gets_);
  for (lr::raft_io_snapshot_get* g : gets) g->cb(g, nullptr, RAFT_CANCELED);
  std::deque<PendingWrite> writes;
  writes.swap(writes_);
  for (const PendingWrite& w : writes) {
    for (const PendingAppend& a : w.appends) a.request->cb(a.request, a.by_leader ? 0 : RAFT_CANCELED);
    if (w.put != nullptr) w.put->cb(w.put, RAFT_CANCELED);
  }
  RAFTSIM_ASSERT(held_.empty() && sent_.empty() && gets_.empty() && writes_.empty());
}

// ---- raft_io methods ----------------------------------------------------------------------------------------

int LibraftNode::io_init(lr::raft_io* io, lr::raft_id id, const char* address) {
  LibraftNode& n = of(io);
  RAFTSIM_ASSERT(id == n.id_ + 1);
  RAFTSIM_ASSERT(address != nullptr && n.addresses_[n.id_] == address);
  return 0;
}

void LibraftNode::io_close(lr::raft_io* io, lr::raft_io_close_cb cb) {
  LibraftNode& n = of(io);
  RAFTSIM_ASSERT(n.io_close_cb_ == nullptr && cb != nullptr);
  n.io_close_cb_ = cb;  // completed by the destructor, after cancelling what is pending
}

int LibraftNode::io_load(lr::raft_io* io, lr::raft_term* term, lr::raft_id* voted_for, lr::raft_snapshot** snapshot,
                         lr::raft_index* start_index, lr::raft_entry** entries, size_t* n_entries) {
  LibraftNode& n = of(io);
  *term = n.disk_.term;
  *voted_for = n.disk_.vote;
  *snapshot = n.disk_.snapshot ? make_snapshot(*n.disk_.snapshot) : nullptr;
  *start_index = n.disk_.log_start;
  *entries = make_entry_array(n.disk_.log);
  *n_entries = n.disk_.log.size();
  n.observe_restored_state();
  return 0;
}

int LibraftNode::io_start(lr::raft_io* io, unsigned msecs, lr::raft_io_tick_cb tick, lr::raft_io_recv_cb recv) {
  LibraftNode& n = of(io);
  RAFTSIM_ASSERT(n.tick_cb_ == nullptr && msecs > 0 && tick != nullptr && recv != nullptr);
  n.tick_ms_ = msecs;
  n.tick_cb_ = tick;
  n.recv_cb_ = recv;
  n.out_->timers.push_back({kTickSlot, sim::Duration::millis(msecs), sim::Duration::millis(msecs)});
  return 0;
}

int LibraftNode::io_bootstrap(lr::raft_io* io, const lr::raft_configuration* conf) {
  LibraftNode& n = of(io);
  if (n.disk_.term != 0) return RAFT_CANTBOOTSTRAP;
  lr::raft_buffer buf{};
  require_ok(lr::raft_configuration_encode(conf, &buf), nullptr, "raft_configuration_encode");
  zero_configuration_padding(*conf, buf);
  auto record = std::make_shared<DiskRecord>();
  record->kind = DiskRecord::Kind::bootstrap;
  record->value = 1;  // like libraft's own backends: term 1, the configuration entry at index 1
  record->entries.push_back(StoredEntry{1, lr::RAFT_CHANGE, std::string(static_cast<const char*>(buf.base), buf.len)});
  lr::raft_free(buf.base);
  n.write_record(std::move(record), /*synchronous=*/true);
  return 0;
}

int LibraftNode::io_recover(lr::raft_io* /*io*/, const lr::raft_configuration* /*conf*/) {
  finding("libraft called recover, which the adapter never asks for");
}

int LibraftNode::io_set_term(lr::raft_io* io, lr::raft_term term) {
  LibraftNode& n = of(io);
  if (term < n.disk_.term) n.report_error(kTermWentBack, term, n.disk_.term);
  auto record = std::make_shared<DiskRecord>();
  record->kind = DiskRecord::Kind::term;
  record->value = term;
  n.write_record(std::move(record), /*synchronous=*/true);
  return 0;
}

int LibraftNode::io_set_vote(lr::raft_io* io, lr::raft_id server_id) {
  LibraftNode& n = of(io);
  auto record = std::make_shared<DiskRecord>();
  record->kind = DiskRecord::Kind::vote;
  record->value = server_id;
  n.write_record(std::move(record), /*synchronous=*/true);
  if (n.in_cluster(server_id)) {
    n.observe(sim::EventKind::vote, n.disk_.term, server_id - 1);
  } else {
    n.report_error(kVoteForUnknownId, server_id, n.disk_.term);
  }
  return 0;
}

int LibraftNode::io_send(lr::raft_io* io, lr::raft_io_send* req, const lr::raft_message* message,
                         lr::raft_io_send_cb cb) {
  LibraftNode& n = of(io);
  // cb may be NULL: libraft sends a transfer's TimeoutNow without a completion callback.
  RAFTSIM_ASSERT(req != nullptr && message != nullptr);
  if (n.out_ == nullptr) return RAFT_CANCELED;  // closing
  req->cb = cb;
  n.send(req, *message);
  return 0;
}

int LibraftNode::io_append(lr::raft_io* io, lr::raft_io_append* req, const lr::raft_entry entries[], unsigned count,
                           lr::raft_io_append_cb cb) {
  LibraftNode& n = of(io);
  RAFTSIM_ASSERT(req != nullptr && cb != nullptr && count > 0);
  if (n.out_ == nullptr) return RAFT_CANCELED;  // closing
  req->cb = cb;
  n.observe_role();  // a new leader's role precedes its first entry
  auto record = std::make_shared<DiskRecord>();
  record->kind = DiskRecord::Kind::append;
  record->value = n.disk_.last_index() + 1;
  for (unsigned i = 0; i < count; ++i) record->entries.push_back(copy_entry(entries[i]));
  for (std::size_t i = 0; i < record->entries.size(); ++i) {
    const StoredEntry& e = record->entries[i];
    n.observe(sim::EventKind::log_append, record->value + i, e.term, entry_digest(e));
  }
  n.write_record(std::move(record), /*synchronous=*/false, req);
  return 0;
}

int LibraftNode::io_truncate(lr::raft_io* io, lr::raft_index index) {
  LibraftNode& n = of(io);
  if (n.out_ == nullptr) return RAFT_CANCELED;  // closing
  if (index < 1) {
    n.report_error(kTruncateZero, index, 0);
    return 0;
  }
  n.observe_role();  // e.g. a deposed leader: its step-down precedes the truncation
  if (index <= n.disk_.last_index()) n.observe(sim::EventKind::log_truncate, index);
  auto record = std::make_shared<DiskRecord>();
  record->kind = DiskRecord::Kind::truncate;
  record->value = index;
  n.write_record(std::move(record), /*synchronous=*/false);
  return 0;
}

// Paper 7. trailing > 0: a snapshot this node took (fsm_snapshot just ran): the log is compacted up to
// index - trailing. trailing 0: a leader's snapshot from an InstallSnapshot (Figure 13): libraft replaces
// its whole log with it (logRestore once the write is durable), so the stored log is emptied too. Either
// way one checkpoint write (write_checkpoint) whose size is the snapshot's, on the simulated disk.
int LibraftNode::io_snapshot_put(lr::raft_io* io, unsigned trailing, lr::raft_io_snapshot_put* req,
                                 const lr::raft_snapshot* snapshot, lr::raft_io_snapshot_put_cb cb) {
  LibraftNode& n = of(io);
  RAFTSIM_ASSERT(req != nullptr && cb != nullptr && snapshot != nullptr && snapshot->index >= 1);
  if (n.out_ == nullptr) return RAFT_CANCELED;  // closing
  req->cb = cb;
  StoredSnapshot stored = copy_snapshot(*snapshot);
  PersistentState& d = n.disk_;
  const bool taken = n.taking_snapshot_;
  n.taking_snapshot_ = false;
  if (!taken) {
    n.observe_role();
    n.observe_install(stored);
    n.install_pending_ = true;
    d.log.clear();
    d.log_start = stored.index + 1;
  } else {
    // Taken at the applied index: the apply events up to it come first (snapshot-state checks the match),
    // after the role and term this input may have changed (a commit belongs to the term it happens in).
    n.observe_role();
    n.observe_commit_and_apply();
    n.observe(sim::EventKind::snapshot_taken, stored.index, stored.term, state_digest(stored.data));
    const std::uint64_t keep_from = stored.index > trailing ? stored.index - trailing + 1 : 1;
    if (keep_from > d.log_start) {
      const std::uint64_t drop = std::min<std::uint64_t>(keep_from - d.log_start, d.log.size());
      d.log.erase(d.log.begin(), d.log.begin() + static_cast<std::ptrdiff_t>(drop));
      d.log_start += drop;
    }
  }
  d.snapshot = std::move(stored);
  n.write_checkpoint(req, !taken);
  return 0;
}

int LibraftNode::io_snapshot_get(lr::raft_io* io, lr::raft_io_snapshot_get* req, lr::raft_io_snapshot_get_cb cb) {
  LibraftNode& n = of(io);
  RAFTSIM_ASSERT(req != nullptr && cb != nullptr);
  if (n.out_ == nullptr) return RAFT_CANCELED;  // closing
  req->cb = cb;
  n.gets_.push_back(req);  // completes from the next event loop turn (fire_send_callbacks)
  return 0;
}

lr::raft_time LibraftNode::io_time(lr::raft_io* io) {
  const sim::Time now = of(io).env_->now();
  RAFTSIM_ASSERT(now.us >= 0);
  return static_cast<lr::raft_time>(now.us / 1000);
}

// libraft wants a value in [min, max) (its uv backend: min + rand() % (max - min)).
int LibraftNode::io_random(lr::raft_io* io, int min, int max) {
  if (max <= min) return min;
  return static_cast<int>(of(io).env_->random_between(min, static_cast<std::int64_t>(max) - 1));
}

// ---- raft_fsm methods ---------------------------------------------------------------------------------------

int LibraftNode::fsm_apply(lr::raft_fsm* fsm, const lr::raft_buffer* buf, void** result) {
  auto& n = *static_cast<LibraftNode*>(fsm->data);
  RAFTSIM_ASSERT(buf != nullptr && result != nullptr);
  const std::optional<Command> command =
      decode_command(std::string_view(static_cast<const char*>(buf->base), buf->len));
  if (!command) {
    // Not libraft's data: applied as a no-op (the digest checkers compare what was logged).
    n.report_error(kUndecodableCommand, lr::raft_last_applied(&n.raft_) + 1, buf->len);
    n.last_result_ = KvResult{};
  } else {
    // With client sessions (thesis 6.3): a retried request already applied gets its saved reply.
    const std::uint64_t index = lr::raft_last_applied(&n.raft_) + 1;
    const std::uint64_t term = n.disk_.term_of(index);
    n.last_result_ = n.kv_.apply(*command, LogIndex(index), Term(term));
  }
  // libraft passes the result to the apply callback of the request, if this node has one, and never
  // frees it: so it points into the node instead of owning memory.
  *result = &n.last_result_;
  return 0;
}

// The KV state machine's snapshot, client sessions included (KvStateMachine::snapshot, thesis 6.3), in one
// raft_malloc'd buffer that libraft frees once stored.
int LibraftNode::fsm_snapshot(lr::raft_fsm* fsm, lr::raft_buffer* bufs[], unsigned* n_bufs) {
  auto& n = *static_cast<LibraftNode*>(fsm->data);
  RAFTSIM_ASSERT(bufs != nullptr && n_bufs != nullptr);
  const std::string bytes = n.kv_.snapshot();
  auto* buf = static_cast<lr::raft_buffer*>(lr::raft_malloc(sizeof(lr::raft_buffer)));
  RAFTSIM_ASSERT(buf != nullptr);
  buf->len = bytes.size();
  buf->base = lr::raft_malloc(bytes.empty() ? 1 : bytes.size());
  RAFTSIM_ASSERT(buf->base != nullptr);
  if (!bytes.empty()) std::memcpy(buf->base, bytes.data(), bytes.size());
  *bufs = buf;
  *n_bufs = 1;
  n.taking_snapshot_ = true;
  return 0;
}

// At start (a restart from the durable snapshot) or after an install: the fsm owns buf->base and frees it.
int LibraftNode::fsm_restore(lr::raft_fsm* fsm, lr::raft_buffer* buf) {
  auto& n = *static_cast<LibraftNode*>(fsm->data);
  RAFTSIM_ASSERT(buf != nullptr);
  const bool ok = n.kv_.restore(std::string_view(static_cast<const char*>(buf->base), buf->len));
  lr::raft_free(buf->base);
  if (!ok) finding("libraft asked the fsm to restore bytes that are not a snapshot it took");
  return 0;
}

void LibraftNode::on_closed(lr::raft* r) {
  LibraftNode& n = of(r->io);
  RAFTSIM_ASSERT(!n.closed_);
  n.closed_ = true;
}

// ---- the factory --------------------------------------------------------------------------------------------

class LibraftNodeFactory final : public sim::NodeFactory {
 public:
  std::unique_ptr<sim::Node> create(const sim::NodeContext& context) override {
    RAFTSIM_ASSERT(context.id < context.cluster_size);
    RAFTSIM_ASSERT(context.timing.heartbeat_interval.us >= 1000);  // libraft counts milliseconds
    // Snapshots are libraft's own (snapshot_put/get on the simulated disk); the rest is refused by name.
    sim::RaftFeatures refused = context.features;
    refused.snapshot_every_entries = 0;
    refused.membership = false;
    sim::refuse_reference_only_features(refused, "libraft", "");
    return std::make_unique<LibraftNode>(context);
  }
  std::string_view implementation_name() const override { return "libraft"; }
  std::string_view message_kind(std::uint16_t label) const override {
    return label < std::size(kMessageNames) ? kMessageNames[label] : std::string_view("?");
  }
  std::string_view timer_slot(std::uint16_t label) const override {
    switch (label) {
      case kTickSlot: return "tick";
      case kCallbackSlot: return "io_callbacks";
      default: return "?";
    }
  }
};

}  // namespace

std::unique_ptr<sim::NodeFactory> make_libraft_factory() { return std::make_unique<LibraftNodeFactory>(); }

}  // namespace raft
