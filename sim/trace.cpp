#include "sim/trace.h"

#include "base/assert.h"

namespace sim {

namespace {
inline std::uint64_t mix(std::uint64_t h, std::uint64_t x) {
  // A round of the splitmix64 finalizer over h ^ x, then a rotation: cheap and avalanching.
  std::uint64_t z = h ^ (x + 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  z ^= z >> 31;
  return (z << 17) | (z >> 47);
}
}  // namespace

std::uint64_t hash_event(std::uint64_t hash, const TraceEvent& e) {
  std::uint64_t h = mix(hash, static_cast<std::uint64_t>(e.time_us));
  const std::uint64_t header = static_cast<std::uint64_t>(e.kind) | (static_cast<std::uint64_t>(e.label) << 8) |
                               (static_cast<std::uint64_t>(static_cast<std::uint32_t>(e.node)) << 24);
  h = mix(h, header);
  h = mix(h, static_cast<std::uint64_t>(static_cast<std::uint32_t>(e.peer)) |
                 (static_cast<std::uint64_t>(e.incarnation) << 32));
  h = mix(h, e.a);
  h = mix(h, e.b);
  h = mix(h, e.c);
  return h;
}

Trace::Trace() : hash_(0x6A09E667F3BCC908ULL) { ring_.reserve(kRecentCapacity); }

void Trace::add_sink(TraceSink* sink) {
  RAFTSIM_ASSERT(sink != nullptr);
  RAFTSIM_ASSERT(count_ == 0);  // sinks must see the whole stream
  sinks_.push_back(sink);
}

void Trace::record(const TraceEvent& event) {
  RAFTSIM_ASSERT(static_cast<int>(event.kind) < kEventKindCount);
  hash_ = hash_event(hash_, event);
  if (ring_.size() < kRecentCapacity) {
    ring_.push_back(event);
  } else {
    ring_[count_ % kRecentCapacity] = event;
  }
  ++count_;
  for (TraceSink* sink : sinks_) {
    if (!sink->on_event(event)) stop_requested_ = true;
  }
}

std::vector<TraceEvent> Trace::recent() const {
  std::vector<TraceEvent> out;
  out.reserve(ring_.size());
  if (ring_.size() < kRecentCapacity) return ring_;
  for (std::size_t i = 0; i < kRecentCapacity; ++i) out.push_back(ring_[(count_ + i) % kRecentCapacity]);
  return out;
}

}  // namespace sim
