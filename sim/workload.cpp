#include "sim/workload.h"

namespace sim {

const char* history_type_name(HistoryEvent::Type type) {
  switch (type) {
    case HistoryEvent::Type::invoke: return "invoke";
    case HistoryEvent::Type::ok: return "ok";
    case HistoryEvent::Type::fail: return "fail";
    case HistoryEvent::Type::info: return "info";
  }
  return "?";
}

}  // namespace sim
