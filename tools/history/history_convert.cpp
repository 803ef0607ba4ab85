#include "tools/history/history_convert.h"

#include <map>

#include "base/assert.h"

namespace tools {

CheckerCall checker_call(const sim::HistoryEvent& invoke) {
  RAFTSIM_ASSERT(invoke.type == sim::HistoryEvent::Type::invoke);
  return checker_call(invoke.op, invoke.value, invoke.expected);
}

CheckerCall checker_call(sim::ClientOp op, std::string_view value, std::string_view expected) {
  using Fn = checkers::Operation::Fn;
  CheckerCall call;
  switch (op) {
    case sim::ClientOp::get: call.fn = Fn::read; break;
    case sim::ClientOp::put: call.fn = Fn::write; call.input = value; break;
    case sim::ClientOp::append: call.fn = Fn::append; call.input = value; break;
    case sim::ClientOp::cas:
      call.fn = Fn::cas;
      call.input = value;
      call.expected = expected;
      break;
  }
  RAFTSIM_ASSERT(call.fn != Fn::read || !call.input.has_value());
  RAFTSIM_ASSERT(call.fn == Fn::cas || !call.expected.has_value());
  return call;
}

checkers::History to_checker_history(const std::vector<sim::HistoryEvent>& events) {
  using Op = checkers::Operation;
  checkers::History h;
  h.initial_value = std::string();  // an absent key reads as ""
  std::map<std::uint64_t, std::size_t> open;  // op id -> index in h.operations
  for (std::size_t i = 0; i < events.size(); ++i) {
    const sim::HistoryEvent& e = events[i];
    const auto time = static_cast<std::int64_t>(i);
    if (e.type == sim::HistoryEvent::Type::invoke) {
      Op op;
      op.process = e.process;
      op.id = e.op_id;
      op.key = e.key;
      op.invoke_time = time;
      op.outcome = Op::Outcome::info;  // until a completion says otherwise
      CheckerCall call = checker_call(e);
      op.fn = call.fn;
      if (call.input) op.input = std::string(*call.input);
      if (call.expected) op.expected = std::string(*call.expected);
      RAFTSIM_ASSERT(open.count(e.op_id) == 0);
      open[e.op_id] = h.operations.size();
      h.operations.push_back(std::move(op));
      continue;
    }
    const auto it = open.find(e.op_id);
    RAFTSIM_ASSERT_MSG(it != open.end(), "a completion without its invoke");
    Op& op = h.operations[it->second];
    open.erase(it);
    switch (e.type) {
      case sim::HistoryEvent::Type::ok:
        op.outcome = Op::Outcome::ok;
        op.complete_time = time;
        if (op.fn == Op::Fn::read) op.output = e.value;
        if (op.fn == Op::Fn::cas) op.cas_succeeded = e.cas_succeeded;
        break;
      case sim::HistoryEvent::Type::fail:
        op.outcome = Op::Outcome::fail;
        op.complete_time = time;
        break;
      case sim::HistoryEvent::Type::info:
        break;  // stays info: it may take effect at any time after the invoke, or never
      case sim::HistoryEvent::Type::invoke:
        RAFTSIM_ASSERT(false);
    }
  }
  RAFTSIM_ASSERT(h.operations.size() >= open.size());
  return h;
}

}  // namespace tools
