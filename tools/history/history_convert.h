// A raftsim client history (sim::HistoryEvent, in the order things happened) as the linearizability
// checker's input (checkers::History: operations with invoke and completion paired).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "checkers/history.h"
#include "sim/workload.h"

namespace tools {

// What a client invoke asks the checker to decide: the function, its argument and, for a cas, the value
// it expects. The one mapping from sim::ClientOp to checkers::Operation::Fn, for the batch conversion below
// and the streaming feed (history_stream.h). The strings are views into the event (the streaming feed
// copies none: the checker interns them).
struct CheckerCall {
  checkers::Operation::Fn fn = checkers::Operation::Fn::read;
  std::optional<std::string_view> input;
  std::optional<std::string_view> expected;
};
CheckerCall checker_call(const sim::HistoryEvent& invoke);
// The same from an invoke's parts (the streaming feed keeps those, not the event).
CheckerCall checker_call(sim::ClientOp op, std::string_view value, std::string_view expected);

// Times are positions in the history, so simultaneous events keep their exact order. An invoke with no
// completion (still in flight at the end) is an info operation; a cas that did not match is ok with
// cas_succeeded = false (it constrains the history); a fail constrains nothing.
checkers::History to_checker_history(const std::vector<sim::HistoryEvent>& events);

}  // namespace tools
