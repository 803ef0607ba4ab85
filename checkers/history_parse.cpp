#include "checkers/history_parse.h"

#include <cctype>
#include <charconv>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/assert.h"

namespace checkers {

namespace {

using Fn = Operation::Fn;
using Outcome = Operation::Outcome;

// ---------------------------------------------------------------------------------------------------------
// Lines and tokens

// Calls `fn(line_number, line)` for every line, 1-based, without the line terminator ("\n" or "\r\n").
template <typename F>
void for_each_line(const std::string& text, F&& fn) {
  std::size_t line_no = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string_view line(text.data() + pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    fn(++line_no, line);
    pos = end + 1;
  }
}

bool is_blank(std::string_view s) {
  for (char c : s) {
    if (!std::isspace(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

std::string_view trim_left(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  return s;
}

// Jepsen's etcd logs separate fields by a tab in some files and by runs of spaces in others.
std::vector<std::string_view> split_whitespace(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    const std::size_t start = i;
    while (i < s.size() && !std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    if (i > start) out.push_back(s.substr(start, i - start));
  }
  return out;
}

// A decimal integer with an optional leading '-', nothing else.
std::optional<std::int64_t> parse_integer(std::string_view s) {
  std::int64_t v = 0;
  if (s.empty()) return std::nullopt;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

// ---------------------------------------------------------------------------------------------------------
// Pairing invokes with completions by process (the two Jepsen formats, where a process has at most one
// operation in flight and a crashed process comes back under a new number).

class ProcessPairer {
 public:
  ProcessPairer(History& history, const std::string& file) : history_(history), file_(file) {}

  void invoke(Operation op, std::size_t line) {
    const auto [it, inserted] = pending_.emplace(op.process, history_.operations.size());
    if (!inserted) {
      throw HistoryParseError(file_, line,
                              fmt::format("process {} invokes an operation while its operation invoked at line "
                                          "{} has not completed (expected a completion first)",
                                          op.process, history_.operations[it->second].id));
    }
    op.invoke_time = static_cast<std::int64_t>(line);
    op.id = line;
    history_.operations.push_back(std::move(op));
  }

  // The pending operation of `process`, completed at `line`; checks that it is the same function.
  Operation& complete(std::uint64_t process, Fn fn, const char* fn_name, std::size_t line) {
    const auto it = pending_.find(process);
    if (it == pending_.end()) {
      throw HistoryParseError(file_, line,
                              fmt::format("completion of {} for process {}, which has no operation in flight "
                                          "(expected an invoke first)",
                                          fn_name, process));
    }
    Operation& op = history_.operations[it->second];
    if (op.fn != fn) {
      throw HistoryParseError(file_, line,
                              fmt::format("completion of {} for process {}, whose operation in flight (line {}) "
                                          "is a different function",
                                          fn_name, process, op.id));
    }
    pending_.erase(it);
    op.complete_time = static_cast<std::int64_t>(line);
    return op;
  }

  // Operations still in flight at the end have an unknown outcome.
  void finish() {
    for (const auto& [process, index] : pending_) {
      (void)process;
      Operation& op = history_.operations[index];
      op.outcome = Outcome::info;
      op.complete_time = Operation::kNever;
    }
    pending_.clear();
  }

 private:
  History& history_;
  const std::string& file_;
  std::map<std::uint64_t, std::size_t> pending_;  // process -> index of its operation in flight
};

// Completion type shared by all formats.
enum class EventType : std::uint8_t { invoke, ok, fail, info };

std::optional<EventType> event_type_from(std::string_view name) {
  if (name == "invoke") return EventType::invoke;
  if (name == "ok") return EventType::ok;
  if (name == "fail") return EventType::fail;
  if (name == "info") return EventType::info;
  return std::nullopt;
}

// An info completion: the operation may take effect at any time after its invoke, or never.
void mark_info(Operation& op) {
  op.outcome = Outcome::info;
  op.complete_time = Operation::kNever;
}

// ---------------------------------------------------------------------------------------------------------
// Jepsen etcd register logs

struct EtcdValue {
  enum class Kind : std::uint8_t { nil, scalar, pair, keyword };
  Kind kind = Kind::nil;
  std::optional<std::string> first;   // scalar, or a pair's first element
  std::optional<std::string> second;  // a pair's second element
};

std::optional<std::optional<std::string>> etcd_scalar(std::string_view s) {
  if (s == "nil") return std::optional<std::string>();
  if (!parse_integer(s)) return std::nullopt;
  return std::optional<std::string>(std::string(s));
}

std::optional<EtcdValue> parse_etcd_value(const std::vector<std::string_view>& tokens, std::size_t from) {
  EtcdValue v;
  const std::size_t n = tokens.size() - from;
  if (n == 1 && tokens[from].size() > 1 && tokens[from][0] == ':') {
    v.kind = EtcdValue::Kind::keyword;
    return v;
  }
  if (n == 1) {
    auto scalar = etcd_scalar(tokens[from]);
    if (!scalar) return std::nullopt;
    v.kind = *scalar ? EtcdValue::Kind::scalar : EtcdValue::Kind::nil;
    v.first = *scalar;
    return v;
  }
  // `[3 0]` splits into "[3" and "0]".
  if (n == 2 && tokens[from].starts_with('[') && tokens[from + 1].ends_with(']')) {
    auto a = etcd_scalar(tokens[from].substr(1));
    auto b = etcd_scalar(tokens[from + 1].substr(0, tokens[from + 1].size() - 1));
    if (!a || !b) return std::nullopt;
    v.kind = EtcdValue::Kind::pair;
    v.first = *a;
    v.second = *b;
    return v;
  }
  return std::nullopt;
}

std::optional<Fn> etcd_fn(std::string_view name) {
  if (name == ":read") return Fn::read;
  if (name == ":write") return Fn::write;
  if (name == ":cas") return Fn::cas;
  return std::nullopt;
}

// The arguments an etcd invoke must carry: nil for a read, an integer for a write, [expected new] for a cas.
Operation etcd_invoke(std::uint64_t process, Fn fn, const EtcdValue& value, const std::string& file,
                      std::size_t line) {
  Operation op;
  op.process = process;
  op.fn = fn;
  if (fn == Fn::read && value.kind != EtcdValue::Kind::nil) {
    throw HistoryParseError(file, line, "invoke of :read must carry nil");
  }
  if (fn == Fn::write) {
    if (value.kind != EtcdValue::Kind::scalar && value.kind != EtcdValue::Kind::nil) {
      throw HistoryParseError(file, line, "invoke of :write must carry an integer or nil");
    }
    op.input = value.first;
  }
  if (fn == Fn::cas) {
    if (value.kind != EtcdValue::Kind::pair) {
      throw HistoryParseError(file, line, "invoke of :cas must carry [expected new]");
    }
    op.expected = value.first;
    op.input = value.second;
  }
  return op;
}

void etcd_ok(Operation& op, const EtcdValue& value, const std::string& file, std::size_t line) {
  if (op.fn == Fn::read) {
    if (value.kind != EtcdValue::Kind::scalar && value.kind != EtcdValue::Kind::nil) {
      throw HistoryParseError(file, line, "ok of :read must carry the value read (an integer or nil)");
    }
    op.output = value.first;
    return;
  }
  const bool same = op.fn == Fn::write ? (value.kind != EtcdValue::Kind::pair && value.first == op.input)
                                       : (value.kind == EtcdValue::Kind::pair && value.first == op.expected &&
                                          value.second == op.input);
  if (!same) throw HistoryParseError(file, line, "ok must carry the same value as its invoke");
}

void parse_etcd_line(std::string_view text, std::size_t line, const std::string& file, ProcessPairer& pairer) {
  const auto tokens = split_whitespace(text);
  const char* shape = "expected `INFO  jepsen.util - PROCESS :TYPE :F VALUE`";
  if (tokens.size() < 7 || tokens[0] != "INFO" || tokens[1] != "jepsen.util" || tokens[2] != "-") {
    throw HistoryParseError(file, line, shape);
  }
  const auto process = parse_integer(tokens[3]);
  if (!process || *process < 0) throw HistoryParseError(file, line, fmt::format("{}: bad PROCESS", shape));
  const auto type = tokens[4].starts_with(':') ? event_type_from(tokens[4].substr(1)) : std::nullopt;
  if (!type) throw HistoryParseError(file, line, "expected :invoke, :ok, :fail or :info as the type");
  const auto fn = etcd_fn(tokens[5]);
  if (!fn) throw HistoryParseError(file, line, "expected :read, :write or :cas as the function");
  const auto value = parse_etcd_value(tokens, 6);
  if (!value) {
    throw HistoryParseError(file, line, "expected a value: nil, an integer, [expected new] or a :keyword");
  }
  const auto proc = static_cast<std::uint64_t>(*process);
  const std::string fn_name(tokens[5]);
  switch (*type) {
    case EventType::invoke:
      pairer.invoke(etcd_invoke(proc, *fn, *value, file, line), line);
      return;
    case EventType::ok:
      etcd_ok(pairer.complete(proc, *fn, fn_name.c_str(), line), *value, file, line);
      return;
    case EventType::fail: {
      Operation& op = pairer.complete(proc, *fn, fn_name.c_str(), line);
      // A failed cas is a compare that did not match at its linearization point: it happened, as a no-op.
      if (op.fn == Fn::cas) {
        op.cas_succeeded = false;
      } else {
        op.outcome = Outcome::fail;  // a failed read or write constrains nothing
      }
      return;
    }
    case EventType::info:
      mark_info(pairer.complete(proc, *fn, fn_name.c_str(), line));
      return;
  }
}

History parse_etcd(const std::string& text, const std::string& file) {
  History history;
  history.initial_value = std::nullopt;  // Jepsen's register starts as nil
  ProcessPairer pairer(history, file);
  for_each_line(text, [&](std::size_t line, std::string_view s) {
    if (!is_blank(s)) parse_etcd_line(s, line, file, pairer);
  });
  pairer.finish();
  return history;
}

// ---------------------------------------------------------------------------------------------------------
// EDN: the subset Jepsen key-value histories use (a map of keywords to nil, booleans, integers, strings,
// keywords and vectors of those).

struct Edn {
  enum class Kind : std::uint8_t { nil, boolean, integer, string, keyword, vector };
  Kind kind = Kind::nil;
  std::string text;  // integer digits, string contents, keyword name without ':', "true"/"false"
  std::vector<Edn> items;
};

// Jepsen's key-value histories nest two levels ([:append "k" [1 2]] in a transaction); 64 is generous.
constexpr std::size_t kEdnDepthMax = 64;

struct EdnError {
  std::string message;
};

class EdnReader {
 public:
  explicit EdnReader(std::string_view s) : s_(s) {}

  std::vector<std::pair<std::string, Edn>> read_map_line() {
    skip_space();
    expect('{');
    std::vector<std::pair<std::string, Edn>> fields;
    for (;;) {
      skip_space();
      if (peek() == '}') break;
      Edn key = read_value();
      if (key.kind != Edn::Kind::keyword) fail("expected a :keyword as a map key");
      for (const auto& f : fields) {
        if (f.first == key.text) fail(fmt::format("duplicate key :{}", key.text));
      }
      skip_space();
      fields.emplace_back(key.text, read_value());
    }
    expect('}');
    skip_space();
    if (pos_ != s_.size()) fail("unexpected text after the closing '}'");
    return fields;
  }

 private:
  [[noreturn]] void fail(const std::string& message) const {
    throw EdnError{fmt::format("{} (at column {})", message, pos_ + 1)};
  }
  char peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
  void expect(char c) {
    if (peek() != c) fail(fmt::format("expected '{}'", c));
    ++pos_;
  }
  // Commas are whitespace in EDN.
  void skip_space() {
    while (pos_ < s_.size() && (std::isspace(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == ',')) ++pos_;
  }
  static bool is_delimiter(char c) {
    return c == '\0' || std::isspace(static_cast<unsigned char>(c)) || c == ',' || c == '}' || c == ']' ||
           c == '{' || c == '[' || c == '"';
  }
  std::string_view read_symbol() {
    const std::size_t start = pos_;
    while (pos_ < s_.size() && !is_delimiter(s_[pos_])) ++pos_;
    return s_.substr(start, pos_ - start);
  }

  Edn read_value() {
    const char c = peek();
    if (c == '"') return read_string();
    if (c == '[') return read_vector();
    if (c == '\0') fail("expected a value, found the end of the line");
    Edn v;
    const std::string_view sym = read_symbol();
    if (sym.empty()) fail(fmt::format("unexpected '{}'", c));
    if (sym.size() > 1 && sym[0] == ':') {
      v.kind = Edn::Kind::keyword;
      v.text = sym.substr(1);
    } else if (sym == "nil") {
      v.kind = Edn::Kind::nil;
    } else if (sym == "true" || sym == "false") {
      v.kind = Edn::Kind::boolean;
      v.text = sym;
    } else if (parse_integer(sym)) {
      v.kind = Edn::Kind::integer;
      v.text = sym;
    } else {
      fail(fmt::format("unsupported value `{}` (expected nil, true, false, an integer, a string, a :keyword "
                       "or a vector)",
                       sym));
    }
    return v;
  }

  Edn read_string() {
    expect('"');
    Edn v;
    v.kind = Edn::Kind::string;
    for (;;) {
      if (pos_ >= s_.size()) fail("unterminated string");
      const char c = s_[pos_++];
      if (c == '"') break;
      if (c != '\\') {
        v.text += c;
        continue;
      }
      if (pos_ >= s_.size()) fail("unterminated string");
      const char e = s_[pos_++];
      switch (e) {
        case 'n': v.text += '\n'; break;
        case 't': v.text += '\t'; break;
        case 'r': v.text += '\r'; break;
        case '"': v.text += '"'; break;
        case '\\': v.text += '\\'; break;
        default: fail(fmt::format("unsupported escape \\{} in a string", e));
      }
    }
    return v;
  }

  Edn read_vector() {
    // read_value and read_vector recurse: bound the depth so that a hostile line cannot overflow the stack.
    if (++depth_ > kEdnDepthMax) fail(fmt::format("vectors nested deeper than {} levels", kEdnDepthMax));
    expect('[');
    Edn v;
    v.kind = Edn::Kind::vector;
    for (;;) {
      skip_space();
      if (peek() == ']') break;
      v.items.push_back(read_value());
    }
    expect(']');
    --depth_;
    return v;
  }

  std::string_view s_;
  std::size_t pos_ = 0;
  std::size_t depth_ = 0;  // vectors open
};

const Edn* edn_field(const std::vector<std::pair<std::string, Edn>>& fields, std::string_view name) {
  for (const auto& [k, v] : fields) {
    if (k == name) return &v;
  }
  return nullptr;
}

// A string value; integers count as their decimal text. nil is nullopt; anything else is an error.
std::optional<std::string> edn_text_value(const Edn& v, const std::string& file, std::size_t line,
                                          const char* what) {
  if (v.kind == Edn::Kind::nil) return std::nullopt;
  if (v.kind == Edn::Kind::string || v.kind == Edn::Kind::integer) return v.text;
  throw HistoryParseError(file, line, fmt::format("expected a string, an integer or nil as {}", what));
}

std::optional<Fn> edn_fn(std::string_view name) {
  if (name == "get") return Fn::read;
  if (name == "put") return Fn::write;
  if (name == "append") return Fn::append;
  return std::nullopt;
}

const Edn& edn_required(const std::vector<std::pair<std::string, Edn>>& fields, const char* name,
                        const std::string& file, std::size_t line) {
  const Edn* v = edn_field(fields, name);
  if (v == nullptr) throw HistoryParseError(file, line, fmt::format("missing :{}", name));
  return *v;
}

void parse_edn_line(std::string_view text, std::size_t line, const std::string& file, ProcessPairer& pairer) {
  std::vector<std::pair<std::string, Edn>> fields;
  try {
    fields = EdnReader(text).read_map_line();
  } catch (const EdnError& e) {
    throw HistoryParseError(file, line, fmt::format("expected one EDN map per line: {}", e.message));
  }
  const Edn& process = edn_required(fields, "process", file, line);
  // The nemesis (fault injector) logs its actions in the same history; they are not client operations.
  if (process.kind == Edn::Kind::keyword && process.text == "nemesis") return;
  const auto proc = process.kind == Edn::Kind::integer ? parse_integer(process.text) : std::nullopt;
  if (!proc || *proc < 0) throw HistoryParseError(file, line, "expected a non-negative integer as :process");
  const Edn& type_v = edn_required(fields, "type", file, line);
  const auto type = type_v.kind == Edn::Kind::keyword ? event_type_from(type_v.text) : std::nullopt;
  if (!type) throw HistoryParseError(file, line, "expected :invoke, :ok, :fail or :info as :type");
  const Edn& f = edn_required(fields, "f", file, line);
  const auto fn = f.kind == Edn::Kind::keyword ? edn_fn(f.text) : std::nullopt;
  if (!fn) throw HistoryParseError(file, line, "expected :get, :put or :append as :f");
  const auto key = edn_text_value(edn_required(fields, "key", file, line), file, line, ":key");
  if (!key) throw HistoryParseError(file, line, "expected a string or an integer as :key, not nil");
  const auto value = edn_text_value(edn_required(fields, "value", file, line), file, line, ":value");
  const auto p = static_cast<std::uint64_t>(*proc);
  const std::string fn_name = ":" + f.text;

  if (*type == EventType::invoke) {
    Operation op;
    op.process = p;
    op.fn = *fn;
    op.key = *key;
    if (*fn != Fn::read) {
      if (!value) throw HistoryParseError(file, line, fmt::format("invoke of {} must carry a value", fn_name));
      op.input = value;
    }
    pairer.invoke(std::move(op), line);
    return;
  }
  Operation& op = pairer.complete(p, *fn, fn_name.c_str(), line);
  if (op.key != *key) throw HistoryParseError(file, line, "completion for a different :key than its invoke");
  switch (*type) {
    case EventType::ok:
      if (*fn == Fn::read) {
        op.output = value;
      } else if (value != op.input) {
        throw HistoryParseError(file, line, "ok must carry the same :value as its invoke");
      }
      return;
    case EventType::fail:
      op.outcome = Outcome::fail;
      return;
    case EventType::info:
      mark_info(op);
      return;
    case EventType::invoke:
      break;
  }
  RAFTSIM_ASSERT_MSG(false, "invoke handled above");
}

History parse_edn_kv(const std::string& text, const std::string& file) {
  History history;
  history.initial_value = std::string();  // an absent key reads as ""
  ProcessPairer pairer(history, file);
  for_each_line(text, [&](std::size_t line, std::string_view s) {
    if (!is_blank(s)) parse_edn_line(s, line, file, pairer);
  });
  pairer.finish();
  return history;
}

// ---------------------------------------------------------------------------------------------------------
// raftsim JSON Lines (docs/history-format.md). Pairs by operation id.

// A raftsim history line nests one level; the bound keeps hostile lines cheap.
constexpr int kJsonlDepthMax = 16;

class JsonlParser {
 public:
  JsonlParser(History& history, const std::string& file) : history_(history), file_(file) {}

  void line(std::string_view text, std::size_t line) {
    line_ = line;
    nlohmann::json j;
    // Rejects a key repeated in one object (the last would silently win) and deep nesting.
    std::vector<std::vector<std::string>> keys;  // of each open object
    const nlohmann::json::parser_callback_t strict = [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
      if (depth > kJsonlDepthMax) error(fmt::format("nested deeper than {} levels", kJsonlDepthMax));
      if (event == nlohmann::json::parse_event_t::object_start) keys.emplace_back();
      if (event == nlohmann::json::parse_event_t::object_end && !keys.empty()) keys.pop_back();
      if (event == nlohmann::json::parse_event_t::key && !keys.empty()) {
        const std::string k = parsed.get<std::string>();
        if (std::find(keys.back().begin(), keys.back().end(), k) != keys.back().end()) {
          error(fmt::format("the key \"{}\" appears twice in one object", k));
        }
        keys.back().push_back(k);
      }
      return true;
    };
    try {
      j = nlohmann::json::parse(text, strict);
    } catch (const nlohmann::json::exception& e) {  // parse_error, or out_of_range for a number like 1e400
      error(fmt::format("expected one JSON object per line: {}", e.what()));
    }
    if (!j.is_object()) error("expected one JSON object per line");
    const auto type = event_type_from(string_field(j, "type"));
    if (!type) error("expected \"type\" to be \"invoke\", \"ok\", \"fail\" or \"info\"");
    const std::int64_t time = integer_field(j, "time_us");
    if (time < last_time_us_) {
      error(fmt::format("time_us {} is earlier than the previous line's {} (events must be listed in the order "
                        "they happened)",
                        time, last_time_us_));
    }
    last_time_us_ = time;
    if (*type == EventType::invoke) {
      invoke(j);
    } else {
      complete(j, *type);
    }
  }

  void finish() {
    for (const auto& [op_id, index] : pending_) {
      (void)op_id;
      mark_info(history_.operations[index]);
    }
    pending_.clear();
  }

 private:
  [[noreturn]] void error(const std::string& message) const { throw HistoryParseError(file_, line_, message); }

  const nlohmann::json& field(const nlohmann::json& j, const char* name) const {
    const auto it = j.find(name);
    if (it == j.end()) error(fmt::format("missing \"{}\"", name));
    return *it;
  }
  std::string string_field(const nlohmann::json& j, const char* name) const {
    const auto& v = field(j, name);
    if (!v.is_string()) error(fmt::format("expected \"{}\" to be a string", name));
    return v.get<std::string>();
  }
  std::int64_t integer_field(const nlohmann::json& j, const char* name) const {
    const auto& v = field(j, name);
    if (!v.is_number_integer()) error(fmt::format("expected \"{}\" to be an integer", name));
    return v.get<std::int64_t>();
  }
  std::uint64_t unsigned_field(const nlohmann::json& j, const char* name) const {
    const std::int64_t v = integer_field(j, name);
    if (v < 0) error(fmt::format("expected \"{}\" to be non-negative", name));
    return static_cast<std::uint64_t>(v);
  }
  Fn fn_field(const nlohmann::json& j) const {
    const std::string f = string_field(j, "f");
    if (f == "get") return Fn::read;
    if (f == "put") return Fn::write;
    if (f == "append") return Fn::append;
    if (f == "cas") return Fn::cas;
    error("expected \"f\" to be \"get\", \"put\", \"append\" or \"cas\"");
  }

  void invoke(const nlohmann::json& j) {
    Operation op;
    op.process = unsigned_field(j, "process");
    op.id = unsigned_field(j, "op");
    op.fn = fn_field(j);
    op.key = string_field(j, "key");
    if (op.fn != Fn::read) op.input = string_field(j, "value");
    if (op.fn == Fn::cas) op.expected = string_field(j, "expected");
    op.invoke_time = static_cast<std::int64_t>(line_);
    const auto [it, inserted] = pending_.emplace(op.id, history_.operations.size());
    (void)it;
    if (!inserted) error(fmt::format("op {} is invoked while an earlier invoke of op {} is in flight", op.id, op.id));
    history_.operations.push_back(std::move(op));
  }

  void complete(const nlohmann::json& j, EventType type) {
    const std::uint64_t op_id = unsigned_field(j, "op");
    const auto it = pending_.find(op_id);
    if (it == pending_.end()) error(fmt::format("completion of op {}, which is not in flight (expected its invoke first)", op_id));
    Operation& op = history_.operations[it->second];
    if (unsigned_field(j, "process") != op.process || fn_field(j) != op.fn || string_field(j, "key") != op.key) {
      error(fmt::format("completion of op {} with a different process, f or key than its invoke", op_id));
    }
    pending_.erase(it);
    op.complete_time = static_cast<std::int64_t>(line_);
    if (type == EventType::fail) op.outcome = Outcome::fail;
    if (type == EventType::info) mark_info(op);
    if (type != EventType::ok) return;
    if (op.fn == Fn::read) {
      op.output = string_field(j, "value");
    } else if (string_field(j, "value") != *op.input) {
      error(fmt::format("ok of op {} carries a different \"value\" than its invoke", op_id));
    }
    if (op.fn == Fn::cas) {
      const auto& s = field(j, "succeeded");
      if (!s.is_boolean()) error("expected \"succeeded\" to be a boolean in the ok of a cas");
      op.cas_succeeded = s.get<bool>();
    }
  }

  History& history_;
  const std::string& file_;
  std::size_t line_ = 0;
  std::int64_t last_time_us_ = std::numeric_limits<std::int64_t>::min();
  std::map<std::uint64_t, std::size_t> pending_;  // op id -> index of the operation
};

History parse_jsonl(const std::string& text, const std::string& file) {
  History history;
  history.initial_value = std::string();  // a key that was never written reads ""
  JsonlParser parser(history, file);
  for_each_line(text, [&](std::size_t line, std::string_view s) {
    if (!is_blank(s)) parser.line(s, line);
  });
  parser.finish();
  return history;
}

}  // namespace

const char* history_format_name(HistoryFormat format) {
  switch (format) {
    case HistoryFormat::raftsim_jsonl: return "raftsim-jsonl";
    case HistoryFormat::jepsen_etcd: return "jepsen-etcd";
    case HistoryFormat::jepsen_edn_kv: return "jepsen-edn-kv";
  }
  return "?";
}

HistoryFormat detect_history_format(const std::string& text, const std::string& file) {
  std::optional<HistoryFormat> format;
  bool seen = false;
  for_each_line(text, [&](std::size_t line, std::string_view s) {
    if (seen || is_blank(s)) return;
    seen = true;
    s = trim_left(s);
    const auto tokens = split_whitespace(s.substr(0, std::min<std::size_t>(s.size(), 64)));
    if (s.starts_with('{')) {
      const std::string_view rest = trim_left(s.substr(1));
      if (rest.starts_with('"')) format = HistoryFormat::raftsim_jsonl;
      if (rest.starts_with(':')) format = HistoryFormat::jepsen_edn_kv;
    } else if (tokens.size() >= 2 && tokens[0] == "INFO" && tokens[1] == "jepsen.util") {
      format = HistoryFormat::jepsen_etcd;
    }
    if (!format) {
      throw HistoryParseError(
          file, line,
          "unknown history format: expected raftsim JSON Lines ({\"type\":\"invoke\",...}, see "
          "docs/history-format.md), a Jepsen etcd log (INFO  jepsen.util - 0 :invoke :read nil) or Jepsen EDN "
          "key-value maps ({:process 0, :type :invoke, :f :get, :key \"1\", :value nil})");
    }
  });
  return format.value_or(HistoryFormat::raftsim_jsonl);
}

History parse_history(const std::string& text, const std::string& file, HistoryFormat format) {
  // A NUL byte would end a JSON line early and let what follows it pass unread.
  if (const auto nul = text.find('\0'); nul != std::string::npos) {
    const auto line = 1 + static_cast<std::size_t>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(nul), '\n'));
    throw HistoryParseError(file, line, "a NUL byte: expected a text file");
  }
  switch (format) {
    case HistoryFormat::raftsim_jsonl: return parse_jsonl(text, file);
    case HistoryFormat::jepsen_etcd: return parse_etcd(text, file);
    case HistoryFormat::jepsen_edn_kv: return parse_edn_kv(text, file);
  }
  RAFTSIM_ASSERT_MSG(false, "unknown HistoryFormat");
  return {};
}

History load_history_file(const std::string& path, std::optional<HistoryFormat> format) {
  // Only regular files: a directory reads as nothing, /dev/zero never ends and a FIFO blocks.
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec || status.type() == std::filesystem::file_type::not_found) throw HistoryParseError(path, 0, "cannot open the file: no such file");
  if (status.type() == std::filesystem::file_type::directory) throw HistoryParseError(path, 0, "a directory: expected a history file");
  if (status.type() != std::filesystem::file_type::regular) {
    throw HistoryParseError(path, 0, "not a regular file (a device, FIFO or socket): expected a history file");
  }
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  if (!ec && size > kHistoryFileBytesMax) {
    throw HistoryParseError(path, 0, fmt::format("{} bytes; at most {} are accepted", size, kHistoryFileBytesMax));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw HistoryParseError(path, 0, "cannot open the file");
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) throw HistoryParseError(path, 0, "cannot read the file");
  const std::string text = buffer.str();
  return parse_history(text, path, format ? *format : detect_history_format(text, path));
}

}  // namespace checkers
