// Rendering of trace events: one human-readable line (failure reports), or one JSON object (trace files).
#pragma once

#include <string>

#include "sim/trace_event.h"

namespace reports {

std::string format_event_text(const sim::TraceEvent& event, const sim::LabelNames& names);
std::string format_event_json(const sim::TraceEvent& event, const sim::LabelNames& names);

}  // namespace reports
