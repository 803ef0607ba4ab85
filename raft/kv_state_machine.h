// The replicated key-value state machine the reference Raft applies committed entries to, with client
// sessions (Ongaro thesis 6.3) so that a retried request is applied at most once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "raft/command.h"
#include "raft/types.h"

namespace raft {

// Result of applying one command. `value` is:
//   get:          the value read ("" if the key is absent)
//   put / append: the key's new value
//   cas:          the value before the cas (whether or not it succeeded)
//   noop:         ""
// `cas_succeeded` is true only for a cas whose `expected` matched the current value.
// `index`/`term`: the entry that took effect: the one applied now, or for a retried request that was
// already applied, the entry that applied it first (its reply is the saved one).
struct KvResult {
  std::string value;
  bool cas_succeeded = false;
  LogIndex index;
  Term term;
  // true: the command was not applied because its client's session had already applied this request
  // (or a later one): `value`/`cas_succeeded` are the saved reply (empty for an older request).
  bool duplicate = false;

  bool operator==(const KvResult&) const = default;
};

// One client's session (thesis 6.3): the last request it had applied and that request's reply. A client
// has at most one request outstanding and numbers its requests in increasing order, so the last one is
// all a server must remember to answer any retry the client can still be waiting for.
struct ClientSession {
  std::uint64_t last_request_id = 0;
  KvResult reply;

  bool operator==(const ClientSession&) const = default;
};

// `off` exists only for the planted bug retry-applied-twice (raft/bugs.h): every command is applied.
enum class Sessions : std::uint8_t { on, off };

// The order of the keys: std::less<std::string>'s (bytes compared as unsigned char, then the shorter first),
// written as an inline loop, because every applied command looks its key up in the map and keys are a few
// bytes long: std::string::compare's call to memcmp was most of a lookup (issue 14).
struct KeyLess {
  bool operator()(const std::string& a, const std::string& b) const {
    const std::size_t n = a.size() < b.size() ? a.size() : b.size();
    for (std::size_t i = 0; i < n; ++i) {
      const auto x = static_cast<unsigned char>(a[i]);
      const auto y = static_cast<unsigned char>(b[i]);
      if (x != y) return x < y;
    }
    return a.size() < b.size();
  }
};
using KvData = std::map<std::string, std::string, KeyLess>;

class KvStateMachine {
 public:
  // The session table holds one entry per client id. Clients are bounded by the scenario (at most 1,000
  // in raftsim's workload); beyond `max_sessions` the session applied longest ago (lowest index) is
  // dropped, a choice every replica makes alike because it depends only on the applied log (thesis 6.3:
  // servers must agree on when a session expires).
  static constexpr std::size_t kDefaultMaxSessions = 4096;
  explicit KvStateMachine(std::size_t max_sessions = kDefaultMaxSessions);

  // Applies the command of the entry at `index` (of `term`). A command with request_id 0 has no session
  // (noops, tools that do not retry) and is always applied.
  KvResult apply(const Command& command, LogIndex index = LogIndex(0), Term term = Term(0),
                 Sessions sessions = Sessions::on);
  // The same, with the result left where the state machine keeps it (the client's session, or a scratch
  // result for a command without one), valid until the next apply or restore: a replica that answers no
  // client (every follower) copies no value out of it.
  const KvResult& apply_in_place(const Command& command, LogIndex index, Term term, Sessions sessions);

  std::string get(const std::string& key) const;  // "" if absent
  const KvData& data() const { return data_; }
  // Replicated state as much as data(): a snapshot must carry it (thesis 6.3).
  const std::map<std::uint64_t, ClientSession>& sessions() const { return sessions_; }

  // Paper 7: the state as bytes, in a deterministic order (sorted keys), and back. The format is a
  // sequence of tagged sections (u32 tag, u64 length, payload), one per part of the state, so a new part
  // (a client session table, thesis 6.3) is one more section: write it in snapshot(), read it in restore().
  std::string snapshot() const;
  // Replaces the whole state; false (state unchanged) if `bytes` is not a snapshot this version wrote.
  bool restore(std::string_view bytes);

 private:
  // Applies `command` to the data, writing its result into `result` (whose string keeps its capacity).
  void execute(const Command& command, KvResult& result);
  // The session of `client_id`, created (dropping the one applied longest ago if the table is full) if new.
  ClientSession& session_of(std::uint64_t client_id);

  // Ordered maps: iteration order must never depend on hashing (determinism of anything derived from it).
  KvData data_;
  std::map<std::uint64_t, ClientSession> sessions_;  // by client id
  std::size_t max_sessions_;
  KvResult scratch_;  // apply_in_place's result for a command that has no session (or a duplicate)
};

// FNV-1a over the snapshot bytes: the state digest the node reports (snapshot_taken, snapshot_installed).
std::uint64_t state_digest(std::string_view snapshot_bytes);

}  // namespace raft
