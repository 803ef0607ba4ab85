#include "checkers/log_matching.h"

#include <fmt/format.h>

#include "base/assert.h"

namespace checkers {

namespace {
std::uint64_t chain_hash(std::uint64_t prev, std::uint64_t term, std::uint64_t digest) {
  std::uint64_t h = prev ^ (term * 0x9E3779B97F4A7C15ULL);
  h = (h ^ (h >> 31)) * 0xBF58476D1CE4E5B9ULL;
  h ^= digest + 0x94D049BB133111EBULL + (h << 6) + (h >> 2);
  return (h ^ (h >> 29)) * 0x94D049BB133111EBULL;
}
}  // namespace

std::vector<LogMatching::Slot>& LogMatching::log_of(std::int32_t node) {
  RAFTSIM_ASSERT(node >= 0);
  if (static_cast<std::size_t>(node) >= logs_.size()) logs_.resize(static_cast<std::size_t>(node) + 1);
  return logs_[static_cast<std::size_t>(node)];
}

std::optional<Violation> LogMatching::observe(const sim::TraceEvent& e) {
  switch (e.kind) {
    case sim::EventKind::crash:
      // The volatile log is gone; the restarted node reports what it reloads.
      log_of(e.node).clear();
      return std::nullopt;
    case sim::EventKind::log_truncate: {
      auto& log = log_of(e.node);
      const std::uint64_t from = e.a;
      if (from == 0 || from > log.size() + 1) {
        return Violation{name(), Severity::safety, e.time_us, {e.node},
                         fmt::format("node {} truncated its log from index {} but its log ends at {}", e.node, from,
                                     log.size())};
      }
      log.resize(from - 1);
      return std::nullopt;
    }
    case sim::EventKind::log_append: {
      auto& log = log_of(e.node);
      const std::uint64_t index = e.a;
      const std::uint64_t term = e.b;
      if (index != log.size() + 1) {
        return Violation{name(), Severity::safety, e.time_us, {e.node},
                         fmt::format("node {} appended index {} to a log ending at {} (gap or overwrite without "
                                     "truncation)",
                                     e.node, index, log.size())};
      }
      if (!log.empty() && term < log.back().term) {
        return Violation{name(), Severity::safety, e.time_us, {e.node},
                         fmt::format("node {} appended index {} with term {} after an entry of term {}", e.node,
                                     index, term, log.back().term)};
      }
      const std::uint64_t chain = chain_hash(log.empty() ? 0 : log.back().chain, term, e.c);
      log.push_back(Slot{term, chain});
      auto [it, inserted] = seen_.emplace(std::make_pair(index, term), First{chain, e.node});
      if (!inserted && it->second.chain != chain) {
        return Violation{name(), Severity::safety, e.time_us, {it->second.node, e.node},
                         fmt::format("node {} and node {} both have an entry at index {} in term {}, but their logs "
                                     "differ at or before that index",
                                     it->second.node, e.node, index, term)};
      }
      return std::nullopt;
    }
    default:
      return std::nullopt;
  }
}

}  // namespace checkers
