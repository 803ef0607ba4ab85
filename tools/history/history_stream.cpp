#include "tools/history/history_stream.h"

#include "base/assert.h"
#include "tools/history/history_convert.h"

namespace tools {

HistoryStreamFeed::HistoryStreamFeed(const checkers::StreamLimits& limits)
    : stream_(std::string(), limits) {}  // an absent key reads as ""

void HistoryStreamFeed::on_event(const sim::HistoryEvent& e) {
  const std::int64_t time = position_++;
  switch (e.type) {
    case sim::HistoryEvent::Type::invoke: {
      const CheckerCall call = checker_call(e);
      stream_.invoke(e.op_id, e.process, call.fn, e.key, call.input, call.expected, time);
      return;
    }
    case sim::HistoryEvent::Type::ok:
      stream_.ok(e.op_id, e.op == sim::ClientOp::get ? std::optional<std::string_view>(e.value) : std::nullopt,
                 e.cas_succeeded, time);
      return;
    case sim::HistoryEvent::Type::fail: stream_.fail(e.op_id); return;
    case sim::HistoryEvent::Type::info: stream_.info(e.op_id); return;
  }
  RAFTSIM_ASSERT(false);
}

}  // namespace tools
