// Log entries and the key-value commands they carry.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>

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

// A log entry: the term in which a leader created it and the command it carries, immutable from then on
// (Raft paper 5.3: an entry never changes in place; a conflicting one is truncated and replaced by another).
// Immutability lets every copy share one body behind a reference count: the leader's log, its persist
// request, each AppendEntries to each follower, and each follower's log and persist request hold the same
// strings instead of copies of them (issue 14: about 70 instructions per trace event of basic.json, measured).
// The digest is computed once, when the entry is created, instead of once per node that appends it.
class Entry {
 public:
  // The command is moved into the shared body once (a client request's strings are moved, never copied,
  // on their way from the host into the log); a const one is copied once.
  Entry(Term term, Command&& command);
  Entry(Term term, const Command& command) : Entry(term, Command(command)) {}

  Term term() const { return body_->term; }
  const Command& command() const { return body_->command; }
  // entry_digest(*this), computed at construction.
  std::uint64_t digest() const { return body_->digest; }

  // By content (term and command), as when every copy held its own strings: two entries created apart
  // with the same content are equal. The shared body makes a copy compare equal without a string compare.
  bool operator==(const Entry& other) const {
    return body_ == other.body_ || (body_->term == other.body_->term && body_->command == other.body_->command);
  }

 private:
  struct Body {
    // A constructor, not an aggregate: make_shared builds it in place, and clang 14 (CI's sanitizer
    // build) does not yet initialize aggregates from parentheses.
    Body(Term term_in, Command&& command_in, std::uint64_t digest_in)
        : term(term_in), command(std::move(command_in)), digest(digest_in) {}
    Term term;
    Command command;
    std::uint64_t digest = 0;
  };
  // Never null (there is no default constructor); a moved-from Entry may only be destroyed or assigned.
  std::shared_ptr<const Body> body_;
};

// A 64-bit digest of an entry's content (term and command), stable across runs and platforms.
// Checkers compare digests instead of whole entries.
std::uint64_t entry_digest(const Entry& entry);
// The same digest of a (term, command) pair, without an Entry (Entry's constructor computes it with this).
std::uint64_t entry_digest(Term term, const Command& command);

}  // namespace raft
