// Log entries and the key-value commands they carry.
#pragma once

#include <cstdint>
#include <string>

#include "raft/types.h"

namespace raft {

// `noop` is the entry a new leader appends to commit entries of earlier terms (Raft paper 5.4.2, 8).
// `config` is a configuration entry (thesis 4.1): `value` holds the whole new configuration
// (raft/membership.h, encode_membership), `key` the change that made it ("add-learner 4"); no effect on the
// key-value state.
enum class OpKind : std::uint8_t { noop = 0, get = 1, put = 2, append = 3, cas = 4, config = 5 };

const char* op_name(OpKind op);

struct Command {
  OpKind op = OpKind::noop;
  std::string key;
  std::string value;     // put/append argument, cas new value
  std::string expected;  // cas only: the value that must be present
  std::uint64_t client_id = 0;
  std::uint64_t request_id = 0;

  bool operator==(const Command&) const = default;
};

struct Entry {
  Term term;
  Command command;

  bool operator==(const Entry&) const = default;
};

// A 64-bit digest of an entry's content (term and command), stable across runs and platforms.
// Checkers compare digests instead of whole entries.
std::uint64_t entry_digest(const Entry& entry);

}  // namespace raft
