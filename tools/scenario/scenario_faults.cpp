#include "tools/scenario/scenario_faults.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "base/assert.h"
#include "tools/scenario/input_error.h"
#include "tools/scenario/scenario_limits.h"

namespace tools {

namespace {

sim::NodeRef read_node_ref(const nlohmann::json& v, const JsonReader& parent, const std::string& path,
                           std::uint32_t nodes) {
  if (v.is_string() && v.get<std::string>() == "leader") return sim::NodeRef{sim::NodeRef::Kind::leader, 0};
  if (v.is_string() && v.get<std::string>() == "triggering") return sim::NodeRef{sim::NodeRef::Kind::triggering, 0};
  if (v.is_number_unsigned() && v.get<std::uint64_t>() >= nodes) {
    throw InputError(parent.file(), path,
                     fmt::format("node {} does not exist: the cluster has nodes 0..{}", v.get<std::uint64_t>(), nodes - 1));
  }
  if (v.is_number_integer()) {
    const auto i = v.get<std::int64_t>();
    if (i < 0 || i >= static_cast<std::int64_t>(nodes)) {
      throw InputError(parent.file(), path,
                       fmt::format("node {} does not exist: the cluster has nodes 0..{}", i, nodes - 1));
    }
    return sim::NodeRef{sim::NodeRef::Kind::index, static_cast<sim::NodeIndex>(i)};
  }
  throw InputError(parent.file(), path,
                   fmt::format("expected a node index (integer) or \"leader\" (or \"triggering\" in a fault with \"on\"), found {}",
                               json_type_name(v)));
}

std::vector<sim::NodeRef> all_nodes(std::uint32_t nodes) {
  std::vector<sim::NodeRef> out;
  for (sim::NodeIndex n = 0; n < nodes; ++n) out.push_back({sim::NodeRef::Kind::index, n});
  return out;
}

// A list of nodes: an array of indexes and "leader", or the string "all". Absent: `fallback` if given.
std::vector<sim::NodeRef> read_node_list(JsonReader& r, const std::string& key, std::uint32_t nodes,
                                         bool all_if_absent = false) {
  if (r.has(key) && r.is_string(key)) {
    const std::string s = r.choice(key, "all", {"all"});
    RAFTSIM_ASSERT(s == "all");
    return all_nodes(nodes);
  }
  const nlohmann::json* arr = r.array(key);
  if (arr == nullptr) {
    if (all_if_absent) return all_nodes(nodes);
    r.fail(key, "required field is missing (an array of node indexes and \"leader\", or \"all\")");
  }
  if (arr->empty()) r.fail(key, "expected at least one node");
  std::vector<sim::NodeRef> out;
  for (std::size_t i = 0; i < arr->size(); ++i) {
    out.push_back(read_node_ref((*arr)[i], r, fmt::format("{}[{}]", r.path_of(key), i), nodes));
  }
  return out;
}

void read_groups(JsonReader& r, std::uint32_t nodes, sim::Fault& f) {
  const nlohmann::json* groups = r.array("groups");
  if (groups == nullptr || groups->empty()) {
    r.fail("groups", "required: an array of node groups, e.g. [[0,1],[2,3,4]], or a \"shape\"");
  }
  std::vector<bool> used(nodes, false);
  bool leader_used = false;  // "leader" is one node too: in two groups it would be on both sides
  for (std::size_t g = 0; g < groups->size(); ++g) {
    const std::string gpath = fmt::format("{}[{}]", r.path_of("groups"), g);
    const auto& group = (*groups)[g];
    if (!group.is_array() || group.empty()) {
      throw InputError(r.file(), gpath, fmt::format("expected a non-empty array of nodes, found {}", json_type_name(group)));
    }
    std::vector<sim::NodeRef> refs;
    for (std::size_t i = 0; i < group.size(); ++i) {
      const std::string npath = fmt::format("{}[{}]", gpath, i);
      sim::NodeRef ref = read_node_ref(group[i], r, npath, nodes);
      if (ref.kind == sim::NodeRef::Kind::index) {
        if (used[ref.index]) throw InputError(r.file(), npath, fmt::format("node {} is in two groups", ref.index));
        used[ref.index] = true;
      } else if (ref.kind == sim::NodeRef::Kind::leader) {
        if (leader_used) throw InputError(r.file(), npath, "\"leader\" is in two groups");
        leader_used = true;
      }
      refs.push_back(ref);
    }
    f.groups.push_back(std::move(refs));
  }
}

// Link degradations: the presets set the defaults, explicit fields override them.
sim::LinkDegradation read_degradation(JsonReader& r, const std::string& action) {
  sim::LinkDegradation d;
  if (action == "drop_burst") d.drop_probability = 0.3;
  if (action == "duplicate_burst") d.duplicate_probability = 0.5;
  if (action == "reorder_burst") {
    d.late_probability = 0.5;
    d.late_min = sim::Duration::millis(1);
    d.late_max = sim::Duration::millis(30);
  }
  if (action == "stale_delivery") {
    d.late_probability = 0.1;
    d.late_min = sim::Duration::millis(200);
    d.late_max = sim::Duration::millis(2000);
  }
  d.drop_probability = r.number("drop_probability", d.drop_probability, 0.0, 1.0);
  d.duplicate_probability = r.number("duplicate_probability", d.duplicate_probability, 0.0, 1.0);
  d.late_probability = r.number("late_probability", d.late_probability, 0.0, 1.0);
  d.late_min = millis(r.number("late_ms_min", static_cast<double>(d.late_min.us) / 1000.0, 0.0, kMillisMax));
  d.late_max = millis(r.number("late_ms_max", static_cast<double>(std::max(d.late_min, d.late_max).us) / 1000.0, 0.0, kMillisMax));
  if (d.late_max < d.late_min) r.fail("late_ms_max", "must be >= late_ms_min");
  if (action == "degrade" && !d.active()) {
    r.fail("action", "a degrade needs drop_probability, duplicate_probability or late_probability above 0");
  }
  return d;
}

// The events a fault can wait for ("on"), by their trace names.
const std::vector<std::string>& trigger_events() {
  static const std::vector<std::string> kEvents = {"role", "vote", "log-append", "log-truncate", "commit", "apply",
                                                   "disk-write", "disk-synced", "send", "timer", "crash", "restart",
                                                   "snapshot-taken", "snapshot-installed", "snapshot-chunk"};
  return kEvents;
}

sim::FaultTrigger read_trigger(JsonReader& on, std::uint32_t nodes) {
  sim::FaultTrigger t;
  const std::string event = on.required_choice("event", trigger_events());
  for (int k = 0; k < sim::kEventKindCount; ++k) {
    if (sim::event_kind_name(static_cast<sim::EventKind>(k)) == event) t.event = static_cast<sim::EventKind>(k);
  }
  RAFTSIM_ASSERT(sim::event_kind_name(t.event) == event);
  if (on.has("node")) {
    t.node = static_cast<sim::NodeIndex>(on.integer("node", 0, 0, static_cast<std::int64_t>(nodes) - 1));
  }
  if (on.has("role")) {
    if (t.event != sim::EventKind::role) on.fail("role", "only a \"role\" event has a role to match");
    const std::string role = on.choice("role", "leader", {"follower", "candidate", "leader"});
    t.role = role == "follower" ? 0 : role == "candidate" ? 1 : 2;
  }
  t.nth = static_cast<std::uint32_t>(on.integer("nth", 1, 1, 1'000'000));
  t.probability = on.number("probability", 1.0, 1e-6, 1.0);
  t.delay = millis(on.number("delay_ms", 0.0, 0.0, kMillisMax));
  on.finish();
  return t;
}

bool names_triggering(const sim::Fault& f) {
  auto in = [](const std::vector<sim::NodeRef>& v) {
    return std::any_of(v.begin(), v.end(), [](const sim::NodeRef& r) { return r.kind == sim::NodeRef::Kind::triggering; });
  };
  bool groups = false;
  for (const auto& g : f.groups) groups = groups || in(g);
  return in(f.nodes) || in(f.from) || in(f.to) || groups;
}

sim::Fault make_fault(sim::Fault::Kind kind, std::vector<sim::NodeRef> nodes = {}, std::vector<sim::NodeRef> from = {},
                      std::vector<sim::NodeRef> to = {}) {
  sim::Fault f;
  f.kind = kind;
  f.nodes = std::move(nodes);
  f.from = std::move(from);
  f.to = std::move(to);
  return f;
}

}  // namespace

std::string describe_fault(const sim::Fault& f, std::uint32_t nodes) {
  auto refs = [nodes](const std::vector<sim::NodeRef>& v) {
    if (v.size() == nodes && std::all_of(v.begin(), v.end(), [](const sim::NodeRef& r) { return r.kind == sim::NodeRef::Kind::index; })) {
      return std::string("all");
    }
    std::string r;
    for (const auto& n : v) {
      r += (r.empty() ? "" : ",") + (n.kind == sim::NodeRef::Kind::leader       ? std::string("leader")
                                     : n.kind == sim::NodeRef::Kind::triggering ? std::string("triggering")
                                                                                : std::to_string(n.index));
    }
    return r;
  };
  auto pct = [](double p) { return fmt::format("{}%", p * 100.0); };
  auto ms = [](sim::Duration d) { return static_cast<double>(d.us) / 1000.0; };
  std::string s = sim::fault_kind_name(f.kind);
  if (f.kind == sim::Fault::Kind::partition) s += std::string(" ") + sim::partition_shape_name(f.shape);
  if (!f.nodes.empty()) s += " " + refs(f.nodes);
  for (const auto& g : f.groups) s += " [" + refs(g) + "]";
  if (!f.from.empty()) s += " " + refs(f.from) + " -> " + refs(f.to);
  if (f.kind == sim::Fault::Kind::transfer_leadership) s += " to " + (f.to.empty() ? std::string("any") : refs(f.to));
  if (f.kind == sim::Fault::Kind::degrade) {
    const sim::LinkDegradation& d = f.degradation;
    if (!d.active()) s += ": restored";
    if (d.drop_probability > 0) s += ": drop " + pct(d.drop_probability);
    if (d.duplicate_probability > 0) s += ": duplicate " + pct(d.duplicate_probability);
    if (d.late_probability > 0) s += fmt::format(": late {} +{}..{}ms", pct(d.late_probability), ms(d.late_min), ms(d.late_max));
  }
  if (f.kind == sim::Fault::Kind::clock) s += fmt::format(" at {}x", f.factor);
  if (f.kind == sim::Fault::Kind::disk_speed) s += fmt::format(" {}x slower", f.factor);
  if (f.kind == sim::Fault::Kind::disk_errors) s += f.factor != 0.0 ? " failing" : " ok again";
  if (f.trigger) {
    const sim::FaultTrigger& t = *f.trigger;
    s += fmt::format(" on {}{}{}", sim::event_kind_name(t.event), t.role ? std::string(" ") + std::string(sim::role_name(*t.role)) : "",
                     t.node ? fmt::format(" of node {}", *t.node) : "");
    if (t.nth > 1) s += fmt::format(" #{}", t.nth);
    if (t.probability < 1.0) s += fmt::format(" p={}", t.probability);
    if (t.delay.us > 0) s += fmt::format(" +{}ms", ms(t.delay));
  }
  if (f.undoes != 0) s += fmt::format(" (ends fault #{})", f.undoes);
  if (f.id != 0) s += fmt::format(" (#{})", f.id);
  return s;
}

const std::vector<std::string>& fault_actions() {
  static const std::vector<std::string> kActions = {
      "partition", "isolate",    "block",      "unblock",         "heal",          "crash",         "restart",
      "pause",     "resume",     "clog",       "unclog",          "degrade",       "restore",       "drop_burst",
      "duplicate_burst", "reorder_burst", "stale_delivery", "clock", "slow_disk", "transfer_leadership",
      "add_member", "remove_member", "fail_disk_writes"};
  return kActions;
}

std::vector<sim::Fault> read_fault(JsonReader& r, std::uint32_t nodes, double duration_ms, std::uint32_t& next_id) {
  using K = sim::Fault::Kind;
  sim::Fault f;
  if (!r.has("at_ms")) r.fail("at_ms", "required field is missing (a time in milliseconds)");
  const double at_ms = r.number("at_ms", 0.0, 0.0, kMillisMax);
  if (at_ms > duration_ms) {
    r.fail("at_ms", fmt::format("faults must happen within duration_ms ({}); found {}", duration_ms, at_ms));
  }
  f.at = sim::Time{} + millis(at_ms);
  const std::string action = r.required_choice("action", fault_actions());
  std::optional<sim::Fault> undo;  // what "duration_ms" schedules
  if (action == "partition") {
    f.kind = K::partition;
    const std::string shape = r.choice("shape", "groups", {"groups", "majority_minority", "bridge", "ring"});
    if (shape == "groups") {
      read_groups(r, nodes, f);
    } else {
      f.shape = shape == "majority_minority" ? sim::Fault::Shape::majority_minority
                : shape == "bridge"          ? sim::Fault::Shape::bridge
                                             : sim::Fault::Shape::ring;
      if ((f.shape == sim::Fault::Shape::bridge && nodes < 3) || (f.shape == sim::Fault::Shape::ring && nodes < 4)) {
        r.fail("shape", fmt::format("a {} needs at least {} nodes", shape, f.shape == sim::Fault::Shape::ring ? 4 : 3));
      }
    }
    undo = make_fault(K::heal);
  } else if (action == "isolate" || action == "crash" || action == "pause") {
    f.kind = action == "isolate" ? K::isolate : action == "crash" ? K::crash : K::pause;
    f.nodes = read_node_list(r, "nodes", nodes);
    undo = action == "isolate" ? make_fault(K::heal) : make_fault(action == "crash" ? K::restart : K::resume, f.nodes);
  } else if (action == "restart" || action == "resume") {
    f.kind = action == "restart" ? K::restart : K::resume;
    f.nodes = read_node_list(r, "nodes", nodes);
  } else if (action == "block" || action == "unblock") {
    f.kind = action == "block" ? K::block : K::unblock;
    f.from = read_node_list(r, "from", nodes);
    f.to = read_node_list(r, "to", nodes);
    if (action == "block") undo = make_fault(K::unblock, {}, f.from, f.to);
  } else if (action == "heal") {
    f.kind = K::heal;
  } else if (action == "clog" || action == "unclog") {
    f.kind = action == "clog" ? K::clog : K::unclog;
    f.from = read_node_list(r, "from", nodes, true);
    f.to = read_node_list(r, "to", nodes, true);
    if (action == "clog") undo = make_fault(K::unclog, {}, f.from, f.to);
  } else if (action == "restore") {
    f.kind = K::degrade;  // to no degradation
    f.from = read_node_list(r, "from", nodes, true);
    f.to = read_node_list(r, "to", nodes, true);
  } else if (action == "clock") {
    f.kind = K::clock;
    f.nodes = read_node_list(r, "nodes", nodes);
    if (!r.has("rate")) r.fail("rate", "required: how fast the clock runs relative to real time (1 is normal)");
    f.factor = r.number("rate", 1.0, 0.1, 10.0);
    undo = make_fault(K::clock, f.nodes);
  } else if (action == "transfer_leadership") {
    // Thesis 3.10: ask whoever leads then to hand over to "to" (a node index), or to a node of its choice.
    f.kind = K::transfer_leadership;
    if (r.has("to") && !r.is_string("to")) {
      const auto to = r.integer("to", 0, 0, static_cast<std::int64_t>(nodes) - 1);
      f.to = {sim::NodeRef{sim::NodeRef::Kind::index, static_cast<sim::NodeIndex>(to)}};
    } else {
      r.choice("to", "any", {"any"});
    }
  } else if (action == "add_member" || action == "remove_member") {
    // Thesis 4.1: ask whoever leads then to add (as a learner, promoted once caught up) or remove one node.
    f.kind = action == "add_member" ? K::add_member : K::remove_member;
    f.nodes = read_node_list(r, "nodes", nodes);
    if (f.nodes.size() != 1) r.fail("nodes", fmt::format("\"{}\" changes one node at a time (thesis 4.1): give exactly one, found {}", action, f.nodes.size()));
  } else if (action == "slow_disk") {
    f.kind = K::disk_speed;
    f.nodes = read_node_list(r, "nodes", nodes);
    f.factor = r.number("factor", 10.0, 1.0, 10'000.0);
    undo = make_fault(K::disk_speed, f.nodes);
  } else if (action == "fail_disk_writes") {
    // Every write the nodes issue while it is in force completes with an I/O error, never durable.
    f.kind = K::disk_errors;
    f.nodes = read_node_list(r, "nodes", nodes);
    f.factor = r.boolean("failing", true) ? 1.0 : 0.0;  // false: the disks succeed again (an explicit undo)
    if (f.factor == 1.0) {
      undo = make_fault(K::disk_errors, f.nodes);
      undo->factor = 0.0;
    }
  } else {  // degrade and its presets
    f.kind = K::degrade;
    f.from = read_node_list(r, "from", nodes, true);
    f.to = read_node_list(r, "to", nodes, true);
    f.degradation = read_degradation(r, action);
    undo = make_fault(K::degrade, {}, f.from, f.to);
  }
  if (auto on = r.object("on")) {
    // Fired by a node's event from at_ms on, not at at_ms (docs/scenarios.md, "Faults fired by events").
    f.trigger = read_trigger(*on, nodes);
  } else if (names_triggering(f)) {
    r.fail("action", "\"triggering\" names the node whose event fired the fault: the fault needs an \"on\"");
  }
  std::vector<sim::Fault> out{f};
  if (r.has("duration_ms")) {
    if (!undo) r.fail("duration_ms", fmt::format("\"{}\" is not undone after a duration", action));
    const double d = r.number("duration_ms", 0.0, 0.001, kMillisMax);
    undo->at = f.at + millis(d);
    RAFTSIM_ASSERT(undo->at > f.at);
    out[0].id = next_id++;
    undo->undoes = out[0].id;
    out.push_back(*undo);
  }
  r.finish();
  RAFTSIM_ASSERT(!out.empty());
  return out;
}

}  // namespace tools
