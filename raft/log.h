// The in-memory Raft log (paper Figure 2, "log[]"): entries indexed from 1, each with the term in which a
// leader created it. After log compaction (paper 7) the entries up to base_index() are gone (a snapshot
// covers them) and only the base's term is kept, for the consistency check of the entry after it.
// Pure data structure; the persistence protocol lives in raft.cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "base/assert.h"
#include "raft/command.h"
#include "raft/entry_list.h"
#include "raft/types.h"

namespace raft {

class Log {
 public:
  Log() = default;
  explicit Log(std::vector<Entry> entries);
  // A log whose entries up to `base_index` were compacted into a snapshot (entries[0] has base_index + 1).
  Log(LogIndex base_index, Term base_term, std::vector<Entry> entries);

  LogIndex last_index() const { return base_index_ + entries_.size(); }
  Term last_term() const { return term_at(last_index()); }
  bool empty() const { return entries_.empty(); }
  // Paper 7: the last index and term the snapshot replaced (0, 0 before any compaction).
  LogIndex base_index() const { return base_index_; }
  Term base_term() const { return base_term_; }

  // Term of the entry at `index`; 0 for index 0 ("before the first entry") or beyond the end, so that the
  // consistency check of an AppendEntries with prev_log_index 0 always succeeds (paper 5.3). The base's
  // term at base_index(); 0 (unknown) below it: those entries are compacted.
  // (This and the accessors below are inline: each step of the Raft asks several of them.)
  Term term_at(LogIndex index) const {
    if (index.value == 0 || index > last_index() || index < base_index_) {
      return Term(0);
    }
    if (index == base_index_) return base_term_;
    const Term term = entries_[index.value - base_index_.value - 1].term();
    RAFTSIM_ASSERT(term.value > 0);  // term 0 is reserved for "no entry"
    return term;
  }
  const Entry& at(LogIndex index) const {  // base_index() < index <= last_index()
    RAFTSIM_ASSERT(index > base_index_);
    RAFTSIM_ASSERT(index <= last_index());
    return entries_[index.value - base_index_.value - 1];
  }
  // entry_digest(at(index)), computed once when the entry was created (reported at append and at apply).
  std::uint64_t digest_at(LogIndex index) const { return at(index).digest(); }

  // The AppendEntries consistency check (paper 5.3): true iff this log has an entry at `index` with
  // `term` (index 0 always matches).
  bool matches(LogIndex index, Term term) const {
    if (index.value == 0) {
      RAFTSIM_ASSERT(term.value == 0);  // the leader's term at index 0 is 0 by definition
      return true;
    }
    return index >= base_index_ && index <= last_index() && term_at(index) == term;
  }

  // Paper 5.4.1 election restriction: is a log ending at (last_term, last_index) at least as up-to-date as
  // this one? Compare last terms first, then lengths.
  bool is_up_to_date(Term other_last_term, LogIndex other_last_index) const;

  // Fast log backup (thesis 5.3): the first index holding the same term as the entry at `index`.
  LogIndex first_index_of_term_at(LogIndex index) const;
  // The last index holding `term`, if any (leader side of fast log backup).
  std::optional<LogIndex> last_index_of_term(Term term) const;

  void append(Entry entry);  // term must not decrease (terms in a log are non-decreasing)
  void truncate_from(LogIndex index);  // drop every entry >= index; 1 <= index <= last_index()

  // Up to `max_count` entries starting at `from` (base_index() < from <= last_index()+1). Cheap: the copies
  // share their content with the log's entries (Entry).
  EntryList slice(LogIndex from, std::size_t max_count) const;
  // The same into `out`, which must be empty: where a message or a write is built in place (the Raft's hot
  // path), no list is moved into it and then destroyed.
  void slice_into(LogIndex from, std::size_t max_count, EntryList& out) const;

  // Paper 7: drop every entry up to `index` (base_index() <= index <= last_index()); index becomes the base.
  void compact_to(LogIndex index);
  // Figure 13 rule 7: discard the whole log; it now starts after a snapshot at (index, term).
  void reset_to(LogIndex index, Term term);

  const std::vector<Entry>& entries() const { return entries_; }

 private:
  std::vector<Entry> entries_;  // entries_[0] has index base_index_ + 1
  LogIndex base_index_;
  Term base_term_;
};

}  // namespace raft
