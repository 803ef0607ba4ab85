#include "sim/trace.h"

#include "base/assert.h"

namespace sim {

void Trace::add_sink(TraceSink* sink) {
  RAFTSIM_ASSERT(sink != nullptr);
  RAFTSIM_ASSERT(count_ == 0);  // sinks must see the whole stream
  RAFTSIM_ASSERT(sink_count_ < kMaxSinks);
  for (std::size_t i = 0; i < sink_count_; ++i) RAFTSIM_ASSERT(sinks_[i] != sink);  // each sees an event once
  sinks_[sink_count_++] = sink;
}

std::vector<TraceEvent> Trace::recent() const {
  std::vector<TraceEvent> out;
  if (count_ <= kRecentCapacity) return std::vector<TraceEvent>(ring_.begin(), ring_.begin() + static_cast<std::ptrdiff_t>(count_));
  out.reserve(kRecentCapacity);
  for (std::size_t i = 0; i < kRecentCapacity; ++i) out.push_back(ring_[(count_ + i) % kRecentCapacity]);
  return out;
}

}  // namespace sim
