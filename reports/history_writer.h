// Writes a client history as JSON Lines (format: docs/history-format.md).
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "sim/workload.h"

namespace reports {

std::string history_event_json(const sim::HistoryEvent& event);
void write_history(std::ostream& out, const std::vector<sim::HistoryEvent>& history);

}  // namespace reports
