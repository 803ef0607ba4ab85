// The JSON Lines trace schema: which named fields each event kind has, and which TraceEvent slot each
// one holds. The writer (event_format.cpp) and the reader (trace_reader.cpp) both use this one table, so
// they cannot drift apart.
#pragma once

#include <span>
#include <string_view>

#include "sim/trace_event.h"

namespace reports {

enum class Slot : std::uint8_t { label, a, b, c };
enum class Format : std::uint8_t { uint, hex, role, client_op, message, timer };

struct FieldSpec {
  std::string_view key;
  Slot slot;
  Format format;
};

std::span<const FieldSpec> fields_of(sim::EventKind kind);
bool is_message_event(sim::EventKind kind);
// The JSON key of TraceEvent::peer: "to" for messages, "process" for client events.
std::string_view peer_key(sim::EventKind kind);

}  // namespace reports
