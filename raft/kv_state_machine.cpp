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
  return apply_in_place(command, index, term, sessions);
}

const KvResult& KvStateMachine::apply_in_place(const Command& command, LogIndex index, Term term, Sessions sessions) {
  const bool tracked = sessions == Sessions::on && command.op != OpKind::noop && command.request_id != 0;
  if (!tracked) {
    execute(command, scratch_);
    scratch_.index = index;
    scratch_.term = term;
    return scratch_;
  }
  const auto it = sessions_.find(command.client_id);
  // Thesis 6.3: "If it receives a command whose serial number has already been executed, it responds
  // immediately without re-executing the request." A retry of the last request gets the saved reply;
  // an older one cannot be awaited any more (one request outstanding per client) and gets nothing.
  if (it != sessions_.end() && command.request_id <= it->second.last_request_id) {
    if (command.request_id == it->second.last_request_id) {
      scratch_ = it->second.reply;
    } else {
      scratch_ = KvResult{};
      scratch_.index = index;
      scratch_.term = term;
    }
    scratch_.duplicate = true;
    RAFTSIM_ASSERT(scratch_.index <= index || index == LogIndex(0));
    return scratch_;
  }
  // The session's saved reply is the result: written in place, so its string reuses its capacity and no
  // copy of the value is made for the session.
  ClientSession& session = it != sessions_.end() ? it->second : session_of(command.client_id);
  execute(command, session.reply);
  session.reply.index = index;
  session.reply.term = term;
  session.last_request_id = command.request_id;
  RAFTSIM_ASSERT(!session.reply.duplicate);
  RAFTSIM_ASSERT(sessions_.size() <= max_sessions_);
  return session.reply;
}

ClientSession& KvStateMachine::session_of(std::uint64_t client_id) {
  auto [it, inserted] = sessions_.try_emplace(client_id);
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
  return it->second;
}

void KvStateMachine::execute(const Command& command, KvResult& result) {
  result.cas_succeeded = false;
  result.duplicate = false;
  switch (command.op) {
    case OpKind::noop:
    case OpKind::config:
      // The leader's term-start entry (paper 8), a configuration entry (thesis 4.1): no effect here.
      result.value.clear();
      return;
    case OpKind::get: {
      const auto it = data_.find(command.key);
      if (it == data_.end()) {
        result.value.clear();
      } else {
        result.value = it->second;
      }
      return;
    }
    case OpKind::put: {
      std::string& slot = data_.try_emplace(command.key).first->second;
      slot = command.value;
      result.value = command.value;
      return;
    }
    case OpKind::append: {
      std::string& slot = data_.try_emplace(command.key).first->second;
      slot += command.value;
      result.value = slot;
      return;
    }
    case OpKind::cas: {
      auto it = data_.find(command.key);
      // The value before the cas, so a client can tell why it failed; an absent key reads "".
      if (it == data_.end()) {
        result.value.clear();
      } else {
        result.value = it->second;
      }
      if (result.value == command.expected) {
        if (it == data_.end()) {
          it = data_.emplace(command.key, command.value).first;
        } else {
          it->second = command.value;
        }
        result.cas_succeeded = true;
      }
      // Succeeded: the key holds the new value. Failed: the key holds what was read (or is still absent).
      RAFTSIM_ASSERT(!result.cas_succeeded || (it != data_.end() && it->second == command.value));
      RAFTSIM_ASSERT(result.cas_succeeded || (it == data_.end() ? result.value.empty() : it->second == result.value));
      return;
    }
  }
  RAFTSIM_ASSERT_MSG(false, "KvStateMachine::apply: op outside the OpKind enum");
}

namespace {

// Section tags of the snapshot format. Append new ones; never renumber.
constexpr std::uint32_t kSectionKv = 1;  // u64 count, then (u64 key length, key, u64 value length, value)
// Thesis 6.3: the client sessions are replicated state like the data; a node restored from a snapshot
// without them would apply a retried request a second time. u64 count, then per session (by client id):
// u64 client id, u64 last request id, and its saved reply: u64 value length, value, u8 cas_succeeded,
// u64 index, u64 term, u8 duplicate.
constexpr std::uint32_t kSectionSessions = 2;
constexpr std::uint32_t kSnapshotMagic = 0x52534e50;  // "RSNP", then u32 section count

void put_u64(std::string& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));  // little-endian
}
void put_u32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void put_bytes(std::string& out, std::string_view b) {
  put_u64(out, b.size());
  out.append(b);
}

// A bounds-checked reader: every read fails (and stays failed) past the end.
struct Reader {
  std::string_view in;
  bool ok = true;
  std::uint64_t u(int bytes) {
    if (!ok || in.size() < static_cast<std::size_t>(bytes)) {
      ok = false;
      return 0;
    }
    std::uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v |= static_cast<std::uint64_t>(static_cast<unsigned char>(in[static_cast<std::size_t>(i)])) << (8 * i);
    in.remove_prefix(static_cast<std::size_t>(bytes));
    return v;
  }
  std::string_view bytes() {
    const std::uint64_t n = u(8);
    if (!ok || in.size() < n) {
      ok = false;
      return {};
    }
    const std::string_view b = in.substr(0, n);
    in.remove_prefix(n);
    return b;
  }
};

}  // namespace

std::string KvStateMachine::snapshot() const {
  std::string kv;
  put_u64(kv, data_.size());
  for (const auto& [key, value] : data_) {  // std::map: sorted keys, a deterministic byte order
    put_bytes(kv, key);
    put_bytes(kv, value);
  }
  std::string sessions;
  put_u64(sessions, sessions_.size());
  for (const auto& [client, session] : sessions_) {  // std::map: sorted client ids
    put_u64(sessions, client);
    put_u64(sessions, session.last_request_id);
    put_bytes(sessions, session.reply.value);
    sessions.push_back(session.reply.cas_succeeded ? '\1' : '\0');
    put_u64(sessions, session.reply.index.value);
    put_u64(sessions, session.reply.term.value);
    sessions.push_back(session.reply.duplicate ? '\1' : '\0');
  }
  std::string out;
  put_u32(out, kSnapshotMagic);
  put_u32(out, 2);  // sections
  put_u32(out, kSectionKv);
  put_bytes(out, kv);
  put_u32(out, kSectionSessions);
  put_bytes(out, sessions);
  RAFTSIM_ASSERT(out.size() >= 44);
  return out;
}

bool KvStateMachine::restore(std::string_view bytes) {
  Reader r{bytes};
  if (r.u(4) != kSnapshotMagic) return false;
  const std::uint64_t sections = r.u(4);
  KvData data;
  std::map<std::uint64_t, ClientSession> client_sessions;
  for (std::uint64_t s = 0; s < sections && r.ok; ++s) {
    const std::uint64_t tag = r.u(4);
    Reader section{r.bytes()};
    if (tag == kSectionKv) {
      const std::uint64_t count = section.u(8);
      for (std::uint64_t i = 0; i < count && section.ok; ++i) {
        std::string key(section.bytes());
        std::string value(section.bytes());
        data.emplace(std::move(key), std::move(value));
      }
      if (!section.ok || !section.in.empty()) return false;
    } else if (tag == kSectionSessions) {
      const std::uint64_t count = section.u(8);
      for (std::uint64_t i = 0; i < count && section.ok; ++i) {
        const std::uint64_t client = section.u(8);
        ClientSession session;
        session.last_request_id = section.u(8);
        session.reply.value = std::string(section.bytes());
        session.reply.cas_succeeded = section.u(1) != 0;
        session.reply.index = LogIndex(section.u(8));
        session.reply.term = Term(section.u(8));
        session.reply.duplicate = section.u(1) != 0;
        client_sessions.emplace(client, std::move(session));
      }
      if (!section.ok || !section.in.empty()) return false;
      // Every replica runs with the same bound; a table over it is not a state this machine can hold.
      if (client_sessions.size() > max_sessions_) return false;
    } else {
      return false;  // a section this version does not know: refuse rather than lose state
    }
  }
  if (!r.ok || !r.in.empty()) return false;
  data_ = std::move(data);
  sessions_ = std::move(client_sessions);
  RAFTSIM_ASSERT(sessions_.size() <= max_sessions_);
  RAFTSIM_ASSERT(snapshot().size() == bytes.size());  // a round trip gives the same bytes
  return true;
}

std::uint64_t state_digest(std::string_view snapshot_bytes) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const char c : snapshot_bytes) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  RAFTSIM_ASSERT(h != 0 || !snapshot_bytes.empty());
  return h;
}

}  // namespace raft
