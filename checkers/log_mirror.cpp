#include "checkers/log_mirror.h"

#include <fmt/format.h>

#include "base/assert.h"

namespace checkers {

std::uint64_t chain_hash(std::uint64_t prev, std::uint64_t term, std::uint64_t digest) {
  std::uint64_t h = prev ^ (term * 0x9E3779B97F4A7C15ULL);
  h = (h ^ (h >> 31)) * 0xBF58476D1CE4E5B9ULL;
  h ^= digest + 0x94D049BB133111EBULL + (h << 6) + (h >> 2);
  return (h ^ (h >> 29)) * 0x94D049BB133111EBULL;
}

std::vector<LogMirror::Slot>& LogMirror::mutable_log(std::int32_t node) {
  RAFTSIM_ASSERT(node >= 0);
  if (static_cast<std::size_t>(node) >= logs_.size()) logs_.resize(static_cast<std::size_t>(node) + 1);
  return logs_[static_cast<std::size_t>(node)];
}

const std::vector<LogMirror::Slot>& LogMirror::log(std::int32_t node) const {
  static const std::vector<Slot> kEmpty;
  RAFTSIM_ASSERT(node >= 0);
  return static_cast<std::size_t>(node) < logs_.size() ? logs_[static_cast<std::size_t>(node)] : kEmpty;
}

const LogMirror::Slot* LogMirror::at(std::int32_t node, std::uint64_t index) const {
  const auto& l = log(node);
  if (index == 0 || index > l.size()) return nullptr;
  return &l[index - 1];
}

const std::vector<LogMirror::Slot>* LogMirror::log_at_crash(std::int32_t node) const {
  RAFTSIM_ASSERT(node >= 0);
  const auto n = static_cast<std::size_t>(node);
  return n < at_crash_.size() && at_crash_[n].has_value() ? &*at_crash_[n] : nullptr;
}

std::optional<std::string> LogMirror::apply(const sim::TraceEvent& e) {
  last_problem_ = apply_change(e);
  return last_problem_;
}

std::optional<std::string> LogMirror::apply_change(const sim::TraceEvent& e) {
  switch (e.kind) {
    case sim::EventKind::crash: {
      // The volatile log is gone; the restarted node reports what it reloads. Until then the log it had
      // is kept aside (log_at_crash).
      auto& log = mutable_log(e.node);
      const auto n = static_cast<std::size_t>(e.node);
      if (n >= at_crash_.size()) at_crash_.resize(n + 1);
      at_crash_[n] = std::move(log);
      log.clear();
      return std::nullopt;
    }
    case sim::EventKind::restart: {
      const auto n = static_cast<std::size_t>(e.node);
      if (e.node >= 0 && n < at_crash_.size()) at_crash_[n].reset();
      return std::nullopt;
    }
    case sim::EventKind::log_truncate: {
      auto& log = mutable_log(e.node);
      const std::uint64_t from = e.a;
      if (from == 0 || from > log.size() + 1) {
        return fmt::format("node {} truncated its log from index {} but its log ends at {}", e.node, from, log.size());
      }
      log.resize(from - 1);
      return std::nullopt;
    }
    case sim::EventKind::log_append: {
      auto& log = mutable_log(e.node);
      const std::uint64_t index = e.a;
      const std::uint64_t term = e.b;
      if (index != log.size() + 1) {
        return fmt::format("node {} appended index {} to a log ending at {} (gap or overwrite without truncation)",
                           e.node, index, log.size());
      }
      if (!log.empty() && term < log.back().term) {
        return fmt::format("node {} appended index {} with term {} after an entry of term {}", e.node, index, term,
                           log.back().term);
      }
      log.push_back(Slot{term, e.c, chain_hash(log.empty() ? 0 : log.back().chain, term, e.c)});
      RAFTSIM_ASSERT(log.size() == index);
      return std::nullopt;
    }
    case sim::EventKind::commit: {
      // Extend the committed prefix with this node's entries (log matching keeps them consistent).
      const auto& log = mutable_log(e.node);
      for (std::uint64_t i = committed_.size() + 1; i <= e.a && i <= log.size(); ++i) committed_.push_back(log[i - 1]);
      return std::nullopt;
    }
    case sim::EventKind::snapshot_installed:
    case sim::EventKind::snapshot_restored:
      return install_snapshot(e);
    default:
      return std::nullopt;
  }
}

std::optional<std::string> LogMirror::install_snapshot(const sim::TraceEvent& e) {
  RAFTSIM_ASSERT(e.kind == sim::EventKind::snapshot_installed || e.kind == sim::EventKind::snapshot_restored);
  auto& log = mutable_log(e.node);
  const std::uint64_t index = e.a;
  if (index == 0) return std::nullopt;
  if (index > committed_.size()) {
    // A snapshot holds only committed entries (paper 7): one beyond every commit seen has uncommitted state.
    log.clear();
    return fmt::format("node {} {} a snapshot up to index {}, but only entries up to {} were ever committed", e.node,
                       e.kind == sim::EventKind::snapshot_installed ? "installed" : "restored", index, committed_.size());
  }
  const Slot& last = committed_[index - 1];
  const bool holds = index <= log.size() && log[index - 1].chain == last.chain;
  if (!holds) log.assign(committed_.begin(), committed_.begin() + static_cast<std::ptrdiff_t>(index));
  RAFTSIM_ASSERT(log.size() >= index);
  if (last.term != e.b) {
    return fmt::format("node {} has a snapshot up to index {} of term {}, but the committed entry there has term {}",
                       e.node, index, e.b, last.term);
  }
  return std::nullopt;
}

}  // namespace checkers
