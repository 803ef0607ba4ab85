#include "sim/latency.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "base/assert.h"

namespace sim {

Duration LatencyModel::draw_other(Rng& rng) const {
  RAFTSIM_ASSERT(min.us >= 0);
  RAFTSIM_ASSERT(min <= max);
  Duration d = min;
  switch (kind) {
    case Kind::fixed:
      d = min;
      break;
    case Kind::uniform:
      d = Duration::micros(rng.between(min.us, max.us));
      break;
    case Kind::exponential: {
      const double extra = rng.exponential(static_cast<double>(mean.us - min.us));
      const double capped = std::min(extra, static_cast<double>(max.us - min.us));
      d = min + Duration::micros(static_cast<std::int64_t>(capped));
      break;
    }
    case Kind::bimodal:
      if (rng.bernoulli(tail_probability)) {
        d = Duration::micros(rng.between(tail_min.us, tail_max.us));
      } else {
        d = Duration::micros(rng.between(min.us, max.us));
      }
      break;
  }
  RAFTSIM_ASSERT(d.us >= 0);
  return d;
}

const char* latency_kind_name(LatencyModel::Kind kind) {
  switch (kind) {
    case LatencyModel::Kind::fixed: return "fixed";
    case LatencyModel::Kind::uniform: return "uniform";
    case LatencyModel::Kind::exponential: return "exponential";
    case LatencyModel::Kind::bimodal: return "bimodal";
  }
  return "?";
}

std::string LatencyModel::describe() const {
  auto ms = [](Duration d) { return static_cast<double>(d.us) / 1000.0; };
  switch (kind) {
    case Kind::fixed: return fmt::format("fixed {}ms", ms(min));
    case Kind::uniform: return fmt::format("uniform {}..{}ms", ms(min), ms(max));
    case Kind::exponential: return fmt::format("exponential {}..{}ms mean {}ms", ms(min), ms(max), ms(mean));
    case Kind::bimodal:
      return fmt::format("bimodal {}..{}ms, {}% tail {}..{}ms", ms(min), ms(max), tail_probability * 100.0,
                         ms(tail_min), ms(tail_max));
  }
  return "?";
}

}  // namespace sim
