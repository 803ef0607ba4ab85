// Liveness after faults heal: once the liveness phase begins (every link healed, every node running),
//  - a leader must exist by the phase event's deadline (a number of election timeouts after the heal):
//    some running node leads in a term at least as high as any term a voter of the committed configuration
//    sent on the network (every node's, without membership changes);
//  - some client operation invoked after the heal must complete successfully before the run ends
//    (a leader that cannot commit shows up here).
#pragma once

#include <algorithm>
#include <set>
#include <utility>
#include <vector>

#include "checkers/checker.h"
#include "checkers/membership_view.h"

namespace checkers {

class Liveness final : public Checker {
 public:
  Liveness() = default;  // with a configuration view of its own
  explicit Liveness(const MembershipView& shared) : membership_(shared) {}
  const char* name() const override { return "liveness"; }
  // Inline, with the shared view and no deadline passed: a send of a node already seen (a fifth of all
  // events) only raises the node's highest sent term, and most commits change nothing. The rest is
  // observe_slow's. always_inline: StandardDispatch's per-kind functions grew past GCC's inlining limits.
  [[gnu::always_inline]] std::optional<Violation> observe(const sim::TraceEvent& e) override {
    if (e.time_us <= due_after_us_ && membership_.shared() && e.node >= 0 &&
        static_cast<std::size_t>(e.node) < sent_term_.size()) {
      if (e.kind == sim::EventKind::send) {
        note_sent(e);
        return std::nullopt;
      }
      // A commit (a tenth of all events) before the heal, or once a leader settled, changes nothing (act's
      // commit case, with the node already grown and update_due() leaving due_after_us_ as it is).
      if (e.kind == sim::EventKind::commit && (!healed_at_us_ || settled_at_us_)) return std::nullopt;
    }
    return observe_slow(e);
  }
  std::optional<Violation> finish(std::int64_t end_time_us) override;
  // With the shared configuration view: the kinds it reads, and (has_deadline) the first event of any kind
  // after an unmet leader deadline. With a view of its own it must see every event (nodes()).
  static constexpr KindMask kSetKinds =
      kind_bit(sim::EventKind::phase) | kind_bit(sim::EventKind::crash) | kind_bit(sim::EventKind::send) |
      kind_bit(sim::EventKind::commit) | kind_bit(sim::EventKind::client_invoke) | kind_bit(sim::EventKind::client_ok) |
      kind_bit(sim::EventKind::role);
  KindMask kinds() const override { return membership_.shared() ? kSetKinds : kAllKinds; }
  bool has_deadline() const override { return true; }

 private:
  // due_after_us_ (Checker): the deadline while it is unmet, else none.
  // The highest term a node sent. PreVote (6) and its reply (7) carry a term asked for, which no one holds
  // (thesis 9.6). The node is known (sent_term_ grown for it).
  void note_sent(const sim::TraceEvent& e) {
    if (e.label == 6 || e.label == 7) return;
    std::uint64_t& sent = sent_term_[static_cast<std::size_t>(e.node)];
    sent = std::max(sent, e.a);
  }
  void update_due() { due_after_us_ = deadline_us_ && !settled_at_us_ ? *deadline_us_ : INT64_MAX; }
  std::optional<std::int64_t> healed_at_us_;
  std::optional<std::int64_t> healthy_at_us_;   // first ok of an op invoked after the heal
  std::optional<std::int64_t> last_ok_at_us_;   // last ok of any op: when the cluster was last seen healthy
  std::optional<std::int64_t> leader_after_heal_us_;
  std::set<std::uint64_t> invoked_after_heal_;  // op ids
  // Per node: its last reported role and term (role -1 while crashed).
  std::vector<std::pair<int, std::uint64_t>> roles_;
  std::optional<std::int64_t> deadline_us_;
  std::optional<std::int64_t> settled_at_us_;  // since when (after the heal) a leader in the highest sent term exists
  // Per node: the highest term it sent (PreVote aside). Thesis 4.2.3: a node outside the committed
  // configuration (removed, and perhaps unaware of it) may keep campaigning with ever higher terms that the
  // cluster rightly ignores: its terms do not count, also those it sent before its removal committed.
  std::vector<std::uint64_t> sent_term_;
  MembershipFeed membership_;
  std::uint64_t max_sent_term() const;
  bool leader_now() const;
  [[gnu::noinline]] std::optional<Violation> check_deadline(std::int64_t now_us);
  [[gnu::noinline]] std::optional<Violation> observe_slow(const sim::TraceEvent& e);
  [[gnu::noinline]] void act(const sim::TraceEvent& e);  // an event of a kind it reads (kept out of observe's frame)
};

}  // namespace checkers
