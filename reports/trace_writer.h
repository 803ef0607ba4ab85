// Writes the event stream as JSON Lines (one event per line), as `raftsim run --trace FILE` does.
#pragma once

#include <cstdio>
#include <string>

#include "sim/trace.h"

namespace reports {

class TraceWriter final : public sim::TraceSink {
 public:
  // Throws std::runtime_error if the file cannot be opened.
  TraceWriter(const std::string& path, const sim::LabelNames& names);
  ~TraceWriter() override;
  TraceWriter(const TraceWriter&) = delete;
  TraceWriter& operator=(const TraceWriter&) = delete;

  bool on_event(const sim::TraceEvent& event) override;

 private:
  std::FILE* file_;
  const sim::LabelNames& names_;
};

}  // namespace reports
