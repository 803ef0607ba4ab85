// The replicated key-value state machine the reference Raft applies committed entries to.
#pragma once

#include <map>
#include <string>

#include "raft/command.h"

namespace raft {

// Result of applying one command. `value` is:
//   get:          the value read ("" if the key is absent)
//   put / append: the key's new value
//   cas:          the value before the cas (whether or not it succeeded)
//   noop:         ""
// `cas_succeeded` is true only for a cas whose `expected` matched the current value.
struct KvResult {
  std::string value;
  bool cas_succeeded = false;

  bool operator==(const KvResult&) const = default;
};

class KvStateMachine {
 public:
  KvResult apply(const Command& command);

  std::string get(const std::string& key) const;  // "" if absent
  const std::map<std::string, std::string>& data() const { return data_; }

 private:
  // Ordered map: iteration order must never depend on hashing (determinism of anything derived from it).
  std::map<std::string, std::string> data_;
};

}  // namespace raft
