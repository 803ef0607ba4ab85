#include "reports/trace_writer.h"

#include <stdexcept>

#include <fmt/format.h>

#include "reports/event_format.h"

namespace reports {

TraceWriter::TraceWriter(const std::string& path, const sim::LabelNames& names)
    : file_(std::fopen(path.c_str(), "w")), names_(names) {
  if (file_ == nullptr) throw std::runtime_error(fmt::format("cannot open trace file '{}' for writing", path));
}

TraceWriter::~TraceWriter() {
  if (file_ != nullptr) std::fclose(file_);
}

bool TraceWriter::on_event(const sim::TraceEvent& event) {
  const std::string line = format_event_json(event, names_);
  std::fputs(line.c_str(), file_);
  std::fputc('\n', file_);
  return true;
}

}  // namespace reports
