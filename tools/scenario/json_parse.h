// Strict parsing of JSON input files (scenarios, failure records). Beyond the JSON grammar it refuses,
// with an InputError naming the file and the line:
//  - a NUL byte (the parser would take it as the end of the input and ignore what follows);
//  - nesting deeper than kJsonDepthMax, and object keys longer than kJsonKeyLengthMax (errors name the
//    line of a field by its path: bounded paths keep that linear in the file's size);
//  - a key repeated in one object (naming both lines: otherwise the last one silently wins);
//  - a number out of range (1e400), naming its field.
#pragma once

#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

namespace tools {

constexpr std::size_t kJsonDepthMax = 64;        // a scenario nests 4 levels, a record 5
constexpr std::size_t kJsonKeyLengthMax = 256;   // every field name raftsim knows is under 40 characters

nlohmann::json parse_json_strict(const std::string& text, const std::string& file, bool allow_comments);

}  // namespace tools
