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
  std::vector<const Checker*> timed;
  typename PointerTo<Standard>::type checkers{};  // nullptr: not in the set
  std::array<KindMask, kStandardCount> kinds{};   // each one's kinds() (0 if not in the set)

  // Checker I of the standard order, for an event of kind K.
  template <std::size_t K, std::size_t I>
  bool step(const sim::TraceEvent& e, std::optional<Violation>& out) {
    using T = std::tuple_element_t<I, Standard>;
    if constexpr ((set_kinds<T>() & kind_bit(static_cast<sim::EventKind>(K))) == 0) {
      return true;
    } else {
      T* c = std::get<I>(checkers);
      if (c == nullptr) return true;
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

  template <std::size_t K>
  static Result of_kind(Impl& impl, const sim::TraceEvent& e, std::optional<Violation>& out) {
    constexpr auto kKind = static_cast<sim::EventKind>(K);
    RAFTSIM_ASSERT(e.kind == kKind);
    // The shared views first (CheckerSet::on_event's order), with the kind known here.
    if constexpr ((kLogMirrorKinds & kind_bit(kKind)) != 0) impl.mirror->update(e);
    if constexpr (kKind == sim::EventKind::membership || kKind == sim::EventKind::commit) {
      impl.membership->observe(e);
    } else {
      impl.membership->count_node(e.node);
    }
    for (const Checker* c : impl.timed) {
      if (e.time_us > c->due_after_us()) return Result::due;
    }
    const bool pass = [&]<std::size_t... I>(std::index_sequence<I...>) {
      return (impl.template step<K, I>(e, out) && ...);  // in order, stopping at the first violation
    }(std::make_index_sequence<kStandardCount>{});
    return pass ? Result::pass : Result::violation;
  }

  static constexpr auto kByKind = []<std::size_t... K>(std::index_sequence<K...>) {
    return std::array<Fn, sizeof...(K)>{&of_kind<K>...};
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

StandardDispatch::StandardDispatch(std::unique_ptr<Impl> impl) : impl_(std::move(impl)), by_kind_(Impl::kByKind.data()) {
  static_assert(Impl::kByKind.size() == static_cast<std::size_t>(sim::kEventKindCount));
}
StandardDispatch::~StandardDispatch() = default;

std::unique_ptr<StandardDispatch> StandardDispatch::make(const std::vector<std::unique_ptr<Checker>>& checkers,
                                                         const std::vector<Checker*>& timed, LogMirror& mirror,
                                                         MembershipView& membership) {
  if (checkers.empty()) return nullptr;  // nothing reads the views: the set does nothing at all
  auto impl = std::make_unique<Impl>();
  impl->mirror = &mirror;
  impl->membership = &membership;
  impl->timed.assign(timed.begin(), timed.end());
  std::size_t from = 0;  // the standard position after the last checker taken: the order must be kept
  for (const auto& c : checkers) {
    RAFTSIM_ASSERT(c != nullptr);
    if (!impl->take(*c, from)) return nullptr;
  }
  RAFTSIM_ASSERT(from <= kStandardCount);
  return std::unique_ptr<StandardDispatch>(new StandardDispatch(std::move(impl)));
}


}  // namespace checkers
