// Reads a JSON Lines trace written by `raftsim run --trace` back into events, so the checkers can run
// offline on it (`raftsim check-trace`). Strict: an unknown event, a missing or unknown field, or a
// value of the wrong type is an error naming the file and line.
#pragma once

#include <istream>
#include <stdexcept>
#include <string>
#include <vector>

#include "sim/trace_event.h"

namespace reports {

class TraceParseError : public std::runtime_error {
 public:
  TraceParseError(const std::string& file, std::size_t line, const std::string& message)
      : std::runtime_error(file + ":" + std::to_string(line) + ": " + message) {}
};

// Message kinds and timer slots are numbered in order of first appearance.
class ReadLabels final : public sim::LabelNames {
 public:
  std::string_view message_kind(std::uint16_t label) const override;
  std::string_view timer_slot(std::uint16_t label) const override;
  std::uint16_t intern_message(const std::string& name);
  std::uint16_t intern_timer(const std::string& name);

 private:
  std::vector<std::string> messages_;
  std::vector<std::string> timers_;
};

struct ReadTrace {
  std::vector<sim::TraceEvent> events;
  ReadLabels labels;
};

ReadTrace read_trace(std::istream& in, const std::string& file);
ReadTrace read_trace_file(const std::string& path);

}  // namespace reports
