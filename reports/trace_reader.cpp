#include "reports/trace_reader.h"

#include <algorithm>
#include <fstream>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/assert.h"
#include "reports/event_schema.h"

namespace reports {

namespace {

std::uint16_t intern(std::vector<std::string>& table, const std::string& name) {
  auto it = std::find(table.begin(), table.end(), name);
  if (it != table.end()) return static_cast<std::uint16_t>(it - table.begin());
  table.push_back(name);
  return static_cast<std::uint16_t>(table.size() - 1);
}

std::optional<sim::EventKind> kind_named(const std::string& name) {
  for (int k = 0; k < sim::kEventKindCount; ++k) {
    if (sim::event_kind_name(static_cast<sim::EventKind>(k)) == name) return static_cast<sim::EventKind>(k);
  }
  return std::nullopt;
}

std::uint64_t named_code(const std::string& value, std::string_view (*name_of)(std::uint64_t), std::uint64_t count,
                         const std::function<void(const std::string&)>& fail) {
  for (std::uint64_t i = 0; i < count; ++i) {
    if (name_of(i) == value) return i;
  }
  fail(fmt::format("unknown value \"{}\"", value));
  return 0;
}

class LineParser {
 public:
  LineParser(const std::string& file, std::size_t line, ReadLabels& labels) : file_(file), line_(line), labels_(labels) {}

  [[noreturn]] void fail(const std::string& message) const { throw TraceParseError(file_, line_, message); }

  sim::TraceEvent parse(const std::string& text) {
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
      fail(std::string("not valid JSON: ") + e.what());
    }
    if (!j.is_object()) fail("expected one JSON object per line");
    sim::TraceEvent e;
    std::set<std::string> used{"t_us", "ev"};
    e.time_us = static_cast<std::int64_t>(integer(j, "t_us"));
    const std::string ev = string(j, "ev");
    const auto kind = kind_named(ev);
    if (!kind) fail(fmt::format("unknown event \"{}\"", ev));
    e.kind = *kind;
    if (j.contains("node")) {
      e.node = static_cast<std::int32_t>(integer(j, "node"));
      e.incarnation = static_cast<std::uint32_t>(integer(j, "inc"));
      used.insert({"node", "inc"});
    }
    const std::string peer(peer_key(e.kind));
    if (j.contains(peer)) {
      e.peer = static_cast<std::int32_t>(integer(j, peer));
      used.insert(peer);
    }
    for (const FieldSpec& f : fields_of(e.kind)) {
      const std::string key(f.key);
      used.insert(key);
      const std::uint64_t v = value(j, key, f.format);
      switch (f.slot) {
        case Slot::label: e.label = static_cast<std::uint16_t>(v); break;
        case Slot::a: e.a = v; break;
        case Slot::b: e.b = v; break;
        case Slot::c: e.c = v; break;
      }
    }
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (used.count(it.key()) == 0) fail(fmt::format("unknown field \"{}\" in a {} event", it.key(), ev));
    }
    return e;
  }

 private:
  std::uint64_t integer(const nlohmann::json& j, const std::string& key) const {
    auto it = j.find(key);
    if (it == j.end()) fail(fmt::format("missing field \"{}\"", key));
    if (!it->is_number_integer()) fail(fmt::format("field \"{}\" must be an integer", key));
    return it->get<std::uint64_t>();
  }
  std::string string(const nlohmann::json& j, const std::string& key) const {
    auto it = j.find(key);
    if (it == j.end()) fail(fmt::format("missing field \"{}\"", key));
    if (!it->is_string()) fail(fmt::format("field \"{}\" must be a string", key));
    return it->get<std::string>();
  }
  std::uint64_t value(const nlohmann::json& j, const std::string& key, Format format) {
    auto failer = [this, &key](const std::string& m) { fail(fmt::format("field \"{}\": {}", key, m)); };
    switch (format) {
      case Format::uint: return integer(j, key);
      case Format::hex: {
        const std::string s = string(j, key);
        std::size_t used = 0;
        std::uint64_t v = 0;
        try {
          v = std::stoull(s, &used, 16);
        } catch (const std::exception&) {
          used = 0;
        }
        if (s.empty() || used != s.size()) failer("expected a hexadecimal number");
        return v;
      }
      case Format::role: return named_code(string(j, key), sim::role_name, 4, failer);
      case Format::client_op:
        return named_code(string(j, key), [](std::uint64_t i) { return sim::client_op_name(static_cast<std::uint16_t>(i)); },
                          4, failer);
      case Format::message: return labels_.intern_message(string(j, key));
      case Format::timer: return labels_.intern_timer(string(j, key));
    }
    return 0;
  }

  const std::string& file_;
  std::size_t line_;
  ReadLabels& labels_;
};

}  // namespace

std::string_view ReadLabels::message_kind(std::uint16_t label) const {
  return label < messages_.size() ? std::string_view(messages_[label]) : std::string_view("?");
}
std::string_view ReadLabels::timer_slot(std::uint16_t label) const {
  return label < timers_.size() ? std::string_view(timers_[label]) : std::string_view("?");
}
std::uint16_t ReadLabels::intern_message(const std::string& name) { return intern(messages_, name); }
std::uint16_t ReadLabels::intern_timer(const std::string& name) { return intern(timers_, name); }

ReadTrace read_trace(std::istream& in, const std::string& file) {
  ReadTrace trace;
  std::string text;
  std::size_t line = 0;
  std::int64_t last_time_us = 0;
  while (std::getline(in, text)) {
    ++line;
    if (text.empty()) continue;
    LineParser parser(file, line, trace.labels);
    sim::TraceEvent e = parser.parse(text);
    if (e.time_us < last_time_us) parser.fail(fmt::format("time goes backwards ({} after {})", e.time_us, last_time_us));
    last_time_us = e.time_us;
    trace.events.push_back(e);
  }
  RAFTSIM_ASSERT(line >= trace.events.size());
  if (trace.events.empty()) throw TraceParseError(file, line, "the trace holds no events");
  return trace;
}

ReadTrace read_trace_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw TraceParseError(path, 0, "cannot open the trace file");
  return read_trace(in, path);
}

}  // namespace reports
