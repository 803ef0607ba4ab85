// What the commands that raftsim prints for reproducing a run say: the program's name (an out-of-tree
// build of the CLI has its own, e.g. example-raftsim) and the --command option's value.
#pragma once

#include "sim/node_host.h"

#include <string>
#include <vector>

namespace tools {

// "raftsim" unless the CLI was started under another name (tools::cli_main sets it from argv[0]).
const std::string& program_name();
void set_program_name(const std::string& name);

// --command "ARGS": the child command line, split at whitespace (no quoting: an argument containing
// whitespace goes in the scenario's cluster.command array). Throws InputError for an empty value.
std::vector<std::string> split_command_option(const std::string& text);
// The inverse, for reproduce commands: the arguments joined by spaces; "" if there are none or if one
// cannot be written that way (empty, or containing whitespace: then it came from the scenario file,
// which the reproduce command names anyway).
std::string command_option_value(const std::vector<std::string>& command);
// --supports's value for a feature declaration ("none" when it declares nothing).
std::string supports_option_value(const sim::FeatureSupport& supports);
// `text` quoted for a POSIX shell (unchanged if it needs no quoting).
std::string shell_quote(const std::string& text);

}  // namespace tools
