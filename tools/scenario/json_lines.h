// Where each value of a JSON text (with // and /* */ comments) starts: field path -> line, so errors
// found after parsing can name the line. Paths are written as in error messages: `faults[2].nodes[0]`.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

namespace tools {

// Lines are 1-based. A malformed text yields whatever was found before the problem (the parser reports
// syntax errors itself).
std::map<std::string, std::size_t> json_value_lines(const std::string& text);

// The lines where a value at `path` starts, in order: more than one for a key repeated in an object.
std::vector<std::size_t> json_path_lines(const std::string& text, const std::string& path);

// The line of `path`, or of its nearest enclosing value that has one; 0 if none.
std::size_t line_of(const std::map<std::string, std::size_t>& lines, std::string path);

}  // namespace tools
