#include "raft/kv_state_machine.h"

#include "base/assert.h"

namespace raft {

std::string KvStateMachine::get(const std::string& key) const {
  const auto it = data_.find(key);
  return it == data_.end() ? std::string() : it->second;
}

KvResult KvStateMachine::apply(const Command& command) {
  KvResult result;
  switch (command.op) {
    case OpKind::noop:
      // The leader's term-start entry (paper 8): no effect on the state machine.
      return result;
    case OpKind::get:
      result.value = get(command.key);
      return result;
    case OpKind::put:
      data_[command.key] = command.value;
      result.value = command.value;
      return result;
    case OpKind::append: {
      std::string& slot = data_[command.key];
      slot += command.value;
      result.value = slot;
      return result;
    }
    case OpKind::cas: {
      result.value = get(command.key);  // the value before the cas, so a client can tell why it failed
      if (result.value == command.expected) {
        data_[command.key] = command.value;
        result.cas_succeeded = true;
      }
      RAFTSIM_ASSERT(!result.cas_succeeded || get(command.key) == command.value);
      RAFTSIM_ASSERT(result.cas_succeeded || get(command.key) == result.value);
      return result;
    }
  }
  RAFTSIM_ASSERT_MSG(false, "KvStateMachine::apply: op outside the OpKind enum");
  return result;
}

}  // namespace raft
