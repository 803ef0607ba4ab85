// Latency distributions for links and disks, drawn with the simulator's own Rng.
#pragma once

#include <cstdint>
#include <string>

#include "base/assert.h"
#include "sim/rng.h"
#include "sim/time.h"

namespace sim {

struct LatencyModel {
  enum class Kind : std::uint8_t {
    fixed,        // always min
    uniform,      // uniform in [min, max]
    exponential,  // min + exponential with mean (mean - min), capped at max
    bimodal,      // mostly fast: uniform [min, max]; with tail_probability a long tail [tail_min, tail_max]
  };
  Kind kind = Kind::uniform;
  Duration min = Duration::micros(500);
  Duration max = Duration::micros(2000);
  Duration mean = Duration::micros(1000);  // exponential only
  double tail_probability = 0.0;           // bimodal only
  Duration tail_min = Duration::millis(20);
  Duration tail_max = Duration::millis(100);

  // Inline for the common kind (every message and disk write draws one or two), the others out of line.
  Duration draw(Rng& rng) const {
    if (kind != Kind::uniform) return draw_other(rng);
    RAFTSIM_ASSERT(min.us >= 0);
    RAFTSIM_ASSERT(min <= max);
    return Duration::micros(rng.between(min.us, max.us));
  }
  Duration draw_other(Rng& rng) const;
  std::string describe() const;
};

const char* latency_kind_name(LatencyModel::Kind kind);

}  // namespace sim
