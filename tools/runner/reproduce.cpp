#include "tools/runner/reproduce.h"

#include <algorithm>
#include <cctype>
#include <string_view>
#include <sstream>

#include "base/assert.h"
#include "tools/scenario/input_error.h"

namespace tools {

namespace {
std::string& program_name_storage() {
  static std::string name = "raftsim";
  return name;
}
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }
}  // namespace

const std::string& program_name() { return program_name_storage(); }

void set_program_name(const std::string& name) {
  if (!name.empty()) program_name_storage() = name;
}

std::vector<std::string> split_command_option(const std::string& text) {
  std::vector<std::string> args;
  std::istringstream in(text);
  for (std::string arg; in >> arg;) args.push_back(arg);
  if (args.empty()) throw InputError("command line", "--command", "expected the program to start and its arguments");
  RAFTSIM_ASSERT(std::none_of(args.begin(), args.end(), [](const std::string& a) { return a.empty(); }));
  return args;
}

std::string command_option_value(const std::vector<std::string>& command) {
  std::string out;
  for (const auto& arg : command) {
    if (arg.empty() || std::any_of(arg.begin(), arg.end(), is_space)) return "";
    out += (out.empty() ? "" : " ") + arg;
  }
  return out;
}

std::string shell_quote(const std::string& text) {
  const bool plain = !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || std::string_view("-_./=:,+@%").find(c) != std::string_view::npos;
  });
  if (plain) return text;
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string supports_option_value(const sim::FeatureSupport& supports) {
  std::string out;
  if (supports.pre_vote) out += "pre_vote";
  if (supports.check_quorum) out += std::string(out.empty() ? "" : ",") + "check_quorum";
  if (supports.transfer_leadership) out += std::string(out.empty() ? "" : ",") + "transfer_leadership";
  return out.empty() ? "none" : out;
}

}  // namespace tools
