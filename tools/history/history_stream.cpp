#include "tools/history/history_stream.h"

#include "base/assert.h"

namespace tools {

HistoryStreamFeed::HistoryStreamFeed(const checkers::StreamLimits& limits)
    : stream_(std::string(), limits) {}  // an absent key reads as ""

void HistoryStreamFeed::on_event(const sim::HistoryEvent& e) {
  using Fn = checkers::Operation::Fn;
  const std::int64_t time = position_++;
  switch (e.type) {
    case sim::HistoryEvent::Type::invoke: {
      Fn fn = Fn::read;
      std::optional<std::string> input;
      std::optional<std::string> expected;
      switch (e.op) {
        case sim::ClientOp::get: break;
        case sim::ClientOp::put: fn = Fn::write; input = e.value; break;
        case sim::ClientOp::append: fn = Fn::append; input = e.value; break;
        case sim::ClientOp::cas: fn = Fn::cas; input = e.value; expected = e.expected; break;
      }
      stream_.invoke(e.op_id, e.process, fn, e.key, std::move(input), std::move(expected), time);
      return;
    }
    case sim::HistoryEvent::Type::ok:
      stream_.ok(e.op_id, e.op == sim::ClientOp::get ? std::optional<std::string>(e.value) : std::nullopt,
                 e.cas_succeeded, time);
      return;
    case sim::HistoryEvent::Type::fail: stream_.fail(e.op_id); return;
    case sim::HistoryEvent::Type::info: stream_.info(e.op_id); return;
  }
  RAFTSIM_ASSERT(false);
}

}  // namespace tools
