// The in-memory Raft log (paper Figure 2, "log[]"): entries indexed from 1, each with the term in which a
// leader created it. Pure data structure; the persistence protocol lives in raft.cpp.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "raft/command.h"
#include "raft/types.h"

namespace raft {

class Log {
 public:
  Log() = default;
  explicit Log(std::vector<Entry> entries);

  LogIndex last_index() const { return LogIndex(entries_.size()); }
  Term last_term() const { return term_at(last_index()); }
  bool empty() const { return entries_.empty(); }

  // Term of the entry at `index`; 0 for index 0 ("before the first entry") or beyond the end, so that the
  // consistency check of an AppendEntries with prev_log_index 0 always succeeds (paper 5.3).
  Term term_at(LogIndex index) const;
  const Entry& at(LogIndex index) const;  // 1 <= index <= last_index()

  // The AppendEntries consistency check (paper 5.3): true iff this log has an entry at `index` with
  // `term` (index 0 always matches).
  bool matches(LogIndex index, Term term) const;

  // Paper 5.4.1 election restriction: is a log ending at (last_term, last_index) at least as up-to-date as
  // this one? Compare last terms first, then lengths.
  bool is_up_to_date(Term other_last_term, LogIndex other_last_index) const;

  // Fast log backup (thesis 5.3): the first index holding the same term as the entry at `index`.
  LogIndex first_index_of_term_at(LogIndex index) const;
  // The last index holding `term`, if any (leader side of fast log backup).
  std::optional<LogIndex> last_index_of_term(Term term) const;

  void append(Entry entry);  // term must not decrease (terms in a log are non-decreasing)
  void truncate_from(LogIndex index);  // drop every entry >= index; 1 <= index <= last_index()

  // Up to `max_count` entries starting at `from` (from may be last_index()+1, giving none).
  std::vector<Entry> slice(LogIndex from, std::size_t max_count) const;

  const std::vector<Entry>& entries() const { return entries_; }

 private:
  std::vector<Entry> entries_;  // entries_[0] has index 1
};

}  // namespace raft
