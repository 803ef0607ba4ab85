#include "reports/event_schema.h"

namespace reports {

namespace {
using F = Format;
using S = Slot;
constexpr FieldSpec kMessage[] = {{"msg", S::label, F::message}, {"term", S::a, F::uint}, {"x", S::b, F::uint}, {"y", S::c, F::uint}};
constexpr FieldSpec kLostMessage[] = {{"msg", S::label, F::message}, {"term", S::a, F::uint}};
constexpr FieldSpec kTimer[] = {{"timer", S::label, F::timer}};
constexpr FieldSpec kDiskWrite[] = {{"token", S::a, F::uint}, {"bytes", S::b, F::uint}};
constexpr FieldSpec kDiskSynced[] = {{"token", S::a, F::uint}, {"told_later", S::b, F::uint}};
constexpr FieldSpec kDiskNotify[] = {{"token", S::a, F::uint}};
constexpr FieldSpec kCrash[] = {{"lost_writes", S::a, F::uint}};
constexpr FieldSpec kRestart[] = {{"incarnation", S::a, F::uint}, {"records", S::b, F::uint}};
constexpr FieldSpec kPartition[] = {{"group", S::a, F::hex}};
constexpr FieldSpec kStale[] = {{"what", S::label, F::uint}};
constexpr FieldSpec kRole[] = {{"role", S::a, F::role}, {"term", S::b, F::uint}};
constexpr FieldSpec kVote[] = {{"term", S::a, F::uint}, {"candidate", S::b, F::uint}};
constexpr FieldSpec kEntry[] = {{"index", S::a, F::uint}, {"term", S::b, F::uint}, {"digest", S::c, F::hex}};
constexpr FieldSpec kTruncate[] = {{"from", S::a, F::uint}};
constexpr FieldSpec kCommit[] = {{"index", S::a, F::uint}};
constexpr FieldSpec kClientOp[] = {{"op", S::label, F::client_op}, {"op_id", S::a, F::uint}};
constexpr FieldSpec kClientOk[] = {{"op", S::label, F::client_op}, {"op_id", S::a, F::uint}, {"index", S::b, F::uint}, {"term", S::c, F::uint}};
constexpr FieldSpec kClientSend[] = {{"op_id", S::a, F::uint}, {"request", S::b, F::uint}, {"attempt", S::c, F::uint}};
constexpr FieldSpec kClientReply[] = {{"request", S::a, F::uint}, {"status", S::b, F::uint}, {"attempt", S::c, F::uint}};
// Trace format 3: a retry of an operation whose outcome was unknown, and a duplicated client message.
constexpr FieldSpec kClientRetry[] = {{"op_id", S::a, F::uint}, {"request", S::b, F::uint}, {"retry", S::c, F::uint}};
constexpr FieldSpec kClientDuplicate[] = {{"request", S::a, F::uint}, {"reply", S::b, F::uint}};
constexpr FieldSpec kPhase[] = {{"phase", S::a, F::uint}, {"leader_deadline_us", S::b, F::uint}};
constexpr FieldSpec kUnclog[] = {{"released", S::a, F::uint}};
constexpr FieldSpec kDegrade[] = {{"drop_ppm", S::a, F::uint}, {"duplicate_ppm", S::b, F::uint}, {"late_ppm", S::c, F::uint}};
constexpr FieldSpec kPpm[] = {{"ppm", S::a, F::uint}};
// features (format 3): bit 0 pre_vote, bit 1 check_quorum, bit 2 read_index, bit 3 membership, bit 4 lease_reads
// (sim/node_host.h RaftFeatures).
constexpr FieldSpec kTiming[] = {{"election_timeout_min_us", S::a, F::uint}, {"election_timeout_max_us", S::b, F::uint}, {"heartbeat_us", S::c, F::uint}, {"features", S::label, F::uint}};
constexpr FieldSpec kTransferRequest[] = {{"delivered", S::a, F::uint}};
constexpr FieldSpec kTransfer[] = {{"target", S::a, F::uint}, {"term", S::b, F::uint}};
constexpr FieldSpec kClientRequest[] = {{"request", S::a, F::uint}};
// Trace format 3 (Raft paper 7): snapshot_taken, snapshot_installed, snapshot_restored; snapshot_chunk.
constexpr FieldSpec kSnapshot[] = {{"index", S::a, F::uint}, {"term", S::b, F::uint}, {"state_digest", S::c, F::hex}};
constexpr FieldSpec kSnapshotChunk[] = {{"index", S::a, F::uint}, {"offset", S::b, F::uint}, {"bytes", S::c, F::uint}};
// Thesis 6.4: a read answered by ReadIndex.
constexpr FieldSpec kMembershipRequest[] = {{"delivered", S::a, F::uint}};
constexpr FieldSpec kMembership[] = {{"voters", S::a, F::uint}, {"learners", S::b, F::uint}, {"index", S::c, F::uint}};
constexpr FieldSpec kReadServed[] = {{"read_index", S::a, F::uint}, {"term", S::b, F::uint}, {"request", S::c, F::uint}};
// Thesis 6.4.1: a read answered under the leader's lease, and the clock drift bound the leases count on.
constexpr FieldSpec kLeaseRead[] = {{"commit_index", S::a, F::uint}, {"term", S::b, F::uint}, {"request", S::c, F::uint}};
constexpr FieldSpec kLeaseBound[] = {{"drift_bound_ppm", S::a, F::uint}};
constexpr FieldSpec kDiskErrors[] = {{"failing", S::a, F::uint}};
constexpr FieldSpec kNodeStopped[] = {{"reason", S::a, F::uint}, {"token", S::b, F::uint}};
constexpr FieldSpec kImplError[] = {{"code", S::a, F::uint}, {"x", S::b, F::uint}, {"y", S::c, F::uint}};
}  // namespace

bool is_message_event(sim::EventKind k) {
  using K = sim::EventKind;
  return k == K::send || k == K::deliver || k == K::drop_random || k == K::drop_blocked || k == K::drop_node_down ||
         k == K::duplicate;
}

std::string_view peer_key(sim::EventKind kind) {
  // A transfer request names its target node (-1: any) where a message names its receiver.
  return is_message_event(kind) || kind == sim::EventKind::transfer_request ? "to" : "process";
}

std::span<const FieldSpec> fields_of(sim::EventKind kind) {
  using K = sim::EventKind;
  switch (kind) {
    case K::send:
    case K::deliver: return kMessage;
    case K::drop_random:
    case K::drop_blocked:
    case K::drop_node_down:
    case K::duplicate: return kLostMessage;
    case K::timer_fired: return kTimer;
    case K::disk_write: return kDiskWrite;
    case K::disk_synced: return kDiskSynced;
    case K::crash: return kCrash;
    case K::restart: return kRestart;
    case K::partition: return kPartition;
    case K::stale_discarded: return kStale;
    case K::role: return kRole;
    case K::vote: return kVote;
    case K::log_append:
    case K::apply: return kEntry;
    case K::log_truncate: return kTruncate;
    case K::commit: return kCommit;
    case K::client_invoke:
    case K::client_fail:
    case K::client_info: return kClientOp;
    case K::client_ok: return kClientOk;
    case K::client_send: return kClientSend;
    case K::client_reply: return kClientReply;
    case K::phase: return kPhase;
    case K::unclog_link: return kUnclog;
    case K::degrade_link: return kDegrade;
    case K::clock_rate:
    case K::disk_speed: return kPpm;
    case K::impl_error: return kImplError;
    case K::timing: return kTiming;
    case K::client_request: return kClientRequest;
    case K::disk_notify: return kDiskNotify;
    case K::client_retry: return kClientRetry;
    case K::client_duplicate: return kClientDuplicate;
    case K::snapshot_taken:
    case K::snapshot_installed:
    case K::snapshot_restored: return kSnapshot;
    case K::snapshot_chunk: return kSnapshotChunk;
    case K::transfer_request: return kTransferRequest;
    case K::transfer_start:
    case K::transfer_abandoned: return kTransfer;
    case K::read_served: return kReadServed;
    case K::membership_request: return kMembershipRequest;
    case K::membership: return kMembership;
    case K::lease_read: return kLeaseRead;
    case K::lease_bound: return kLeaseBound;
    case K::disk_failed: return kDiskSynced;
    case K::disk_errors: return kDiskErrors;
    case K::node_stopped: return kNodeStopped;
    case K::clog_link:
    case K::pause:
    case K::resume:
    case K::block_link:
    case K::unblock_link:
    case K::heal: return {};
  }
  return {};
}

}  // namespace reports
