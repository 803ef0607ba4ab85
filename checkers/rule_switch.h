// The on/off switch of a checker that checks several named rules (Figure 2, leadership, membership): each
// rule can be disabled by name (`--disable-checker RULE`), and a disabled rule's name is no longer listed.
// Header-only: the rule enum, its count and its name function are the checker's own.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <vector>

#include "base/assert.h"

namespace checkers {

template <typename Rule, std::size_t kRuleCount, const char* (*kRuleName)(Rule)>
class RuleSwitch {
 public:
  RuleSwitch() { enabled_.fill(true); }

  bool on(Rule rule) const {
    const auto r = static_cast<std::size_t>(rule);
    RAFTSIM_ASSERT(r < kRuleCount);
    return enabled_[r];
  }

  // The names of the rules still on, in the enum's order.
  std::vector<std::string> enabled_names() const {
    std::vector<std::string> out;
    for (std::size_t r = 0; r < kRuleCount; ++r) {
      if (enabled_[r]) out.emplace_back(kRuleName(static_cast<Rule>(r)));
    }
    return out;
  }

  // False if no rule has that name (the caller decides whether that is an error).
  bool disable(const std::string& name) {
    for (std::size_t r = 0; r < kRuleCount; ++r) {
      if (name == kRuleName(static_cast<Rule>(r))) {
        enabled_[r] = false;
        return true;
      }
    }
    return false;
  }

 private:
  std::array<bool, kRuleCount> enabled_{};
};

}  // namespace checkers
