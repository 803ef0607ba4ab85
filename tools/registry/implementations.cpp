#include "tools/registry/implementations.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <stdexcept>

#include <fmt/format.h>

#include "base/assert.h"

namespace tools {

namespace {

struct Registry {
  std::mutex mutex;
  std::map<std::string, ImplementationInfo> by_name;  // node-based: entries never move once registered
};

Registry& registry() {
  static Registry r;
  return r;
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out.empty() ? "none" : out;
}

}  // namespace

void register_implementation(ImplementationInfo info) {
  if (info.name.empty()) throw std::invalid_argument("an implementation needs a name");
  if (!info.make) throw std::invalid_argument(fmt::format("implementation '{}' has no make function", info.name));
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  if (r.by_name.count(info.name) != 0) {
    throw std::invalid_argument(fmt::format("implementation '{}' is registered twice", info.name));
  }
  std::string name = info.name;
  r.by_name.emplace(std::move(name), std::move(info));
}

const ImplementationInfo* find_implementation(const std::string& name) {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  const auto it = r.by_name.find(name);
  return it == r.by_name.end() ? nullptr : &it->second;
}

std::vector<std::string> implementation_names() {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  std::vector<std::string> names;
  for (const auto& [name, info] : r.by_name) names.push_back(name);  // std::map: sorted
  RAFTSIM_ASSERT(std::is_sorted(names.begin(), names.end()));
  return names;
}

std::unique_ptr<sim::NodeFactory> make_implementation(const ImplementationRequest& request) {
  const ImplementationInfo* info = find_implementation(request.name);
  if (info == nullptr) {
    throw std::invalid_argument(fmt::format("unknown Raft implementation '{}' (registered: {})", request.name,
                                            joined(implementation_names())));
  }
  for (const auto& bug : request.bugs) {
    if (std::find(info->bug_names.begin(), info->bug_names.end(), bug) == info->bug_names.end()) {
      throw std::invalid_argument(info->bug_names.empty()
                                      ? fmt::format("bugs cannot be planted in {}: it has none (bug '{}')", info->name, bug)
                                      : fmt::format("unknown bug '{}' for {} (its bugs: {})", bug, info->name,
                                                    joined(info->bug_names)));
    }
  }
  std::unique_ptr<sim::NodeFactory> factory = info->make(request);
  if (!factory) throw std::invalid_argument(fmt::format("implementation '{}' made no node factory", info->name));
  return factory;
}

}  // namespace tools
