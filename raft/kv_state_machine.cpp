#include "raft/kv_state_machine.h"

#include "base/assert.h"

namespace raft {

KvStateMachine::KvStateMachine(std::size_t max_sessions) : max_sessions_(max_sessions) {
  RAFTSIM_ASSERT(max_sessions_ >= 1);
}

std::string KvStateMachine::get(const std::string& key) const {
  const auto it = data_.find(key);
  return it == data_.end() ? std::string() : it->second;
}

KvResult KvStateMachine::apply(const Command& command, LogIndex index, Term term, Sessions sessions) {
  const bool tracked = sessions == Sessions::on && command.op != OpKind::noop && command.request_id != 0;
  if (tracked) {
    const auto it = sessions_.find(command.client_id);
    // Thesis 6.3: "If it receives a command whose serial number has already been executed, it responds
    // immediately without re-executing the request." A retry of the last request gets the saved reply;
    // an older one cannot be awaited any more (one request outstanding per client) and gets nothing.
    if (it != sessions_.end() && command.request_id <= it->second.last_request_id) {
      KvResult saved;
      if (command.request_id == it->second.last_request_id) {
        saved = it->second.reply;
      } else {
        saved.index = index;
        saved.term = term;
      }
      saved.duplicate = true;
      RAFTSIM_ASSERT(saved.index <= index || index == LogIndex(0));
      return saved;
    }
  }
  KvResult result = execute(command);
  result.index = index;
  result.term = term;
  if (tracked) remember(command.client_id, command.request_id, result);
  RAFTSIM_ASSERT(sessions_.size() <= max_sessions_);
  return result;
}

void KvStateMachine::remember(std::uint64_t client_id, std::uint64_t request_id, const KvResult& reply) {
  auto [it, inserted] = sessions_.try_emplace(client_id);
  it->second.last_request_id = request_id;
  it->second.reply = reply;
  if (inserted && sessions_.size() > max_sessions_) {
    // Drop the session applied longest ago; ties (index 0, unit tests) by lowest client id. Deterministic
    // on every replica: it depends only on the applied commands.
    auto oldest = sessions_.end();
    for (auto s = sessions_.begin(); s != sessions_.end(); ++s) {
      if (s->first == client_id) continue;
      if (oldest == sessions_.end() || s->second.reply.index < oldest->second.reply.index) oldest = s;
    }
    RAFTSIM_ASSERT(oldest != sessions_.end());
    RAFTSIM_ASSERT(oldest->first != client_id);
    sessions_.erase(oldest);
  }
  RAFTSIM_ASSERT(sessions_.size() <= max_sessions_);
}

KvResult KvStateMachine::execute(const Command& command) {
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
