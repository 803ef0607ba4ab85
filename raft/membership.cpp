#include "raft/membership.h"

#include <algorithm>
#include <charconv>

#include "base/assert.h"

namespace raft {

namespace {

bool sorted_unique(const std::vector<NodeId>& v) {
  return std::is_sorted(v.begin(), v.end()) && std::adjacent_find(v.begin(), v.end()) == v.end();
}

void insert_sorted(std::vector<NodeId>& v, NodeId node) { v.insert(std::lower_bound(v.begin(), v.end(), node), node); }

std::uint64_t bits(const std::vector<NodeId>& v) {
  std::uint64_t b = 0;
  for (NodeId n : v) {
    RAFTSIM_ASSERT_MSG(n.value < 64, "the trace reports configurations of nodes 0..63 only");
    b |= std::uint64_t{1} << n.value;
  }
  return b;
}

std::optional<std::vector<NodeId>> parse_list(std::string_view text) {
  std::vector<NodeId> out;
  while (!text.empty()) {
    const std::size_t comma = text.find(',');
    const std::string_view item = text.substr(0, comma);
    std::uint32_t value = 0;
    const auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), value);
    if (ec != std::errc() || end != item.data() + item.size() || item.empty()) return std::nullopt;
    out.push_back(NodeId(value));
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  if (!sorted_unique(out)) return std::nullopt;
  return out;
}

void append_list(std::string& s, const std::vector<NodeId>& v) {
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i > 0) s += ',';
    s += std::to_string(v[i].value);
  }
}

}  // namespace

std::vector<NodeId> Membership::all() const {
  std::vector<NodeId> out;
  std::merge(voters.begin(), voters.end(), learners.begin(), learners.end(), std::back_inserter(out));
  return out;
}

std::uint64_t Membership::voter_bits() const { return bits(voters); }
std::uint64_t Membership::learner_bits() const { return bits(learners); }

void Membership::check() const {
  RAFTSIM_ASSERT(sorted_unique(voters));
  RAFTSIM_ASSERT(sorted_unique(learners));
  for (NodeId n : learners) RAFTSIM_ASSERT(!is_voter(n));
}

const char* conf_change_name(ConfChangeKind kind) {
  switch (kind) {
    case ConfChangeKind::add_learner: return "add-learner";
    case ConfChangeKind::promote: return "promote";
    case ConfChangeKind::remove: return "remove";
  }
  RAFTSIM_ASSERT_MSG(false, "conf_change_name: value outside the enum");
  return "?";
}

std::optional<Membership> apply_change(const Membership& from, const ConfChange& change) {
  from.check();
  Membership to = from;
  switch (change.kind) {
    case ConfChangeKind::add_learner:
      if (from.contains(change.node)) return std::nullopt;
      insert_sorted(to.learners, change.node);
      break;
    case ConfChangeKind::promote:
      if (!from.is_learner(change.node)) return std::nullopt;
      std::erase(to.learners, change.node);
      insert_sorted(to.voters, change.node);
      break;
    case ConfChangeKind::remove:
      if (!from.contains(change.node)) return std::nullopt;
      if (from.is_voter(change.node) && from.voters.size() == 1) return std::nullopt;  // no cluster without voters
      std::erase(to.voters, change.node);
      std::erase(to.learners, change.node);
      break;
  }
  to.check();
  RAFTSIM_ASSERT(!(to == from));
  return to;
}

std::string encode_membership(const Membership& m) {
  m.check();
  std::string s = "v=";
  append_list(s, m.voters);
  s += ";l=";
  append_list(s, m.learners);
  return s;
}

std::optional<Membership> decode_membership(std::string_view text) {
  const std::size_t semi = text.find(';');
  if (!text.starts_with("v=") || semi == std::string_view::npos || text.substr(semi + 1, 2) != "l=") return std::nullopt;
  auto voters = parse_list(text.substr(2, semi - 2));
  auto learners = parse_list(text.substr(semi + 3));
  if (!voters || !learners) return std::nullopt;
  Membership m{std::move(*voters), std::move(*learners)};
  for (NodeId n : m.learners) {
    if (m.is_voter(n)) return std::nullopt;
  }
  return m;
}

}  // namespace raft
