#include "reports/html_report.h"

#include <algorithm>
#include <bit>
#include <cstdio>
#include <deque>
#include <fstream>
#include <functional>
#include <map>
#include <stdexcept>
#include <tuple>
#include <utility>

#include <fmt/format.h>

#include "base/assert.h"
#include "reports/event_format.h"
#include "reports/html_report_assets.h"

namespace reports {

namespace {

using sim::EventKind;
using nlohmann::json;

constexpr int kRoleDown = -1;  // a role segment while the node is crashed

// Per-node lanes: role segments, down and paused intervals, clock rate, commit and apply steps.
struct Lane {
  json seg = json::array();      // [t, role, term, ...]
  json down = json::array();     // [t0, t1, ...] (t1 -1: until the end)
  json paused = json::array();   // [t0, t1, ...]
  json clock = json::array();    // [t, ppm, ...]
  json disk = json::array();     // [t, ppm, ...]
  json commit = json::array();   // [t, index, ...]
  json apply = json::array();    // [t, index, ...]
  json crashes = json::array();  // [t, lost writes, ...]
  json restarts = json::array(); // [t, incarnation, ...]
  std::int64_t down_since = -1;
  std::int64_t paused_since = -1;
  std::uint64_t term = 0;
  std::uint64_t role = 0;
};

// Message arrows in columns: send time, delivery (or loss) time, from, to, kind, term, x, y, status.
struct Arrows {
  std::vector<std::int64_t> t, d;
  std::vector<std::int32_t> f, to;
  std::vector<std::uint16_t> k;
  std::vector<std::uint64_t> term, x, y;
  std::vector<int> s;

  std::size_t add(std::int64_t time, const sim::TraceEvent& e, std::uint16_t kind, std::uint64_t xv, std::uint64_t yv,
                  int status) {
    t.push_back(time);
    d.push_back(-1);
    f.push_back(e.node);
    to.push_back(e.peer);
    k.push_back(kind);
    term.push_back(e.a);
    x.push_back(xv);
    y.push_back(yv);
    s.push_back(status);
    return t.size() - 1;
  }
};

// Fault bands: [t0, t1, type, a, b, p, q, r]; see the script's BAND_* names.
enum BandType : int { band_partition = 0, band_block = 1, band_clog = 2, band_degrade = 3, band_liveness = 4 };

struct Band {
  std::int64_t t0 = 0;
  std::int64_t t1 = -1;
  int type = 0;
  std::uint64_t a = 0, b = 0, p = 0, q = 0, r = 0;
};

class Extractor {
 public:
  explicit Extractor(const ReportInput& in) : in_(in) {}

  json run() {
    RAFTSIM_ASSERT(!in_.events.empty() && in_.labels != nullptr);
    for (std::size_t i = 0; i < in_.events.size(); ++i) observe(i, in_.events[i]);
    const std::int64_t end = std::max(in_.events.back().time_us, in_.violation ? in_.violation->time_us : 0);
    RAFTSIM_ASSERT(end >= in_.events.front().time_us);
    return assemble(end);
  }

 private:
  Lane& lane(std::int32_t node) {
    RAFTSIM_ASSERT(node >= 0);
    if (static_cast<std::size_t>(node) >= lanes_.size()) lanes_.resize(static_cast<std::size_t>(node) + 1);
    return lanes_[static_cast<std::size_t>(node)];
  }

  std::uint16_t kind_index(std::uint16_t label) {
    auto [it, inserted] = kinds_.emplace(label, 0);
    (void)inserted;
    return label;
  }

  void close_bands(const std::function<bool(const Band&)>& which, std::int64_t t) {
    for (Band& b : bands_) {
      if (b.t1 < 0 && which(b)) b.t1 = t;
    }
  }

  using Key = std::tuple<std::int32_t, std::int32_t, std::uint16_t, std::uint64_t>;

  void observe(std::size_t i, const sim::TraceEvent& e) {
    ++counts_[std::string(sim::event_kind_name(e.kind))];
    if (e.node >= 0) lane(e.node);
    const bool after_send = i > 0 && in_.events[i - 1].kind == EventKind::send && last_send_ != kNone &&
                            in_.events[i - 1].node == e.node && in_.events[i - 1].peer == e.peer &&
                            in_.events[i - 1].label == e.label && in_.events[i - 1].time_us == e.time_us;
    switch (e.kind) {
      case EventKind::send: {
        lane(e.peer);
        kind_index(e.label);
        last_send_ = arrows_.add(e.time_us, e, e.label, e.b, e.c, in_flight);
        pending_[Key{e.node, e.peer, e.label, e.a}].push_back(last_send_);
        return;  // keeps last_send_ for the network's decision, the next event
      }
      case EventKind::duplicate:
        if (after_send) {
          const std::size_t copy = arrows_.add(e.time_us, e, e.label, arrows_.x[last_send_], arrows_.y[last_send_],
                                               in_flight | kMessageDuplicateFlag);
          pending_[Key{e.node, e.peer, e.label, e.a}].push_back(copy);
        }
        break;
      case EventKind::drop_random:
      case EventKind::drop_blocked:
      case EventKind::drop_node_down: {
        const int fate = e.kind == EventKind::drop_random ? dropped : e.kind == EventKind::drop_blocked ? blocked : node_down;
        std::size_t arrow = kNone;
        auto& queue = pending_[Key{e.node, e.peer, e.label, e.a}];
        if (after_send && !queue.empty() && queue.back() == last_send_) {
          arrow = queue.back();  // lost at send time: the network's decision right after the send
          queue.pop_back();
        } else if (!queue.empty()) {
          arrow = queue.front();  // lost in flight: the oldest copy with the same kind and term
          queue.pop_front();
        } else {
          arrow = arrows_.add(e.time_us, e, e.label, 0, 0, in_flight);  // its send is not in the trace
        }
        arrows_.d[arrow] = e.time_us;
        arrows_.s[arrow] = (arrows_.s[arrow] & ~7) | fate;
        break;
      }
      case EventKind::deliver: {
        Lane& receiver = lane(e.peer);
        auto& queue = pending_[Key{e.node, e.peer, e.label, e.a}];
        auto it = std::find_if(queue.begin(), queue.end(),
                               [&](std::size_t a) { return arrows_.x[a] == e.b && arrows_.y[a] == e.c; });
        std::size_t arrow = kNone;
        if (it != queue.end()) {
          arrow = *it;
          queue.erase(it);
        } else {
          kind_index(e.label);
          arrow = arrows_.add(e.time_us, e, e.label, e.b, e.c, in_flight);
        }
        arrows_.d[arrow] = e.time_us;
        int status = (arrows_.s[arrow] & ~7) | delivered;
        if (e.a < receiver.term) status |= kMessageStaleFlag;
        arrows_.s[arrow] = status;
        break;
      }
      case EventKind::role: {
        Lane& l = lane(e.node);
        l.role = e.a;
        l.term = e.b;
        max_role_ = std::max(max_role_, e.a);
        l.seg.insert(l.seg.end(), {e.time_us, e.a, e.b});
        break;
      }
      case EventKind::crash: {
        Lane& l = lane(e.node);
        if (l.paused_since >= 0) l.paused.insert(l.paused.end(), {std::exchange(l.paused_since, -1), e.time_us});
        l.down_since = e.time_us;
        l.crashes.insert(l.crashes.end(), {e.time_us, e.a});
        l.seg.insert(l.seg.end(), {e.time_us, kRoleDown, l.term});
        break;
      }
      case EventKind::restart: {
        Lane& l = lane(e.node);
        if (l.down_since >= 0) l.down.insert(l.down.end(), {std::exchange(l.down_since, -1), e.time_us});
        l.restarts.insert(l.restarts.end(), {e.time_us, e.a});
        // A restarted process starts as a follower (Raft paper 5.2); its term until it reports one is unknown.
        l.seg.insert(l.seg.end(), {e.time_us, 0, l.term});
        break;
      }
      case EventKind::pause: lane(e.node).paused_since = e.time_us; break;
      case EventKind::resume: {
        Lane& l = lane(e.node);
        if (l.paused_since >= 0) l.paused.insert(l.paused.end(), {std::exchange(l.paused_since, -1), e.time_us});
        break;
      }
      case EventKind::clock_rate: lane(e.node).clock.insert(lane(e.node).clock.end(), {e.time_us, e.a}); break;
      case EventKind::disk_speed: lane(e.node).disk.insert(lane(e.node).disk.end(), {e.time_us, e.a}); break;
      case EventKind::commit: lane(e.node).commit.insert(lane(e.node).commit.end(), {e.time_us, e.a}); break;
      case EventKind::apply: lane(e.node).apply.insert(lane(e.node).apply.end(), {e.time_us, e.a}); break;
      case EventKind::partition:
        // A partition of groups replaces the blocks before it (sim: Network::partition, clear_blocks); an
        // isolated node adds its cuts to them. The trace does not say which fault it was (its JSON has no
        // shape), so a single-node group counts as an isolation, which adds.
        if (std::popcount(e.a) != 1) {
          close_bands([](const Band& b) { return b.type == band_partition || b.type == band_block; }, e.time_us);
        }
        bands_.push_back(Band{e.time_us, -1, band_partition, e.a});
        break;
      case EventKind::block_link: bands_.push_back(Band{e.time_us, -1, band_block, to_u(e.node), to_u(e.peer)}); break;
      case EventKind::unblock_link:
        close_bands([&](const Band& b) { return b.type == band_block && b.a == to_u(e.node) && b.b == to_u(e.peer); },
                    e.time_us);
        break;
      case EventKind::clog_link: bands_.push_back(Band{e.time_us, -1, band_clog, to_u(e.node), to_u(e.peer)}); break;
      case EventKind::unclog_link:
        for (Band& b : bands_) {
          if (b.t1 < 0 && b.type == band_clog && b.a == to_u(e.node) && b.b == to_u(e.peer)) {
            b.t1 = e.time_us;
            b.p = e.b;  // messages released
          }
        }
        break;
      case EventKind::degrade_link:
        close_bands([&](const Band& b) { return b.type == band_degrade && b.a == to_u(e.node) && b.b == to_u(e.peer); },
                    e.time_us);
        if (e.a + e.b + e.c > 0) {
          bands_.push_back(Band{e.time_us, -1, band_degrade, to_u(e.node), to_u(e.peer), e.a, e.b, e.c});
        }
        break;
      case EventKind::heal:
        close_bands([](const Band& b) { return b.type != band_liveness; }, e.time_us);
        break;
      case EventKind::phase:
        if (e.a == 1) bands_.push_back(Band{e.time_us, -1, band_liveness, e.a, e.b});
        break;
      case EventKind::client_invoke: {
        op_index_[e.a] = ops_t0_.size();
        ops_p_.push_back(e.peer);
        ops_id_.push_back(e.a);
        ops_f_.push_back(e.label);
        ops_t0_.push_back(e.time_us);
        ops_t1_.push_back(-1);
        ops_o_.push_back(op_open);
        ops_n_.push_back(e.node);
        ops_i_.push_back(0);
        ops_term_.push_back(0);
        max_op_ = std::max<std::uint64_t>(max_op_, e.label);
        break;
      }
      case EventKind::client_ok:
      case EventKind::client_fail:
      case EventKind::client_info: {
        auto it = op_index_.find(e.a);
        if (it == op_index_.end()) break;  // its invoke is not in the trace
        const std::size_t k = it->second;
        ops_t1_[k] = e.time_us;
        ops_o_[k] = e.kind == EventKind::client_ok ? op_ok : e.kind == EventKind::client_fail ? op_fail : op_info;
        if (e.kind == EventKind::client_ok) {
          ops_i_[k] = e.b;
          ops_term_[k] = e.c;
        }
        break;
      }
      case EventKind::timing:
        timing_ = json::array({e.a, e.b, e.c});
        break;
      case EventKind::snapshot_installed:
      case EventKind::snapshot_restored:
        // Paper 7: the node's applied and committed index jump to the snapshot's; a mark says why.
        lane(e.node).commit.insert(lane(e.node).commit.end(), {e.time_us, e.a});
        lane(e.node).apply.insert(lane(e.node).apply.end(), {e.time_us, e.a});
        mark(e);
        break;
      // Frequent and drawn only as counts: timers, disk, log appends, the client's request plumbing.
      case EventKind::timer_fired:
      case EventKind::disk_write:
      case EventKind::disk_synced:
      case EventKind::disk_notify:
      case EventKind::log_append:
      case EventKind::client_send:
      case EventKind::client_reply:
      case EventKind::snapshot_chunk:  // one per InstallSnapshot chunk: hundreds with small chunks
      case EventKind::read_served:     // one per ReadIndex read: the client lanes show the reads
      case EventKind::lease_read:      // likewise, one per read under a lease
      case EventKind::client_request: break;
      default:
        // vote, log truncation, impl-error, stale-discarded, and any kind added after this file was
        // written: a generic mark on the node's lane (or the cluster row), named by the trace's own table.
        mark(e);
        break;
    }
    last_send_ = kNone;
  }

  void mark(const sim::TraceEvent& e) {
    const std::string name(sim::event_kind_name(e.kind));
    auto [it, inserted] = mark_kinds_.emplace(name, mark_kinds_.size());
    (void)inserted;
    marks_.push_back(json::array({e.time_us, e.node, it->second, format_event_text(e, *in_.labels)}));
  }

  static std::uint64_t to_u(std::int32_t v) { return static_cast<std::uint64_t>(std::max(v, 0)); }

  json assemble(std::int64_t end) {
    json out = json::object();
    out["v"] = kReportDataVersion;
    out["title"] = in_.title;
    json facts = json::array();
    for (const auto& [k, v] : in_.facts) facts.push_back(json::array({k, v}));
    out["facts"] = facts;
    out["t0"] = in_.events.front().time_us;
    out["t1"] = end;
    out["events"] = in_.events.size();
    out["nodes"] = lanes_.size();

    json roles = json::array();
    for (std::uint64_t r = 0; r <= std::max<std::uint64_t>(max_role_, 2); ++r) {
      const std::string_view n = sim::role_name(r);
      roles.push_back(n == "?" ? fmt::format("role {}", r) : std::string(n));
    }
    out["roles"] = roles;

    json lanes = json::array();
    for (Lane& l : lanes_) {
      if (l.down_since >= 0) l.down.insert(l.down.end(), {l.down_since, -1});
      if (l.paused_since >= 0) l.paused.insert(l.paused.end(), {l.paused_since, -1});
      lanes.push_back(json{{"seg", l.seg}, {"down", l.down}, {"paused", l.paused}, {"clock", l.clock},
                           {"disk", l.disk}, {"commit", l.commit}, {"apply", l.apply}, {"crashes", l.crashes},
                           {"restarts", l.restarts}});
    }
    out["lanes"] = lanes;

    json bands = json::array();
    for (const Band& b : bands_) bands.push_back(json::array({b.t0, b.t1, b.type, b.a, b.b, b.p, b.q, b.r}));
    out["bands"] = bands;

    // Message kinds: the trace's own names, in label order; arrows refer to them by position.
    json kinds = json::array();
    std::map<std::uint16_t, std::size_t> dense;
    for (const auto& [label, unused] : kinds_) {
      (void)unused;
      dense[label] = kinds.size();
      kinds.push_back(std::string(in_.labels->message_kind(label)));
    }
    out["msg_kinds"] = kinds;
    json k = json::array();
    for (std::uint16_t label : arrows_.k) k.push_back(dense.count(label) ? dense[label] : 0);
    out["msgs"] = json{{"t", arrows_.t}, {"d", arrows_.d}, {"f", arrows_.f}, {"to", arrows_.to}, {"k", k},
                       {"term", arrows_.term}, {"x", arrows_.x}, {"y", arrows_.y}, {"s", arrows_.s}};

    json op_names = json::array();
    for (std::uint64_t o = 0; o <= std::max<std::uint64_t>(max_op_, 3); ++o) {
      const std::string_view n = sim::client_op_name(static_cast<std::uint16_t>(o));
      op_names.push_back(n == "?" ? fmt::format("op {}", o) : std::string(n));
    }
    out["op_names"] = op_names;
    json ops{{"p", ops_p_}, {"id", ops_id_}, {"f", ops_f_}, {"t0", ops_t0_}, {"t1", ops_t1_}, {"o", ops_o_},
             {"n", ops_n_}, {"i", ops_i_}, {"term", ops_term_}};
    if (!in_.op_values.empty()) {
      json key = json::array(), input = json::array(), output = json::array();
      std::map<std::uint64_t, const ReportOpValues*> values;
      for (const ReportOpValues& v : in_.op_values) values[v.op_id] = &v;
      for (std::uint64_t id : ops_id_) {
        auto it = values.find(id);
        key.push_back(it == values.end() ? "" : it->second->key);
        input.push_back(it == values.end() ? "" : it->second->input);
        output.push_back(it == values.end() ? "" : it->second->output);
      }
      ops["key"] = key;
      ops["in"] = input;
      ops["out"] = output;
    }
    out["ops"] = ops;

    json mark_kinds = json::array();
    std::vector<std::string> by_index(mark_kinds_.size());
    for (const auto& [name, index] : mark_kinds_) by_index[index] = name;
    for (const auto& name : by_index) mark_kinds.push_back(name);
    out["mark_kinds"] = mark_kinds;
    out["marks"] = marks_;
    out["counts"] = counts_;
    if (!timing_.is_null()) out["timing"] = timing_;

    if (in_.violation) out["violation"] = violation_json(*in_.violation);
    if (in_.lin) {
      out["lin"] = json{{"key", in_.lin->key}, {"prefix", in_.lin->prefix_op_ids}, {"stuck", in_.lin->stuck_op_ids},
                        {"text", in_.lin->text}};
    }
    if (in_.metrics.is_object()) out["metrics"] = in_.metrics;
    return out;
  }

  // The checker's event: the last one at or before the violation's time on one of its nodes (an online
  // checker stops the run at the event that broke the property, so it is the last of the stream).
  json violation_json(const ReportViolation& v) const {
    json j{{"checker", v.checker}, {"safety", v.safety}, {"t", v.time_us}, {"nodes", v.nodes}, {"message", v.message}};
    if (v.event_index && *v.event_index < in_.events.size()) {
      const sim::TraceEvent& e = in_.events[*v.event_index];
      j["event"] = json{{"index", *v.event_index}, {"t", e.time_us}, {"node", e.node},
                        {"text", format_event_text(e, *in_.labels)}};
      return j;
    }
    // A violation of no node (linearizability, found after the run) has no event of its own.
    if (v.nodes.empty()) return j;
    for (std::size_t i = in_.events.size(); i-- > 0;) {
      const sim::TraceEvent& e = in_.events[i];
      if (e.time_us > v.time_us) continue;
      const bool on_node = std::find(v.nodes.begin(), v.nodes.end(), e.node) != v.nodes.end() ||
                           std::find(v.nodes.begin(), v.nodes.end(), e.peer) != v.nodes.end();
      if (!on_node) continue;
      j["event"] = json{{"index", i}, {"t", e.time_us}, {"node", e.node}, {"text", format_event_text(e, *in_.labels)}};
      break;
    }
    return j;
  }

  static constexpr std::size_t kNone = static_cast<std::size_t>(-1);
  const ReportInput& in_;
  std::vector<Lane> lanes_;
  Arrows arrows_;
  std::map<Key, std::deque<std::size_t>> pending_;
  std::size_t last_send_ = kNone;
  std::map<std::uint16_t, int> kinds_;
  std::vector<Band> bands_;
  std::map<std::uint64_t, std::size_t> op_index_;
  std::vector<std::int32_t> ops_p_, ops_n_;
  std::vector<std::uint64_t> ops_id_, ops_i_, ops_term_;
  std::vector<std::uint16_t> ops_f_;
  std::vector<std::int64_t> ops_t0_, ops_t1_;
  std::vector<int> ops_o_;
  std::map<std::string, std::size_t> mark_kinds_;
  json marks_ = json::array();
  std::map<std::string, std::uint64_t> counts_;
  json timing_;
  std::uint64_t max_role_ = 0;
  std::uint64_t max_op_ = 0;
};

std::string html_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

// JSON inside <script>: "</script" would end the element early and "<!--" change how it is parsed. A '<'
// only occurs inside JSON strings, where "\u003c" is the same character.
std::string script_safe(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c == '<') {
      out += "\\u003c";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

json report_data(const ReportInput& input) {
  if (input.events.empty()) throw std::invalid_argument("a report needs at least one event");
  if (input.labels == nullptr) throw std::invalid_argument("a report needs the trace's label names");
  return Extractor(input).run();
}

std::string render_html_report(const ReportInput& input) {
  const std::string data = script_safe(report_data(input).dump(-1, ' ', false, json::error_handler_t::replace));
  std::string page;
  page.reserve(data.size() + 64 * 1024);
  page += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>";
  page += html_escape(input.title);
  page += "</title>\n<style>\n";
  page += kReportCss;
  page += "</style>\n</head>\n<body>\n";
  page += kReportBody;
  page += "<script type=\"application/json\" id=\"report-data\">";
  page += data;
  page += "</script>\n<script>\n";
  page += kReportScript;
  page += "</script>\n</body>\n</html>\n";
  RAFTSIM_ASSERT(page.size() > data.size());
  return page;
}

void write_html_report(const std::string& path, const ReportInput& input) {
  const std::string page = render_html_report(input);
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw std::runtime_error(fmt::format("cannot open report file '{}' for writing", path));
    out.write(page.data(), static_cast<std::streamsize>(page.size()));
    out.flush();
    if (!out) throw std::runtime_error(fmt::format("cannot write report file '{}' completely", path));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw std::runtime_error(fmt::format("cannot write report file '{}' (rename failed)", path));
  }
}

}  // namespace reports
