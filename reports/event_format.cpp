#include "reports/event_format.h"

#include <fmt/format.h>

namespace reports {

namespace {

using sim::EventKind;

bool is_message(EventKind k) {
  return k == EventKind::send || k == EventKind::deliver || k == EventKind::drop_random ||
         k == EventKind::drop_blocked || k == EventKind::drop_node_down || k == EventKind::duplicate;
}
bool is_client_op(EventKind k) {
  return k == EventKind::client_invoke || k == EventKind::client_ok || k == EventKind::client_fail ||
         k == EventKind::client_info;
}

// The kind-specific fields, as (name, value) text; shared by both renderings.
std::string details(const sim::TraceEvent& e, const sim::LabelNames& names, bool json) {
  auto field = [json](std::string_view key, auto value) {
    return json ? fmt::format(",\"{}\":{}", key, value) : fmt::format(" {}={}", key, value);
  };
  auto text = [json](std::string_view key, std::string_view value) {
    return json ? fmt::format(",\"{}\":\"{}\"", key, value) : fmt::format(" {}={}", key, value);
  };
  std::string s;
  const EventKind k = e.kind;
  if (is_message(k)) {
    s += text("msg", names.message_kind(e.label));
    s += field("term", e.a);
    if (k == EventKind::send || k == EventKind::deliver) {
      s += field("x", e.b);
      s += field("y", e.c);
    }
    return s;
  }
  switch (k) {
    case EventKind::timer_fired: s += text("timer", names.timer_slot(e.label)); break;
    case EventKind::disk_write: s += field("token", e.a) + field("bytes", e.b); break;
    case EventKind::disk_synced: s += field("token", e.a); break;
    case EventKind::crash: s += field("lost_writes", e.a); break;
    case EventKind::restart: s += field("incarnation", e.a) + field("records", e.b); break;
    case EventKind::partition: s += text("group", fmt::format("{:#x}", e.a)); break;
    case EventKind::stale_discarded: s += field("what", e.label); break;
    case EventKind::role: s += text("role", sim::role_name(e.a)) + field("term", e.b); break;
    case EventKind::vote: s += field("term", e.a) + field("candidate", e.b); break;
    case EventKind::log_append:
      s += field("index", e.a) + field("term", e.b) + text("digest", fmt::format("{:016x}", e.c));
      break;
    case EventKind::log_truncate: s += field("from", e.a); break;
    case EventKind::commit: s += field("index", e.a); break;
    case EventKind::apply:
      s += field("index", e.a) + field("term", e.b) + text("digest", fmt::format("{:016x}", e.c));
      break;
    case EventKind::client_send: s += field("op_id", e.a) + field("request", e.b); break;
    case EventKind::client_reply: s += field("request", e.a) + field("status", e.b); break;
    case EventKind::phase: s += field("phase", e.a); break;
    case EventKind::client_ok:
      s += text("op", sim::client_op_name(e.label)) + field("op_id", e.a);
      if (e.b != 0) s += field("index", e.b) + field("term", e.c);
      break;
    default:
      if (is_client_op(k)) s += text("op", sim::client_op_name(e.label)) + field("op_id", e.a);
      break;
  }
  return s;
}

}  // namespace

std::string format_event_text(const sim::TraceEvent& e, const sim::LabelNames& names) {
  std::string who;
  if (is_message(e.kind)) {
    who = fmt::format("n{}->n{}", e.node, e.peer);
  } else if (e.node >= 0) {
    who = fmt::format("n{}", e.node);
  } else if (e.peer >= 0) {
    who = fmt::format("client p{}", e.peer);
  } else {
    who = "cluster";
  }
  return fmt::format("{:>10.3f}ms {:<15} {:<10}{}", static_cast<double>(e.time_us) / 1000.0,
                     sim::event_kind_name(e.kind), who, details(e, names, false));
}

std::string format_event_json(const sim::TraceEvent& e, const sim::LabelNames& names) {
  std::string s = fmt::format("{{\"t_us\":{},\"ev\":\"{}\"", e.time_us, sim::event_kind_name(e.kind));
  if (e.node >= 0) s += fmt::format(",\"node\":{},\"inc\":{}", e.node, e.incarnation);
  if (e.peer >= 0) s += fmt::format(",\"{}\":{}", is_message(e.kind) ? "to" : "process", e.peer);
  s += details(e, names, true);
  s += "}";
  return s;
}

}  // namespace reports
