#include "tools/scenario/json_reader.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "base/assert.h"

namespace tools {

std::string json_type_name(const nlohmann::json& v) {
  switch (v.type()) {
    case nlohmann::json::value_t::null: return "null";
    case nlohmann::json::value_t::boolean: return "a boolean";
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned: return "an integer";
    case nlohmann::json::value_t::number_float: return "a number";
    case nlohmann::json::value_t::string: return "a string";
    case nlohmann::json::value_t::array: return "an array";
    case nlohmann::json::value_t::object: return "an object";
    default: return "an unsupported value";
  }
}

namespace {
std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}
}  // namespace

std::optional<std::string> did_you_mean(const std::string& word, const std::vector<std::string>& candidates) {
  std::optional<std::string> best;
  std::size_t best_distance = std::max<std::size_t>(2, word.size() / 3) + 1;
  for (const auto& c : candidates) {
    const std::size_t d = edit_distance(word, c);
    if (d < best_distance) {
      best_distance = d;
      best = c;
    }
  }
  return best;
}

JsonReader::JsonReader(const nlohmann::json& value, std::string file, std::string path)
    : value_(value), file_(std::move(file)), path_(std::move(path)) {
  if (!value_.is_object()) {
    throw InputError(file_, path_.empty() ? std::string("top level") : path_,
                     fmt::format("expected an object, found {}", json_type_name(value_)));
  }
}

std::string JsonReader::path_of(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }

void JsonReader::fail(const std::string& key, const std::string& message) const {
  throw InputError(file_, path_of(key), message);
}

bool JsonReader::has(const std::string& key) const {
  known_.insert(key);  // a key the caller asks about is one it knows: finish() lists it
  return value_.contains(key);
}

bool JsonReader::is_string(const std::string& key) const {
  auto it = value_.find(key);
  return it != value_.end() && it->is_string();
}

const nlohmann::json* JsonReader::lookup(const std::string& key) {
  known_.insert(key);
  auto it = value_.find(key);
  return it == value_.end() ? nullptr : &*it;
}

std::int64_t JsonReader::integer(const std::string& key, std::int64_t fallback, std::int64_t min, std::int64_t max) {
  RAFTSIM_ASSERT(min <= max);
  const nlohmann::json* v = lookup(key);
  if (v == nullptr) return fallback;
  if (!v->is_number_integer()) fail(key, fmt::format("expected an integer, found {}", json_type_name(*v)));
  if (v->is_number_unsigned() && v->get<std::uint64_t>() > static_cast<std::uint64_t>(max)) {
    fail(key, fmt::format("expected an integer in [{}, {}], found {}", min, max, v->get<std::uint64_t>()));
  }
  const auto x = v->get<std::int64_t>();
  if (x < min || x > max) fail(key, fmt::format("expected an integer in [{}, {}], found {}", min, max, x));
  return x;
}

std::int64_t JsonReader::required_integer(const std::string& key, std::int64_t min, std::int64_t max) {
  if (!has(key)) fail(key, "required field is missing (an integer)");
  return integer(key, 0, min, max);
}

double JsonReader::number(const std::string& key, double fallback, double min, double max) {
  RAFTSIM_ASSERT(min <= max);
  const nlohmann::json* v = lookup(key);
  if (v == nullptr) return fallback;
  if (!v->is_number()) fail(key, fmt::format("expected a number, found {}", json_type_name(*v)));
  const auto x = v->get<double>();
  if (!std::isfinite(x) || x < min || x > max) fail(key, fmt::format("expected a number in [{}, {}], found {}", min, max, x));
  return x;
}

bool JsonReader::boolean(const std::string& key, bool fallback) {
  const nlohmann::json* v = lookup(key);
  if (v == nullptr) return fallback;
  if (!v->is_boolean()) fail(key, fmt::format("expected true or false, found {}", json_type_name(*v)));
  return v->get<bool>();
}

std::string JsonReader::string(const std::string& key, const std::string& fallback) {
  const nlohmann::json* v = lookup(key);
  if (v == nullptr) return fallback;
  if (!v->is_string()) fail(key, fmt::format("expected a string, found {}", json_type_name(*v)));
  return v->get<std::string>();
}

std::string JsonReader::choice(const std::string& key, const std::string& fallback,
                               const std::vector<std::string>& allowed) {
  const std::string s = string(key, fallback);
  if (std::find(allowed.begin(), allowed.end(), s) != allowed.end()) return s;
  std::string list;
  for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + ("\"" + a + "\"");
  std::string hint;
  if (auto m = did_you_mean(s, allowed)) hint = fmt::format(" (did you mean \"{}\"?)", *m);
  fail(key, fmt::format("expected one of {}, found \"{}\"{}", list, s, hint));
}

std::string JsonReader::required_choice(const std::string& key, const std::vector<std::string>& allowed) {
  if (!has(key)) fail(key, "required field is missing");
  return choice(key, "", allowed);
}

std::optional<JsonReader> JsonReader::object(const std::string& key) {
  const nlohmann::json* v = lookup(key);
  if (v == nullptr) return std::nullopt;
  return JsonReader(*v, file_, path_of(key));
}

const nlohmann::json* JsonReader::array(const std::string& key) {
  const nlohmann::json* v = lookup(key);
  if (v == nullptr) return nullptr;
  if (!v->is_array()) fail(key, fmt::format("expected an array, found {}", json_type_name(*v)));
  return v;
}

void JsonReader::finish() const {
  const std::vector<std::string> candidates(known_.begin(), known_.end());
  for (auto it = value_.begin(); it != value_.end(); ++it) {
    if (known_.count(it.key()) != 0) continue;
    std::string hint;
    if (auto m = did_you_mean(it.key(), candidates)) hint = fmt::format(" (did you mean \"{}\"?)", *m);
    std::string list;
    for (const auto& c : candidates) list += (list.empty() ? "" : ", ") + c;
    throw InputError(file_, path_of(it.key()), fmt::format("unknown field{}; known fields here: {}", hint, list));
  }
}

}  // namespace tools
