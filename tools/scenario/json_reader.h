// Strict reading of a JSON object: every key must be known, every value of the expected type and range.
// Unknown keys are reported with a "did you mean" suggestion. Errors are InputErrors naming the file
// and the field path (e.g. `faults[2].nodes[0]`).
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tools/scenario/input_error.h"

namespace tools {

class JsonReader {
 public:
  // `value` must outlive the reader. Throws if it is not an object.
  JsonReader(const nlohmann::json& value, std::string file, std::string path);

  bool has(const std::string& key) const;
  bool is_string(const std::string& key) const;
  std::int64_t integer(const std::string& key, std::int64_t fallback, std::int64_t min, std::int64_t max);
  std::int64_t required_integer(const std::string& key, std::int64_t min, std::int64_t max);
  double number(const std::string& key, double fallback, double min, double max);
  bool boolean(const std::string& key, bool fallback);
  std::string string(const std::string& key, const std::string& fallback);
  // One of `allowed`.
  std::string choice(const std::string& key, const std::string& fallback, const std::vector<std::string>& allowed);
  std::string required_choice(const std::string& key, const std::vector<std::string>& allowed);
  std::optional<JsonReader> object(const std::string& key);
  const nlohmann::json* array(const std::string& key);  // nullptr if absent

  // Reports the first key that no accessor asked for. Call after reading every field.
  void finish() const;

  std::string path_of(const std::string& key) const;
  const std::string& file() const { return file_; }
  [[noreturn]] void fail(const std::string& key, const std::string& message) const;

 private:
  const nlohmann::json* lookup(const std::string& key);

  const nlohmann::json& value_;
  std::string file_;
  std::string path_;
  mutable std::set<std::string> known_;  // every key asked about (has() included)
};

// The type of a JSON value in words ("a string", "an integer"...), for error messages.
std::string json_type_name(const nlohmann::json& value);
// The closest of `candidates` to `word` if it is close enough to be a likely typo.
std::optional<std::string> did_you_mean(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace tools
