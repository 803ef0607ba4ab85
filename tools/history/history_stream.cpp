#include "tools/history/history_stream.h"

#include <limits>
#include <string_view>

#include "base/assert.h"
#include "tools/history/history_convert.h"

namespace tools {

HistoryStreamFeed::HistoryStreamFeed(const checkers::StreamLimits& limits)
    : stream_(std::string(), limits) {  // an absent key reads as ""
  queued_.reserve(kBurstEvents);
}

std::uint32_t HistoryStreamFeed::queue_text(const std::string& s) {
  RAFTSIM_ASSERT_MSG(s.size() <= std::numeric_limits<std::uint32_t>::max(), "a history string over 4 GiB");
  text_ += s;
  return static_cast<std::uint32_t>(s.size());
}

void HistoryStreamFeed::on_event(const sim::HistoryEvent& e) {
  Queued q;
  q.process = e.process;
  q.op_id = e.op_id;
  q.type = e.type;
  q.op = e.op;
  q.cas_succeeded = e.cas_succeeded;
  if (e.type == sim::HistoryEvent::Type::invoke) {
    q.key_bytes = queue_text(e.key);
    q.value_bytes = queue_text(e.value);
    q.expected_bytes = queue_text(e.expected);
  } else if (e.type == sim::HistoryEvent::Type::ok && e.op == sim::ClientOp::get) {
    q.value_bytes = queue_text(e.value);  // the value read; other completions carry nothing the checker reads
  }
  queued_.push_back(q);
  if (queued_.size() >= kBurstEvents || text_.size() >= kBurstTextBytes) flush();
}

void HistoryStreamFeed::flush() {
  RAFTSIM_ASSERT(queued_.size() <= kBurstEvents);
  const std::string_view text = text_;
  std::size_t at = 0;
  auto take = [&](std::uint32_t bytes) {
    const std::string_view s = text.substr(at, bytes);
    at += bytes;
    return s;
  };
  for (const Queued& q : queued_) {
    const std::int64_t time = position_++;
    switch (q.type) {
      case sim::HistoryEvent::Type::invoke: {
        const std::string_view key = take(q.key_bytes);
        const std::string_view value = take(q.value_bytes);
        const CheckerCall call = checker_call(q.op, value, take(q.expected_bytes));
        stream_.invoke(q.op_id, q.process, call.fn, key, call.input, call.expected, time);
        break;
      }
      case sim::HistoryEvent::Type::ok: {
        const std::string_view value = take(q.value_bytes);
        stream_.ok(q.op_id, q.op == sim::ClientOp::get ? std::optional<std::string_view>(value) : std::nullopt,
                   q.cas_succeeded, time);
        break;
      }
      case sim::HistoryEvent::Type::fail: stream_.fail(q.op_id); break;
      case sim::HistoryEvent::Type::info: stream_.info(q.op_id); break;
      default: RAFTSIM_ASSERT_MSG(false, "a history event of no known type");
    }
  }
  RAFTSIM_ASSERT(at == text_.size());  // every string queued was read, in order
  queued_.clear();
  text_.clear();
}

checkers::LinResult HistoryStreamFeed::finish() {
  flush();
  return stream_.finish();
}

}  // namespace tools
