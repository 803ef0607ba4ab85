#include "reports/event_format.h"

#include <fmt/format.h>

#include "reports/event_schema.h"

namespace reports {

namespace {

using sim::EventKind;

std::uint64_t slot_value(const sim::TraceEvent& e, Slot slot) {
  switch (slot) {
    case Slot::label: return e.label;
    case Slot::a: return e.a;
    case Slot::b: return e.b;
    case Slot::c: return e.c;
  }
  return 0;
}

// The value of one field as text (bare) and whether JSON needs quotes around it.
std::pair<std::string, bool> render(const sim::TraceEvent& e, const FieldSpec& f, const sim::LabelNames& names) {
  const std::uint64_t v = slot_value(e, f.slot);
  switch (f.format) {
    case Format::uint: return {fmt::format("{}", v), false};
    case Format::hex: return {fmt::format("{:016x}", v), true};
    case Format::role: return {std::string(sim::role_name(v)), true};
    case Format::client_op: return {std::string(sim::client_op_name(static_cast<std::uint16_t>(v))), true};
    case Format::message: return {std::string(names.message_kind(static_cast<std::uint16_t>(v))), true};
    case Format::timer: return {std::string(names.timer_slot(static_cast<std::uint16_t>(v))), true};
  }
  return {"?", false};
}

}  // namespace

std::string format_event_text(const sim::TraceEvent& e, const sim::LabelNames& names) {
  std::string who;
  if (is_message_event(e.kind)) {
    who = fmt::format("n{}->n{}", e.node, e.peer);
  } else if (e.node >= 0) {
    who = fmt::format("n{}", e.node);
  } else if (e.peer >= 0) {
    who = fmt::format("client p{}", e.peer);
  } else {
    who = "cluster";
  }
  std::string details;
  for (const FieldSpec& f : fields_of(e.kind)) details += fmt::format(" {}={}", f.key, render(e, f, names).first);
  return fmt::format("{:>10.3f}ms {:<15} {:<10}{}", static_cast<double>(e.time_us) / 1000.0,
                     sim::event_kind_name(e.kind), who, details);
}

std::string format_event_json(const sim::TraceEvent& e, const sim::LabelNames& names) {
  std::string s = fmt::format("{{\"t_us\":{},\"ev\":\"{}\"", e.time_us, sim::event_kind_name(e.kind));
  if (e.node >= 0) s += fmt::format(",\"node\":{},\"inc\":{}", e.node, e.incarnation);
  if (e.peer >= 0) s += fmt::format(",\"{}\":{}", peer_key(e.kind), e.peer);
  for (const FieldSpec& f : fields_of(e.kind)) {
    const auto [text, quoted] = render(e, f, names);
    s += quoted ? fmt::format(",\"{}\":\"{}\"", f.key, text) : fmt::format(",\"{}\":{}", f.key, text);
  }
  s += "}";
  return s;
}

}  // namespace reports
