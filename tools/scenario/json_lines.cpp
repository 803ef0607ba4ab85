#include "tools/scenario/json_lines.h"

#include <vector>

#include "base/assert.h"

namespace tools {

namespace {
struct Frame {
  bool is_object = false;
  std::string path;
  std::string key;  // objects: the key whose value comes next
  std::size_t index = 0;  // arrays: the index of the next element
  bool expecting_key = true;
};

std::string child_path(const Frame& f) {
  if (f.is_object) return f.path.empty() ? f.key : f.path + "." + f.key;
  return f.path + "[" + std::to_string(f.index) + "]";
}

// Calls on_value(path, line) for every value in document order.
template <typename OnValue>
void walk_values(const std::string& text, OnValue&& on_value) {
  std::vector<Frame> stack;
  std::size_t line = 1;
  bool value_pending = false;  // in an array, the next token starts an element
  auto record_value = [&](std::size_t at_line) {
    if (stack.empty()) return;
    const Frame& top = stack.back();
    if (top.is_object && top.expecting_key) return;
    on_value(child_path(top), at_line);
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n') {
      ++line;
      continue;
    }
    if (c == '/' && i + 1 < text.size() && text[i + 1] == '/') {
      while (i < text.size() && text[i] != '\n') ++i;
      --i;
      continue;
    }
    if (c == '/' && i + 1 < text.size() && text[i + 1] == '*') {
      i += 2;
      while (i + 1 < text.size() && !(text[i] == '*' && text[i + 1] == '/')) line += text[i++] == '\n';
      ++i;
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\r') continue;
    if (c == '"') {
      std::string s;
      for (++i; i < text.size() && text[i] != '"'; ++i) {
        if (text[i] == '\\' && i + 1 < text.size()) ++i;
        s += text[i];
      }
      if (!stack.empty() && stack.back().is_object && stack.back().expecting_key) {
        stack.back().key = s;
      } else {
        record_value(line);
      }
      value_pending = false;
      continue;
    }
    if (c == ':') {
      if (!stack.empty()) stack.back().expecting_key = false;
      continue;
    }
    if (c == ',') {
      if (!stack.empty()) {
        if (stack.back().is_object) {
          stack.back().expecting_key = true;
        } else {
          ++stack.back().index;
        }
      }
      continue;
    }
    if (c == '{' || c == '[') {
      record_value(line);
      Frame f;
      f.is_object = c == '{';
      f.path = stack.empty() ? std::string() : child_path(stack.back());
      stack.push_back(f);
      value_pending = c == '[';
      continue;
    }
    if (c == '}' || c == ']') {
      if (!stack.empty()) stack.pop_back();
      continue;
    }
    // A bare value: number, true, false, null.
    record_value(line);
    while (i + 1 < text.size() && text[i + 1] != ',' && text[i + 1] != '}' && text[i + 1] != ']' && text[i + 1] != '\n' &&
           text[i + 1] != ' ')
      ++i;
    value_pending = false;
  }
  (void)value_pending;
  RAFTSIM_ASSERT(line >= 1);
}
}  // namespace

std::map<std::string, std::size_t> json_value_lines(const std::string& text) {
  std::map<std::string, std::size_t> lines;
  walk_values(text, [&](const std::string& path, std::size_t line) { lines.emplace(path, line); });
  return lines;
}

std::vector<std::size_t> json_path_lines(const std::string& text, const std::string& path) {
  std::vector<std::size_t> lines;
  walk_values(text, [&](const std::string& p, std::size_t line) {
    if (p == path) lines.push_back(line);
  });
  return lines;
}

std::size_t line_of(const std::map<std::string, std::size_t>& lines, std::string path) {
  while (!path.empty()) {
    const auto it = lines.find(path);
    if (it != lines.end()) return it->second;
    const auto cut = path.find_last_of(".[");
    if (cut == std::string::npos) break;
    path.resize(cut);
  }
  return 0;
}

}  // namespace tools
