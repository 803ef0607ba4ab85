#include "raft/log.h"

#include <algorithm>
#include <utility>

#include "base/assert.h"

namespace raft {

Log::Log(std::vector<Entry> entries) : entries_(std::move(entries)) {
  // A restored log must obey the same shape rules as one built by append(): terms non-decreasing, no
  // entry of term 0 (term 0 is "no entry").
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    RAFTSIM_ASSERT(entries_[i].term().value > 0);
    RAFTSIM_ASSERT(i == 0 || entries_[i - 1].term() <= entries_[i].term());
  }
}

Log::Log(LogIndex base_index, Term base_term, std::vector<Entry> entries) : Log(std::move(entries)) {
  RAFTSIM_ASSERT((base_index.value == 0) == (base_term.value == 0));  // a base exists iff it has a term
  RAFTSIM_ASSERT(entries_.empty() || entries_.front().term() >= base_term);
  base_index_ = base_index;
  base_term_ = base_term;
}

bool Log::is_up_to_date(Term other_last_term, LogIndex other_last_index) const {
  // 5.4.1: "If the logs have last entries with different terms, then the log with the later term is more
  // up-to-date. If the logs end with the same term, then whichever log is longer is more up-to-date."
  if (other_last_term != last_term()) {
    return other_last_term > last_term();
  }
  return other_last_index >= last_index();
}

LogIndex Log::first_index_of_term_at(LogIndex index) const {
  RAFTSIM_ASSERT(index.value >= 1 && index >= base_index_);
  RAFTSIM_ASSERT(index <= last_index());
  const Term term = term_at(index);
  LogIndex first = index;
  while (first.value > 1 && first > base_index_ && term_at(first.prev()) == term) {
    first = first.prev();
  }
  RAFTSIM_ASSERT(term_at(first) == term);
  return first;
}

std::optional<LogIndex> Log::last_index_of_term(Term term) const {
  RAFTSIM_ASSERT(term.value > 0);
  // Terms are non-decreasing, so scan back from the end and stop once below `term`.
  for (LogIndex i = last_index(); i.value >= 1 && i >= base_index_; i = i.prev()) {
    const Term t = term_at(i);
    if (t == term) {
      return i;
    }
    if (t < term) {
      break;
    }
  }
  return std::nullopt;
}

void Log::append(Entry entry) {
  RAFTSIM_ASSERT(entry.term().value > 0);
  RAFTSIM_ASSERT(entry.term() >= last_term());  // log terms never decrease
  entries_.push_back(std::move(entry));
}

void Log::truncate_from(LogIndex index) {
  RAFTSIM_ASSERT(index > base_index_);     // compacted entries are committed: never truncated
  RAFTSIM_ASSERT(index <= last_index());  // truncating nothing is a caller bug: it would emit a bogus event
  entries_.erase(entries_.begin() + static_cast<std::ptrdiff_t>(index.value - base_index_.value - 1), entries_.end());
  RAFTSIM_ASSERT(last_index() == index.prev());
}

EntryList Log::slice(LogIndex from, std::size_t max_count) const {
  EntryList out;
  slice_into(from, max_count, out);
  return out;
}

void Log::slice_into(LogIndex from, std::size_t max_count, EntryList& out) const {
  RAFTSIM_ASSERT(from > base_index_);
  RAFTSIM_ASSERT(from.value <= last_index().value + 1);
  RAFTSIM_ASSERT(out.empty());
  const std::size_t begin = from.value - base_index_.value - 1;
  // Compare counts, not begin + max_count, which overflows for max_count == SIZE_MAX ("all").
  const std::size_t end = begin + std::min(entries_.size() - begin, max_count);
  out.assign(entries_.data() + begin, entries_.data() + end);
}

void Log::compact_to(LogIndex index) {
  RAFTSIM_ASSERT(index >= base_index_);
  RAFTSIM_ASSERT(index <= last_index());
  const Term term = term_at(index);
  const auto drop = static_cast<std::ptrdiff_t>(index.value - base_index_.value);
  entries_.erase(entries_.begin(), entries_.begin() + drop);
  base_index_ = index;
  base_term_ = term;
  RAFTSIM_ASSERT(base_index_.value == 0 || base_term_.value > 0);
}

void Log::reset_to(LogIndex index, Term term) {
  RAFTSIM_ASSERT(index.value > 0 && term.value > 0);
  RAFTSIM_ASSERT(index >= base_index_);  // a snapshot older than the base would roll the log back
  entries_.clear();
  base_index_ = index;
  base_term_ = term;
}

}  // namespace raft
