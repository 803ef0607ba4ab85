#include "checkers/liveness.h"

#include <algorithm>

#include <fmt/format.h>

#include "base/assert.h"

namespace checkers {

// The highest term sent by a voter of the committed configuration (by any node without membership changes).
std::uint64_t Liveness::max_sent_term() const {
  std::uint64_t max_term = 0;
  const bool by_configuration = membership_->active();
  const std::uint64_t voters = membership_->committed_voters();
  for (std::size_t n = 0; n < sent_term_.size(); ++n) {
    if (!by_configuration || MembershipView::has(voters, static_cast<std::int32_t>(n))) max_term = std::max(max_term, sent_term_[n]);
  }
  return max_term;
}

// A running leader whose term no voter of the committed configuration has exceeded in a message it sent.
// (A node's own higher term that it never managed to send, say a candidate stuck behind a slow disk, does
// not unseat a working leader; nor do the terms of a node removed since, thesis 4.2.3.)
bool Liveness::leader_now() const {
  const std::uint64_t max_term = max_sent_term();
  for (const auto& [role, term] : roles_) {
    if (role == static_cast<int>(sim::Role::leader) && term >= max_term) return true;
  }
  return false;
}

std::optional<Violation> Liveness::check_deadline(std::int64_t now_us) {
  if (!deadline_us_ || settled_at_us_ || now_us <= *deadline_us_) return std::nullopt;
  Violation v;
  v.checker = name();
  v.severity = Severity::liveness;
  v.time_us = *deadline_us_;
  v.message = fmt::format("no leader in the highest term on the network {:.3f}ms after the faults healed at {:.3f}ms (the bound is "
                          "liveness.leader_within_election_timeouts election timeouts); last healthy (a client "
                          "operation completed) at {}",
                          static_cast<double>(*deadline_us_ - *healed_at_us_) / 1000.0,
                          static_cast<double>(*healed_at_us_) / 1000.0,
                          last_ok_at_us_ ? fmt::format("{:.3f}ms", static_cast<double>(*last_ok_at_us_) / 1000.0)
                                         : std::string("never"));
  return v;
}

std::optional<Violation> Liveness::observe_slow(const sim::TraceEvent& e) {
  // Every event: the deadline check itself only once a deadline passed unmet (rare).
  RAFTSIM_ASSERT(due_after_us_ == (deadline_us_ && !settled_at_us_ ? *deadline_us_ : INT64_MAX));
  if (e.time_us > due_after_us_) {
    if (auto v = check_deadline(e.time_us)) return v;
  }
  membership_.observe(e);
  using K = sim::EventKind;
  if ((kSetKinds & kind_bit(e.kind)) == 0) return std::nullopt;
  // A send of a node already seen (observe's inline case, here for a view of its own or a deadline).
  if (e.kind == K::send && e.node >= 0 && static_cast<std::size_t>(e.node) < sent_term_.size()) {
    note_sent(e);
    return std::nullopt;
  }
  act(e);
  return std::nullopt;
}

void Liveness::act(const sim::TraceEvent& e) {
  // Per node, grown when a node first appears in a kind read here (a node shown by no other kind has no role
  // and sent no term: the same as the defaults).
  if (e.node >= 0 && static_cast<std::size_t>(e.node) >= roles_.size()) {
    roles_.resize(static_cast<std::size_t>(e.node) + 1, {static_cast<int>(sim::Role::follower), 0});
    sent_term_.resize(roles_.size(), 0);
  }
  RAFTSIM_ASSERT(sent_term_.size() == roles_.size());
  switch (e.kind) {
    case sim::EventKind::phase:
      if (e.a == 1) {
        healed_at_us_ = e.time_us;
        if (e.b != 0) deadline_us_ = static_cast<std::int64_t>(e.b);
        if (leader_now()) settled_at_us_ = e.time_us;
      }
      break;
    case sim::EventKind::crash:
      roles_[static_cast<std::size_t>(e.node)].first = -1;
      break;
    case sim::EventKind::send:
      // Once a leader was found after the heal the bound is met; later elections are the other rule's concern.
      if (e.node >= 0) note_sent(e);
      break;
    case sim::EventKind::commit:
      // A configuration that committed may leave out the node that sent the highest term.
      if (healed_at_us_ && !settled_at_us_ && leader_now()) settled_at_us_ = e.time_us;
      break;
    case sim::EventKind::client_invoke:
      if (healed_at_us_) invoked_after_heal_.insert(e.a);
      break;
    case sim::EventKind::client_ok:
      last_ok_at_us_ = e.time_us;
      if (!healthy_at_us_ && invoked_after_heal_.count(e.a) != 0) healthy_at_us_ = e.time_us;
      break;
    case sim::EventKind::role:
      roles_[static_cast<std::size_t>(e.node)] = {static_cast<int>(e.a), e.b};
      if (healed_at_us_ && !leader_after_heal_us_ && e.a == static_cast<std::uint64_t>(sim::Role::leader)) {
        leader_after_heal_us_ = e.time_us;
      }
      if (healed_at_us_ && !settled_at_us_ && leader_now()) settled_at_us_ = e.time_us;
      break;
    default:
      break;
  }
  update_due();
}

std::optional<Violation> Liveness::finish(std::int64_t end_time_us) {
  if (auto v = check_deadline(end_time_us)) return v;
  if (!healed_at_us_ || healthy_at_us_) return std::nullopt;
  auto ms = [](std::int64_t us) { return static_cast<double>(us) / 1000.0; };
  std::string last = last_ok_at_us_ ? fmt::format("{}ms", ms(*last_ok_at_us_)) : std::string("never");
  std::string leader = leader_after_heal_us_ ? fmt::format("a leader was elected at {}ms but", ms(*leader_after_heal_us_))
                                             : std::string("no new leader was elected and");
  Violation v;
  v.checker = name();
  v.severity = Severity::liveness;
  v.time_us = end_time_us;
  v.message = fmt::format(
      "no progress after the faults healed at {}ms: {} none of the {} client operations invoked since then "
      "completed by {}ms; last healthy (a client operation completed) at {}",
      ms(*healed_at_us_), leader, invoked_after_heal_.size(), ms(end_time_us), last);
  return v;
}

}  // namespace checkers
