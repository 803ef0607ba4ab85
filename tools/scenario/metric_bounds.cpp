#include "tools/scenario/metric_bounds.h"

#include <fmt/format.h>

#include "base/assert.h"
#include "checkers/metrics.h"

namespace tools {

namespace {
// The integer keys of the first version of expect.metrics, kept so existing scenarios keep their meaning.
struct LegacyKey {
  const char* key;
  const char* metric;
  bool is_max;
};
constexpr LegacyKey kLegacy[] = {
    {"elections_max", "elections", true},
    {"leaders_elected_max", "leaders_elected", true},
    {"ops_ok_min", "ops_ok", false},
    {"elections_min", "elections", false},
    {"max_term_max", "max_term", true},
};
constexpr double kBoundLimit = 1e15;
}  // namespace

void read_metric_bounds(JsonReader& r, Expectation& e) {
  for (const LegacyKey& k : kLegacy) {
    if (!r.has(k.key)) continue;
    const auto v = static_cast<double>(r.integer(k.key, 0, 0, 1'000'000'000));
    Expectation::MetricBound b{k.metric, std::nullopt, std::nullopt};
    (k.is_max ? b.max : b.min) = v;
    e.metrics.push_back(std::move(b));
  }
  for (const std::string& name : checkers::metric_names()) {
    if (!r.has(name)) continue;
    std::optional<JsonReader> bound = r.object(name);
    RAFTSIM_ASSERT(bound.has_value());
    Expectation::MetricBound b{name, std::nullopt, std::nullopt};
    if (bound->has("min")) b.min = bound->number("min", 0, -kBoundLimit, kBoundLimit);
    if (bound->has("max")) b.max = bound->number("max", 0, -kBoundLimit, kBoundLimit);
    bound->finish();
    if (!b.min && !b.max) r.fail(name, "expected a bound: {\"min\": X} and/or {\"max\": Y}");
    if (b.min && b.max && *b.min > *b.max) {
      r.fail(name, fmt::format("expected min <= max, found min {} and max {}", *b.min, *b.max));
    }
    e.metrics.push_back(std::move(b));
  }
  r.finish();  // an unknown metric name: "did you mean" among the names asked about above
}

nlohmann::ordered_json write_metric_bounds(const Expectation& e) {
  nlohmann::ordered_json m = nlohmann::ordered_json::object();
  for (const Expectation::MetricBound& b : e.metrics) {
    if (b.min) m[b.metric]["min"] = *b.min;
    if (b.max) m[b.metric]["max"] = *b.max;
  }
  return m;
}

}  // namespace tools
