#include "checkers/log_mirror.h"

#include <algorithm>

#include <fmt/format.h>

#include "base/assert.h"

namespace checkers {

std::uint64_t chain_hash(std::uint64_t prev, std::uint64_t term, std::uint64_t digest) {
  std::uint64_t h = prev ^ (term * 0x9E3779B97F4A7C15ULL);
  h = (h ^ (h >> 31)) * 0xBF58476D1CE4E5B9ULL;
  h ^= digest + 0x94D049BB133111EBULL + (h << 6) + (h >> 2);
  return (h ^ (h >> 29)) * 0x94D049BB133111EBULL;
}

void LogMirror::grow(std::int32_t node) {
  RAFTSIM_ASSERT(node >= 0);
  if (static_cast<std::size_t>(node) >= logs_.size()) logs_.resize(static_cast<std::size_t>(node) + 1);
  RAFTSIM_ASSERT(static_cast<std::size_t>(node) < logs_.size());
}

const LogMirror::NodeLog& LogMirror::empty_log(std::int32_t node) {
  static const NodeLog kEmpty;
  RAFTSIM_ASSERT(node >= 0);
  return kEmpty;
}

std::size_t LogMirror::stored_slots() const {
  std::size_t total = 0;
  for (const NodeLog& l : logs_) total += l.stored();
  for (const auto& l : at_crash_) total += l.has_value() ? l->stored() : 0;
  return total;
}

// The log becomes the committed prefix up to `base` and nothing after it.
void LogMirror::reset(NodeLog& log, std::uint64_t base) {
  log.base_ = base;
  log.tail_.clear();
  log.head_ = 0;
}

void LogMirror::truncate(NodeLog& log, std::uint64_t size) {
  if (size <= log.base_) {
    reset(log, size);  // entries 1..size are still the committed prefix's
    return;
  }
  log.tail_.resize(log.head_ + (size - log.base_));
  RAFTSIM_ASSERT(log.size() == size);
}

// Moves the node's entries that equal the committed entry at their index into the shared prefix. Only
// equal slots fold (term, digest and chain), so at() answers exactly what the node's own copy held.
// Inline into apply_change's commit case (a call per node at each leader's commit was about 55 instructions),
// with the sizes read once: nothing in the loop changes them.
[[gnu::always_inline]] inline void LogMirror::fold(NodeLog& log) const {
  const Slot* const committed = committed_.data();
  const std::size_t committed_size = committed_.size();
  const Slot* const tail = log.tail_.data();
  const std::size_t tail_size = log.tail_.size();
  std::uint64_t base = log.base_;
  std::size_t head = log.head_;
  while (base < committed_size && head < tail_size && tail[head] == committed[base]) {
    ++base;
    ++head;
  }
  RAFTSIM_ASSERT(base - log.base_ == head - log.head_);
  log.base_ = base;
  log.head_ = head;
  // Erase the folded front once it is at least half the vector (amortised O(1) per entry).
  if (head >= 64 && head * 2 >= tail_size) {
    log.tail_.erase(log.tail_.begin(), log.tail_.begin() + static_cast<std::ptrdiff_t>(head));
    log.head_ = 0;
  }
}

std::optional<std::string> LogMirror::apply(const sim::TraceEvent& e) {
  apply_change(e);
  return last_problem_;
}

void LogMirror::apply_change(const sim::TraceEvent& e) {
  if (last_problem_) last_problem_.reset();  // (a check first: a problem is rare, the reset is not free)
  switch (e.kind) {
    case sim::EventKind::crash: {
      ++shrinks_;
      // The volatile log is gone; the restarted node reports what it reloads. Until then the log it had
      // is kept aside (log_at_crash).
      auto& log = mutable_log(e.node);
      const auto n = static_cast<std::size_t>(e.node);
      if (n >= at_crash_.size()) at_crash_.resize(n + 1);
      at_crash_[n] = std::move(log);
      reset(log, 0);
      return;
    }
    case sim::EventKind::restart: {
      const auto n = static_cast<std::size_t>(e.node);
      if (e.node >= 0 && n < at_crash_.size()) at_crash_[n].reset();
      return;
    }
    case sim::EventKind::log_truncate: {
      ++shrinks_;
      auto& log = mutable_log(e.node);
      const std::uint64_t from = e.a;
      if (from == 0 || from > log.size() + 1) {
        last_problem_ = fmt::format("node {} truncated its log from index {} but its log ends at {}", e.node, from,
                                    log.size());
        return;
      }
      truncate(log, from - 1);
      return;
    }
    case sim::EventKind::log_append: {
      auto& log = mutable_log(e.node);
      const std::uint64_t index = e.a;
      const std::uint64_t term = e.b;
      if (index != log.size() + 1) {
        last_problem_ = fmt::format(
            "node {} appended index {} to a log ending at {} (gap or overwrite without truncation)", e.node, index,
            log.size());
        return;
      }
      const Slot* last = LogRef(log, committed_).at(log.size());
      if (last != nullptr && term < last->term) {
        last_problem_ = fmt::format("node {} appended index {} with term {} after an entry of term {}", e.node, index,
                                    term, last->term);
        return;
      }
      log.tail_.push_back(Slot{term, e.c, chain_hash(last == nullptr ? 0 : last->chain, term, e.c)});
      RAFTSIM_ASSERT(log.size() == index);
      return;
    }
    case sim::EventKind::commit: {
      // Extend the committed prefix with this node's entries (log matching keeps them consistent).
      const std::size_t committed_before = committed_.size();
      {
        const LogRef log(mutable_log(e.node), committed_);
        // Entries past the committed prefix are the node's own (base <= committed_.size()), never a
        // reference into committed_ that push_back could move.
        const std::uint64_t end = std::min<std::uint64_t>(e.a, log.size());
        for (std::uint64_t i = committed_.size() + 1; i <= end; ++i) {
          RAFTSIM_ASSERT(i > log.base());
          committed_.push_back(*log.at(i));
        }
      }
      // Every node's entries that are now committed as it holds them join the shared prefix: all nodes' when
      // the prefix grew (a leader's commit, one in five), else only this node's (entries it appended since the
      // prefix last grew; another node's such entries fold at its own commit or the prefix's next growth).
      // When a slot folds changes what is stored, never what at() answers.
      if (committed_.size() != committed_before) {
        for (NodeLog& l : logs_) fold(l);
      } else {
        fold(mutable_log(e.node));
      }
      return;
    }
    case sim::EventKind::snapshot_installed:
    case sim::EventKind::snapshot_restored:
      ++shrinks_;
      last_problem_ = install_snapshot(e);
      return;
    default:
      return;
  }
}

std::optional<std::string> LogMirror::install_snapshot(const sim::TraceEvent& e) {
  RAFTSIM_ASSERT(e.kind == sim::EventKind::snapshot_installed || e.kind == sim::EventKind::snapshot_restored);
  auto& log = mutable_log(e.node);
  const std::uint64_t index = e.a;
  if (index == 0) return std::nullopt;
  if (index > committed_.size()) {
    // A snapshot holds only committed entries (paper 7): one beyond every commit seen has uncommitted state.
    reset(log, 0);
    return fmt::format("node {} {} a snapshot up to index {}, but only entries up to {} were ever committed", e.node,
                       e.kind == sim::EventKind::snapshot_installed ? "installed" : "restored", index, committed_.size());
  }
  const Slot& last = committed_[index - 1];
  const Slot* own = LogRef(log, committed_).at(index);
  const bool holds = own != nullptr && own->chain == last.chain;
  if (!holds) reset(log, index);
  RAFTSIM_ASSERT(log.size() >= index);
  if (last.term != e.b) {
    return fmt::format("node {} has a snapshot up to index {} of term {}, but the committed entry there has term {}",
                       e.node, index, e.b, last.term);
  }
  return std::nullopt;
}

}  // namespace checkers
