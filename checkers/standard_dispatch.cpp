#include "checkers/standard_dispatch.h"

#include <array>
#include <cstddef>
#include <tuple>
#include <typeinfo>
#include <utility>

#include "base/assert.h"
#include "checkers/log_mirror.h"
#include "checkers/membership_view.h"
#include "checkers/standard_set.h"

namespace checkers {

namespace {

// make_default_checkers' list and order (checkers/standard_set.h): the order in which the checkers see an event.
using Standard = StandardCheckers;
constexpr std::size_t kStandardCount = std::tuple_size_v<Standard>;

template <typename T>
concept StaticKinds = requires { T::kSetKinds; };

// The kinds a checker of type T may read in a set: its kSetKinds, known at compile time; a checker without
// them (Figure 2, leadership: another's to narrow) is asked at run time, through kinds().
template <typename T>
constexpr KindMask set_kinds() {
  if constexpr (StaticKinds<T>) {
    return T::kSetKinds;
  } else {
    return kAllKinds;
  }
}

template <typename T>
struct PointerTo;
template <typename... Ts>
struct PointerTo<std::tuple<Ts...>> {
  using type = std::tuple<Ts*...>;
};

}  // namespace

struct StandardDispatch::Impl {
  LogMirror* mirror = nullptr;
  MembershipView* membership = nullptr;
  // The set's one checker with a deadline (has_deadline: Liveness), or nullptr.
  const Checker* timed = nullptr;
  // The set's checkers and their kinds, in order: observe_due's, once a deadline passed.
  std::vector<Checker*> order;
  std::vector<KindMask> order_kinds;
  typename PointerTo<Standard>::type checkers{};  // nullptr: not in the set
  std::array<KindMask, kStandardCount> kinds{};   // each one's kinds() (0 if not in the set)
  bool full = false;                              // no pointer in `checkers` is null

  // Checker I of the standard order, for an event of kind K. Full: every checker is in the set, so none is
  // tested for presence (a load and a branch per checker per event, about 10 instructions an event).
  template <std::size_t K, bool Full, std::size_t I>
  bool step(const sim::TraceEvent& e, std::optional<Violation>& out) {
    using T = std::tuple_element_t<I, Standard>;
    if constexpr ((set_kinds<T>() & kind_bit(static_cast<sim::EventKind>(K))) == 0) {
      return true;
    } else {
      T* c = std::get<I>(checkers);
      if constexpr (!Full) {
        if (c == nullptr) return true;
      }
      if constexpr (!StaticKinds<T>) {
        if ((kinds[I] & kind_bit(static_cast<sim::EventKind>(K))) == 0) return true;
      }
      // T is final: a direct call, its inline fast path inlined.
      if (auto v = c->observe(e)) {
        out = std::move(v);
        return false;
      }
      return true;
    }
  }

  template <std::size_t K, bool Full>
  static bool of_kind(Impl& impl, const sim::TraceEvent& e, std::optional<Violation>& out) {
    constexpr auto kKind = static_cast<sim::EventKind>(K);
    RAFTSIM_ASSERT(e.kind == kKind);
    // The shared views first (CheckerSet::on_event's order), with the kind known here.
    if constexpr ((kLogMirrorKinds & kind_bit(kKind)) != 0) impl.mirror->update(e);
    if constexpr (kKind == sim::EventKind::membership || kKind == sim::EventKind::commit) {
      impl.membership->observe(e);
    } else {
      impl.membership->count_node(e.node);
    }
    // (Full: the set has Liveness, so a deadline checker; make() asserts it.)
    if ((Full || impl.timed != nullptr) && e.time_us > impl.timed->due_after_us()) {
      return observe_due(impl.order, impl.order_kinds, e, out);
    }
    return [&]<std::size_t... I>(std::index_sequence<I...>) {
      return (impl.template step<K, Full, I>(e, out) && ...);  // in order, stopping at the first violation
    }(std::make_index_sequence<kStandardCount>{});
  }

  static constexpr auto kByKindPartial = []<std::size_t... K>(std::index_sequence<K...>) {
    return std::array<Fn, sizeof...(K)>{&of_kind<K, false>...};
  }(std::make_index_sequence<sim::kEventKindCount>{});
  static constexpr auto kByKindFull = []<std::size_t... K>(std::index_sequence<K...>) {
    return std::array<Fn, sizeof...(K)>{&of_kind<K, true>...};
  }(std::make_index_sequence<sim::kEventKindCount>{});

  // Takes `c` as the next standard checker at or after position `from`; false if it is none of them.
  template <std::size_t I = 0>
  bool take(Checker& c, std::size_t& from) {
    if constexpr (I == kStandardCount) {
      return false;
    } else {
      using T = std::tuple_element_t<I, Standard>;
      if (I < from || typeid(c) != typeid(T)) return take<I + 1>(c, from);
      auto& typed = static_cast<T&>(c);
      // A checker with a view or mirror of its own reads more kinds than the set's kinds: generic dispatch.
      if constexpr (StaticKinds<T>) {
        if (typed.kinds() != T::kSetKinds) return false;
      }
      std::get<I>(checkers) = &typed;
      kinds[I] = typed.kinds();
      from = I + 1;
      return true;
    }
  }
};

StandardDispatch::StandardDispatch(std::unique_ptr<Impl> impl, const Fn* by_kind)
    : impl_(std::move(impl)), by_kind_(by_kind) {
  static_assert(Impl::kByKindPartial.size() == static_cast<std::size_t>(sim::kEventKindCount));
  static_assert(Impl::kByKindFull.size() == static_cast<std::size_t>(sim::kEventKindCount));
  RAFTSIM_ASSERT(by_kind_ == (impl_->full ? Impl::kByKindFull.data() : Impl::kByKindPartial.data()));
}
StandardDispatch::~StandardDispatch() = default;

bool StandardDispatch::full() const { return impl_->full; }

std::unique_ptr<StandardDispatch> StandardDispatch::make(const std::vector<std::unique_ptr<Checker>>& checkers,
                                                         const std::vector<KindMask>& kinds, LogMirror& mirror,
                                                         MembershipView& membership) {
  RAFTSIM_ASSERT(kinds.size() == checkers.size());
  if (checkers.empty()) return nullptr;  // nothing reads the views: the set does nothing at all
  auto impl = std::make_unique<Impl>();
  impl->mirror = &mirror;
  impl->membership = &membership;
  std::size_t from = 0;  // the standard position after the last checker taken: the order must be kept
  for (const auto& c : checkers) {
    RAFTSIM_ASSERT(c != nullptr);
    if (!impl->take(*c, from)) return nullptr;
    impl->order.push_back(c.get());
    if (c->has_deadline()) {
      // One deadline is tested per event: a set with a second checker with one takes the generic dispatch.
      if (impl->timed != nullptr) return nullptr;
      impl->timed = c.get();
    }
  }
  RAFTSIM_ASSERT(from <= kStandardCount);
  impl->order_kinds = kinds;
  // Each standard type at most once (strictly in order), so kStandardCount of them is every one. The full
  // table's functions test the deadline without a presence test: without a deadline, the partial table.
  impl->full = checkers.size() == kStandardCount && impl->timed != nullptr;
  const Fn* table = impl->full ? Impl::kByKindFull.data() : Impl::kByKindPartial.data();
  return std::unique_ptr<StandardDispatch>(new StandardDispatch(std::move(impl), table));
}

}  // namespace checkers
