#include "tools/runner/test_crash.h"

#include <csignal>
#include <cstdlib>
#include <stdexcept>
#include <algorithm>
#include <string>

#include "base/assert.h"

namespace tools {

namespace {

enum class Crash { abort, segv, throw_error, hang };

class CrashingFactory final : public sim::NodeFactory {
 public:
  CrashingFactory(std::unique_ptr<sim::NodeFactory> inner, Crash crash) : inner_(std::move(inner)), crash_(crash) {}
  std::unique_ptr<sim::Node> create(const sim::NodeContext& context) override {
    switch (crash_) {
      case Crash::abort: RAFTSIM_ASSERT_MSG(false, "planted by RAFTSIM_TEST_CRASH"); break;
      case Crash::segv: std::raise(SIGSEGV); break;
      case Crash::throw_error: throw std::runtime_error("planted by RAFTSIM_TEST_CRASH");
      case Crash::hang:
        for (std::uint64_t spin = 0;; ++spin) {
          asm volatile("" : : "r"(spin));  // keeps the loop: an infinite loop without side effects is UB
        }
    }
    return inner_->create(context);
  }
  std::string_view implementation_name() const override { return inner_->implementation_name(); }
  std::string_view message_kind(std::uint16_t label) const override { return inner_->message_kind(label); }
  std::string_view timer_slot(std::uint16_t label) const override { return inner_->timer_slot(label); }

 private:
  std::unique_ptr<sim::NodeFactory> inner_;
  Crash crash_;
};

}  // namespace

std::unique_ptr<sim::NodeFactory> maybe_plant_test_crash(std::unique_ptr<sim::NodeFactory> inner, std::uint64_t seed) {
  const char* env = std::getenv("RAFTSIM_TEST_CRASH");
  if (env == nullptr || *env == '\0') return inner;
  // KIND:SEED,SEED;KIND:SEED...
  const std::string spec = env;
  for (std::size_t start = 0; start <= spec.size();) {
    const std::size_t end = std::min(spec.find(';', start), spec.size());
    const std::string part = spec.substr(start, end - start);
    start = end + 1;
    const std::size_t colon = part.find(':');
    if (colon == std::string::npos) continue;
    const std::string kind = part.substr(0, colon);
    bool hit = false;
    for (std::size_t at = colon; at != std::string::npos && !hit;) {
      const std::size_t next = part.find(',', at + 1);
      hit = part.substr(at + 1, next == std::string::npos ? std::string::npos : next - at - 1) == std::to_string(seed);
      at = next;
    }
    if (!hit) continue;
    const Crash crash = kind == "segv" ? Crash::segv : kind == "throw" ? Crash::throw_error : kind == "hang" ? Crash::hang : Crash::abort;
    return std::make_unique<CrashingFactory>(std::move(inner), crash);
  }
  return inner;
}

}  // namespace tools
