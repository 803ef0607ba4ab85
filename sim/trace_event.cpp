#include "sim/trace_event.h"

namespace sim {

std::string_view event_kind_name(EventKind kind) {
  switch (kind) {
    case EventKind::send: return "send";
    case EventKind::deliver: return "deliver";
    case EventKind::drop_random: return "drop";
    case EventKind::drop_blocked: return "drop-blocked";
    case EventKind::drop_node_down: return "drop-node-down";
    case EventKind::duplicate: return "duplicate";
    case EventKind::timer_fired: return "timer";
    case EventKind::disk_write: return "disk-write";
    case EventKind::disk_synced: return "disk-synced";
    case EventKind::crash: return "crash";
    case EventKind::restart: return "restart";
    case EventKind::pause: return "pause";
    case EventKind::resume: return "resume";
    case EventKind::partition: return "partition";
    case EventKind::block_link: return "block";
    case EventKind::unblock_link: return "unblock";
    case EventKind::heal: return "heal";
    case EventKind::stale_discarded: return "stale-discarded";
    case EventKind::role: return "role";
    case EventKind::vote: return "vote";
    case EventKind::log_append: return "log-append";
    case EventKind::log_truncate: return "log-truncate";
    case EventKind::commit: return "commit";
    case EventKind::apply: return "apply";
    case EventKind::client_invoke: return "client-invoke";
    case EventKind::client_ok: return "client-ok";
    case EventKind::client_fail: return "client-fail";
    case EventKind::client_info: return "client-info";
    case EventKind::client_send: return "client-send";
    case EventKind::client_reply: return "client-reply";
    case EventKind::phase: return "phase";
    case EventKind::clog_link: return "clog";
    case EventKind::unclog_link: return "unclog";
    case EventKind::degrade_link: return "degrade";
    case EventKind::clock_rate: return "clock-rate";
    case EventKind::disk_speed: return "disk-speed";
    case EventKind::impl_error: return "impl-error";
    case EventKind::timing: return "timing";
    case EventKind::client_request: return "client-request";
    case EventKind::disk_notify: return "disk-notify";
    case EventKind::disk_failed: return "disk-failed";
    case EventKind::disk_errors: return "disk-errors";
    case EventKind::node_stopped: return "node-stopped";
    case EventKind::client_retry: return "client-retry";
    case EventKind::client_duplicate: return "client-duplicate";
    case EventKind::snapshot_taken: return "snapshot-taken";
    case EventKind::snapshot_installed: return "snapshot-installed";
    case EventKind::snapshot_restored: return "snapshot-restored";
    case EventKind::snapshot_chunk: return "snapshot-chunk";
    case EventKind::transfer_request: return "transfer-request";
    case EventKind::transfer_start: return "transfer-start";
    case EventKind::transfer_abandoned: return "transfer-abandoned";
    case EventKind::read_served: return "read-served";
    case EventKind::membership_request: return "membership-request";
    case EventKind::membership: return "membership";
    case EventKind::lease_read: return "lease-read";
    case EventKind::lease_bound: return "lease-bound";
  }
  return "?";
}

std::string_view client_op_name(std::uint16_t label) {
  switch (label) {
    case 0: return "get";
    case 1: return "put";
    case 2: return "append";
    case 3: return "cas";
    default: return "?";
  }
}

std::string_view role_name(std::uint64_t role) {
  switch (role) {
    case 0: return "follower";
    case 1: return "candidate";
    case 2: return "leader";
    case 3: return "pre-candidate";
    default: return "?";
  }
}

}  // namespace sim
