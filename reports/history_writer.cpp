#include "reports/history_writer.h"

#include <nlohmann/json.hpp>

namespace reports {

std::string history_event_json(const sim::HistoryEvent& e) {
  // nlohmann::ordered_json keeps the documented field order, so files diff cleanly.
  nlohmann::ordered_json j;
  j["type"] = sim::history_type_name(e.type);
  j["process"] = e.process;
  j["op"] = e.op_id;
  j["f"] = std::string(sim::client_op_name(static_cast<std::uint16_t>(e.op)));
  j["key"] = e.key;
  // A get carries a value only in its ok (the value read); the writes carry their argument throughout.
  const bool get_without_result = e.op == sim::ClientOp::get && e.type != sim::HistoryEvent::Type::ok;
  if (!get_without_result) j["value"] = e.value;
  if (e.op == sim::ClientOp::cas) {
    j["expected"] = e.expected;
    if (e.type == sim::HistoryEvent::Type::ok) j["succeeded"] = e.cas_succeeded;
  }
  j["time_us"] = e.time.us;
  return j.dump();
}

void write_history(std::ostream& out, const std::vector<sim::HistoryEvent>& history) {
  for (const auto& e : history) out << history_event_json(e) << '\n';
}

}  // namespace reports
