// A log's terms, one per entry, kept as runs of equal terms (issue 14, goal 2: memory bounded in simulated
// time). A leader appends thousands of entries of one term, so a node's log of any length is a few runs:
// memory per term change, not per entry. The interface is the subset of std::vector<std::uint64_t> the
// Figure 2 checker uses, with the same results (index 0 is entry 1).
#pragma once

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <vector>

#include "base/assert.h"

namespace checkers {

class TermRuns {
 public:
  std::uint64_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  std::uint64_t back() const {
    RAFTSIM_ASSERT(!runs_.empty());
    return runs_.back().term;
  }
  std::uint64_t operator[](std::uint64_t i) const {
    RAFTSIM_ASSERT(i < size_);
    const auto after = std::upper_bound(runs_.begin(), runs_.end(), i,
                                        [](std::uint64_t x, const Run& r) { return x < r.first; });
    RAFTSIM_ASSERT(after != runs_.begin());
    return std::prev(after)->term;
  }
  void push_back(std::uint64_t term) {
    if (!runs_.empty() && runs_.back().term == term) {  // the usual case, inline: one more of the last run
      ++size_;
      return;
    }
    start_run(term);
  }
  // As std::vector::resize: shorter drops the entries from n on, longer appends `fill`.
  void resize(std::uint64_t n, std::uint64_t fill = 0) {
    if (n <= size_) {
      while (!runs_.empty() && runs_.back().first >= n) runs_.pop_back();
      size_ = n;
      return;
    }
    const std::uint64_t extra = n - size_;
    push_back(fill);
    size_ += extra - 1;
  }
  // Sets entry i (any entry; splitting a run in the middle is rare: a snapshot whose term differs from the
  // entry a node kept at its index).
  void set(std::uint64_t i, std::uint64_t term) {
    RAFTSIM_ASSERT(i < size_);
    if ((*this)[i] == term) return;
    if (i + 1 == size_) {
      resize(i);
      push_back(term);
      return;
    }
    std::vector<Run> out;
    out.reserve(runs_.size() + 2);
    for (std::size_t r = 0; r < runs_.size(); ++r) {
      const std::uint64_t end = r + 1 < runs_.size() ? runs_[r + 1].first : size_;
      if (i < runs_[r].first || i >= end) {
        append_run(out, runs_[r]);
        continue;
      }
      if (i > runs_[r].first) append_run(out, runs_[r]);
      append_run(out, Run{i, term});
      if (i + 1 < end) append_run(out, Run{i + 1, runs_[r].term});
    }
    runs_ = std::move(out);
    RAFTSIM_ASSERT((*this)[i] == term);
  }
  std::size_t runs() const { return runs_.size(); }

 private:
  struct Run {
    std::uint64_t first;  // index of the run's first entry
    std::uint64_t term;
  };
  [[gnu::noinline]] void start_run(std::uint64_t term) {
    RAFTSIM_ASSERT(runs_.empty() || runs_.back().term != term);
    runs_.push_back(Run{size_, term});
    ++size_;
  }
  static void append_run(std::vector<Run>& out, const Run& run) {
    if (out.empty() || out.back().term != run.term) out.push_back(run);
  }

  std::vector<Run> runs_;  // first strictly increasing, adjacent runs of different terms
  std::uint64_t size_ = 0;
};

}  // namespace checkers
