#include "tools/scenario/json_parse.h"

#include <algorithm>
#include <optional>
#include <vector>

#include <fmt/format.h>

#include "base/assert.h"
#include "tools/scenario/input_error.h"
#include "tools/scenario/json_lines.h"

namespace tools {

namespace {

using json = nlohmann::json;

std::size_t line_at(const std::string& text, std::size_t offset) {
  offset = std::min(offset, text.size());
  return 1 + static_cast<std::size_t>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
}

// One linear pass before parsing: NUL bytes, nesting depth and key lengths (strings and comments skipped).
void check_shape(const std::string& text, const std::string& file) {
  if (const auto nul = text.find('\0'); nul != std::string::npos) {
    throw InputError(file, "", "a NUL byte: expected text (JSON)", line_at(text, nul));
  }
  std::vector<char> open;  // '{' or '['
  bool expecting_key = false;  // inside an object, before the next key
  std::size_t line = 1;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n') {
      ++line;
    } else if (c == '/' && i + 1 < text.size() && text[i + 1] == '/') {
      while (i + 1 < text.size() && text[i + 1] != '\n') ++i;
    } else if (c == '/' && i + 1 < text.size() && text[i + 1] == '*') {
      for (i += 2; i + 1 < text.size() && !(text[i] == '*' && text[i + 1] == '/'); ++i) line += text[i] == '\n';
      ++i;
    } else if (c == '"') {
      const std::size_t start = i;
      for (++i; i < text.size() && text[i] != '"'; ++i) {
        if (text[i] == '\\') ++i;
      }
      if (expecting_key && i - start - 1 > kJsonKeyLengthMax) {
        throw InputError(file, "", fmt::format("a key of {} characters; at most {} are accepted", i - start - 1, kJsonKeyLengthMax), line);
      }
      expecting_key = false;
    } else if (c == '{' || c == '[') {
      open.push_back(c);
      if (open.size() > kJsonDepthMax) {
        throw InputError(file, "", fmt::format("nested deeper than {} levels", kJsonDepthMax), line);
      }
      expecting_key = c == '{';
    } else if (c == '}' || c == ']') {
      if (!open.empty()) open.pop_back();
      expecting_key = false;
    } else if (c == ',') {
      expecting_key = !open.empty() && open.back() == '{';
    }
  }
}

struct DuplicateKey {
  std::string path;
};

// Builds the document like nlohmann's own DOM parser, but refuses repeated keys and remembers where in
// the document it is, so that errors can name the field.
class StrictDom {
 public:
  json root;

  bool null() { return add(nullptr); }
  bool boolean(bool v) { return add(v); }
  bool number_integer(json::number_integer_t v) { return add(v); }
  bool number_unsigned(json::number_unsigned_t v) { return add(v); }
  bool number_float(json::number_float_t v, const json::string_t&) { return add(v); }
  bool string(json::string_t& v) { return add(v); }
  bool binary(json::binary_t& v) { return add(json::binary(v)); }
  bool start_object(std::size_t) { return open(json::value_t::object); }
  bool start_array(std::size_t) { return open(json::value_t::array); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }
  bool key(json::string_t& k) {
    RAFTSIM_ASSERT(!stack_.empty() && stack_.back()->is_object());
    if (stack_.back()->contains(k)) throw DuplicateKey{child_path(k)};
    key_ = k;
    return true;
  }
  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& e) {
    error_position = position;
    error_message = e.what();
    error_is_range = e.id == 406;
    error_path = stack_.empty() ? std::string() : child_path(key_);
    return false;
  }

  std::optional<std::size_t> error_position;
  std::string error_message, error_path;
  bool error_is_range = false;

 private:
  std::string path() const {
    std::string p;
    for (const auto& s : segments_) p += (p.empty() || s.front() == '[') ? s : "." + s;
    return p;
  }
  std::string child_path(const std::string& k) const {
    if (stack_.back()->is_array()) return fmt::format("{}[{}]", path(), stack_.back()->size());
    return path().empty() ? k : path() + "." + k;
  }
  template <typename V>
  json* place(V&& v) {
    if (stack_.empty()) {
      root = json(std::forward<V>(v));
      return &root;
    }
    json& top = *stack_.back();
    if (top.is_array()) {
      top.emplace_back(std::forward<V>(v));
      return &top.back();
    }
    json& slot = top[key_];
    slot = json(std::forward<V>(v));
    return &slot;
  }
  template <typename V>
  bool add(V&& v) {
    place(std::forward<V>(v));
    return true;
  }
  bool open(json::value_t t) {
    std::string segment;
    if (!stack_.empty()) segment = stack_.back()->is_array() ? fmt::format("[{}]", stack_.back()->size()) : key_;
    stack_.push_back(place(t));
    if (stack_.size() > 1) segments_.push_back(segment);
    return true;
  }
  bool close() {
    RAFTSIM_ASSERT(!stack_.empty());
    stack_.pop_back();
    if (!segments_.empty() && segments_.size() >= stack_.size()) segments_.pop_back();
    return true;
  }

  std::vector<json*> stack_;          // the open objects and arrays, outermost first
  std::vector<std::string> segments_;  // how each open container but the root is reached from its parent
  std::string key_;                    // in an object: the key whose value comes next
};

std::string without_exception_prefix(const std::string& what) {
  const auto pos = what.find("] ");
  return pos == std::string::npos ? what : what.substr(pos + 2);
}

}  // namespace

json parse_json_strict(const std::string& text, const std::string& file, bool allow_comments) {
  check_shape(text, file);
  StrictDom dom;
  try {
    json::sax_parse(text, &dom, json::input_format_t::json, /*strict=*/true, allow_comments);
  } catch (const DuplicateKey& d) {
    const std::vector<std::size_t> lines = json_path_lines(text, d.path);
    const std::string where = lines.size() >= 2 ? fmt::format(" (lines {} and {})", lines[0], lines[1]) : "";
    throw InputError(file, d.path, fmt::format("the key appears twice in one object{}; give each field once", where),
                     lines.size() >= 2 ? lines[1] : 0);
  }
  if (dom.error_position) {
    const std::string message = without_exception_prefix(dom.error_message);
    if (dom.error_is_range) {
      throw InputError(file, dom.error_path, message, line_at(text, *dom.error_position));
    }
    // A syntax error's message names the line and column itself.
    throw InputError(file, "", "not valid JSON: " + message);
  }
  return std::move(dom.root);
}

}  // namespace tools
