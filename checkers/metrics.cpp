#include "checkers/metrics.h"

#include <algorithm>
#include <bit>
#include <stdexcept>

#include "base/assert.h"
#include "sim/time.h"

namespace checkers {

namespace {
constexpr std::int64_t kExactBelowUs = 1024;
constexpr int kSubBucketBits = 9;  // 512 buckets per power of two above kExactBelowUs

double per_second(std::uint64_t count, std::int64_t duration_us) {
  return duration_us <= 0 ? 0.0 : static_cast<double>(count) * 1e6 / static_cast<double>(duration_us);
}
double ratio(std::uint64_t num, std::uint64_t den) {
  return den == 0 ? 0.0 : static_cast<double>(num) / static_cast<double>(den);
}
using sim::us_to_ms;
// Times travel in milliseconds with microsecond resolution (doubles hold them exactly at these sizes).
std::int64_t us_from_ms(const nlohmann::json& ms_value) {
  const double x = ms_value.get<double>() * 1000.0;
  return static_cast<std::int64_t>(x < 0 ? x - 0.5 : x + 0.5);
}
// The percentiles, maximum and mean of a histogram, in milliseconds (runs, windows and summaries alike).
nlohmann::ordered_json latency_summary_json(const LatencyHistogram& h) {
  return {{"p50", us_to_ms(h.percentile_us(50))},
          {"p90", us_to_ms(h.percentile_us(90))},
          {"p99", us_to_ms(h.percentile_us(99))},
          {"max", us_to_ms(h.max_us())},
          {"mean", h.mean_us() / 1000.0}};
}

bool is_disruption(const sim::TraceEvent& e) {
  switch (e.kind) {
    case sim::EventKind::crash:
    case sim::EventKind::restart:
    case sim::EventKind::pause:
    case sim::EventKind::resume:
    case sim::EventKind::partition:
    case sim::EventKind::block_link:
    case sim::EventKind::unblock_link:
    case sim::EventKind::heal:
    case sim::EventKind::clog_link:
    case sim::EventKind::unclog_link:
    case sim::EventKind::degrade_link:
    case sim::EventKind::clock_rate:
    case sim::EventKind::disk_speed:
      return true;
    case sim::EventKind::phase:
      return e.a == 1;  // the liveness phase: everything healed
    default:
      return false;
  }
}
}  // namespace

// ---- LatencyHistogram ----

std::int64_t LatencyHistogram::bucket_floor(std::int64_t value_us) {
  if (value_us < kExactBelowUs) return std::max<std::int64_t>(value_us, 0);
  const auto v = static_cast<std::uint64_t>(value_us);
  const int magnitude = 63 - std::countl_zero(v);  // v in [2^magnitude, 2^(magnitude+1))
  const int shift = magnitude - kSubBucketBits;
  RAFTSIM_ASSERT(shift >= 0);
  return static_cast<std::int64_t>((v >> shift) << shift);
}

std::size_t LatencyHistogram::bucket_index(std::int64_t value_us) {
  if (value_us < kExactBelowUs) return static_cast<std::size_t>(std::max<std::int64_t>(value_us, 0));
  const auto v = static_cast<std::uint64_t>(value_us);
  const int magnitude = 63 - std::countl_zero(v);
  const int shift = magnitude - kSubBucketBits;
  RAFTSIM_ASSERT(shift >= 1);                      // magnitude >= 10
  const std::uint64_t top = v >> shift;            // in [512, 1024)
  RAFTSIM_ASSERT(top >= 512 && top < 1024);
  return static_cast<std::size_t>(shift) * 512 + static_cast<std::size_t>(top);  // >= 1024
}

std::int64_t LatencyHistogram::index_floor(std::size_t index) {
  if (index < static_cast<std::size_t>(kExactBelowUs)) return static_cast<std::int64_t>(index);
  const std::size_t shift = index / 512 - 1;  // index = shift * 512 + top, top in [512, 1024)
  const std::uint64_t top = index % 512 + 512;
  RAFTSIM_ASSERT(shift >= 1 && shift < 64 - kSubBucketBits);
  return static_cast<std::int64_t>(top << shift);
}

void LatencyHistogram::add(std::int64_t value_us) {
  RAFTSIM_ASSERT(value_us >= 0);
  const std::size_t i = bucket_index(value_us);
  if (i >= counts_.size()) counts_.resize(i + 1, 0);
  ++counts_[i];
  ++count_;
  sum_us_ += value_us;
  max_us_ = std::max(max_us_, value_us);
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  if (other.counts_.size() > counts_.size()) counts_.resize(other.counts_.size(), 0);
  for (std::size_t i = 0; i < other.counts_.size(); ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  sum_us_ += other.sum_us_;
  max_us_ = std::max(max_us_, other.max_us_);
  RAFTSIM_ASSERT(count_ >= other.count_);
}

double LatencyHistogram::mean_us() const {
  return count_ == 0 ? 0.0 : static_cast<double>(sum_us_) / static_cast<double>(count_);
}

std::int64_t LatencyHistogram::percentile_us(int percent) const {
  RAFTSIM_ASSERT(percent >= 1 && percent <= 100);
  if (count_ == 0) return 0;
  if (percent == 100) return max_us_;
  // Nearest rank: the rank-th smallest sample, rank = ceil(percent * count / 100), in integers.
  const std::uint64_t rank = (static_cast<std::uint64_t>(percent) * count_ + 99) / 100;
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank) return std::min(index_floor(i), max_us_);
  }
  RAFTSIM_ASSERT_MSG(false, "histogram counts do not add up");
  return max_us_;
}

nlohmann::ordered_json LatencyHistogram::to_json() const {
  nlohmann::ordered_json j;
  j["count"] = count_;
  j["sum_us"] = sum_us_;
  j["max_us"] = max_us_;
  nlohmann::ordered_json b = nlohmann::ordered_json::array();
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    if (counts_[i] != 0) b.push_back({index_floor(i), counts_[i]});
  }
  j["buckets"] = std::move(b);
  return j;
}

LatencyHistogram LatencyHistogram::from_json(const nlohmann::json& j) {
  LatencyHistogram h;
  h.count_ = j.at("count").get<std::uint64_t>();
  h.sum_us_ = j.at("sum_us").get<std::int64_t>();
  h.max_us_ = j.at("max_us").get<std::int64_t>();
  std::uint64_t total = 0;
  for (const auto& b : j.at("buckets")) {
    const auto n = b.at(1).get<std::uint64_t>();
    const auto floor = b.at(0).get<std::int64_t>();
    if (floor < 0 || bucket_floor(floor) != floor) throw std::invalid_argument("latency histogram: not a bucket floor");
    const std::size_t i = bucket_index(floor);
    if (i >= h.counts_.size()) h.counts_.resize(i + 1, 0);
    h.counts_[i] += n;
    total += n;
  }
  if (total != h.count_) throw std::invalid_argument("latency histogram: bucket counts do not add up to count");
  return h;
}

// ---- WindowMetrics ----

double WindowMetrics::writes_per_s() const { return per_second(writes_ok, length_us()); }
double WindowMetrics::reads_per_s() const { return per_second(reads_ok, length_us()); }

nlohmann::ordered_json WindowMetrics::to_json() const {
  nlohmann::ordered_json j;
  j["from_ms"] = us_to_ms(span.from_us);
  j["to_ms"] = us_to_ms(span.to_us);
  j["writes_ok"] = writes_ok;
  j["reads_ok"] = reads_ok;
  j["writes_per_s"] = writes_per_s();
  j["reads_per_s"] = reads_per_s();
  j["commit_latency_ms"] = latency_summary_json(commit_latency);
  j["commit_latency_histogram"] = commit_latency.to_json();
  j["leaderless_ms"] = us_to_ms(leaderless_us);
  j["elections"] = elections;
  j["committed_entries"] = committed_entries;
  return j;
}

WindowMetrics WindowMetrics::from_json(const nlohmann::json& j) {
  WindowMetrics w;
  w.span.from_us = us_from_ms(j.at("from_ms"));
  w.span.to_us = us_from_ms(j.at("to_ms"));
  w.writes_ok = j.at("writes_ok").get<std::uint64_t>();
  w.reads_ok = j.at("reads_ok").get<std::uint64_t>();
  w.commit_latency = LatencyHistogram::from_json(j.at("commit_latency_histogram"));
  w.leaderless_us = us_from_ms(j.at("leaderless_ms"));
  w.elections = j.at("elections").get<std::uint64_t>();
  w.committed_entries = j.at("committed_entries").get<std::uint64_t>();
  if (w.span.to_us <= w.span.from_us) throw std::invalid_argument("metrics window: to_ms must be after from_ms");
  return w;
}

// ---- RunMetrics ----

double RunMetrics::writes_per_s() const { return per_second(writes_ok, duration_us); }
double RunMetrics::reads_per_s() const { return per_second(reads_ok, duration_us); }
double RunMetrics::messages_per_committed_entry() const { return ratio(messages_sent, committed_entries); }
double RunMetrics::lag_mean() const { return ratio(lag_sum, lag_samples); }

std::int64_t RunMetrics::recovery_max_us() const {
  std::int64_t worst = 0;
  for (const Disruption& d : disruptions) {
    if (d.recovery_us < 0) return -1;
    worst = std::max(worst, d.recovery_us);
  }
  return worst;
}

nlohmann::ordered_json RunMetrics::to_json() const {
  nlohmann::ordered_json j;
  j["duration_ms"] = us_to_ms(duration_us);
  j["nodes"] = nodes;
  j["writes_ok"] = writes_ok;
  j["reads_ok"] = reads_ok;
  j["writes_per_s"] = writes_per_s();
  j["reads_per_s"] = reads_per_s();
  j["commit_latency_ms"] = latency_summary_json(commit_latency);
  j["commit_latency_histogram"] = commit_latency.to_json();
  j["first_leader_ms"] = first_leader_us < 0 ? -1.0 : us_to_ms(first_leader_us);
  j["leaderless_ms"] = us_to_ms(leaderless_us);
  j["leaderless_periods"] = leaderless_periods;
  j["longest_leaderless_ms"] = us_to_ms(longest_leaderless_us);
  nlohmann::ordered_json d = nlohmann::ordered_json::array();
  for (const Disruption& x : disruptions) {
    d.push_back({{"at_ms", us_to_ms(x.at_us)}, {"kind", x.kind}, {"node", x.node},
                 {"recovery_ms", x.recovery_us < 0 ? -1.0 : us_to_ms(x.recovery_us)}});
  }
  j["disruptions"] = std::move(d);
  j["elections"] = elections;
  j["leaders_elected"] = leaders_elected;
  j["split_votes"] = split_votes;
  j["contested_terms"] = contested_terms;
  j["max_term"] = max_term;
  j["messages_sent"] = messages_sent;
  j["committed_entries"] = committed_entries;
  j["messages_per_committed_entry"] = messages_per_committed_entry();
  j["replication_lag"] = {{"max", lag_max}, {"mean", lag_mean()}, {"samples", lag_samples}, {"sum", lag_sum}};
  j["election_timeout_max_ms"] = us_to_ms(election_timeout_max_us);
  if (window) j["window"] = window->to_json();  // absent without a window: older outputs stay as they were
  return j;
}

RunMetrics RunMetrics::from_json(const nlohmann::json& j) {
  RunMetrics m;
  m.duration_us = us_from_ms(j.at("duration_ms"));
  m.nodes = j.at("nodes").get<std::uint32_t>();
  m.writes_ok = j.at("writes_ok").get<std::uint64_t>();
  m.reads_ok = j.at("reads_ok").get<std::uint64_t>();
  m.commit_latency = LatencyHistogram::from_json(j.at("commit_latency_histogram"));
  m.first_leader_us = us_from_ms(j.at("first_leader_ms"));
  if (m.first_leader_us < 0) m.first_leader_us = -1;
  m.leaderless_us = us_from_ms(j.at("leaderless_ms"));
  m.leaderless_periods = j.at("leaderless_periods").get<std::uint64_t>();
  m.longest_leaderless_us = us_from_ms(j.at("longest_leaderless_ms"));
  for (const auto& x : j.at("disruptions")) {
    Disruption d;
    d.at_us = us_from_ms(x.at("at_ms"));
    d.kind = x.at("kind").get<std::string>();
    d.node = x.at("node").get<std::int32_t>();
    d.recovery_us = us_from_ms(x.at("recovery_ms"));
    if (d.recovery_us < 0) d.recovery_us = -1;
    m.disruptions.push_back(std::move(d));
  }
  m.elections = j.at("elections").get<std::uint64_t>();
  m.leaders_elected = j.at("leaders_elected").get<std::uint64_t>();
  m.split_votes = j.at("split_votes").get<std::uint64_t>();
  m.contested_terms = j.at("contested_terms").get<std::uint64_t>();
  m.max_term = j.at("max_term").get<std::uint64_t>();
  m.messages_sent = j.at("messages_sent").get<std::uint64_t>();
  m.committed_entries = j.at("committed_entries").get<std::uint64_t>();
  const auto& lag = j.at("replication_lag");
  m.lag_max = lag.at("max").get<std::uint64_t>();
  m.lag_samples = lag.at("samples").get<std::uint64_t>();
  m.lag_sum = lag.at("sum").get<std::uint64_t>();
  m.election_timeout_max_us = us_from_ms(j.at("election_timeout_max_ms"));
  if (j.contains("window")) m.window = WindowMetrics::from_json(j.at("window"));
  return m;
}

const std::vector<std::string>& metric_names() {
  static const std::vector<std::string> names = {
      "ops_ok", "writes_ok",          "reads_ok",           "writes_per_s",           "reads_per_s",
      "commit_latency_ms_p50", "commit_latency_ms_p90", "commit_latency_ms_p99", "commit_latency_ms_max",
      "first_leader_ms",    "leaderless_ms",      "leaderless_periods",     "longest_leaderless_ms",
      "recovery_ms_max",    "elections",          "leaders_elected",        "split_votes",
      "contested_terms",    "max_term",           "messages_sent",          "committed_entries",
      "messages_per_committed_entry", "replication_lag_max", "replication_lag_mean",
      "window_writes_ok", "window_writes_per_s", "window_reads_per_s", "window_commit_latency_ms_p99",
      "window_leaderless_ms", "window_elections", "window_committed_entries"};
  return names;
}

double metric_value(const RunMetrics& m, const std::string& name) {
  auto d = [](std::uint64_t v) { return static_cast<double>(v); };
  if (name == "ops_ok") return d(m.writes_ok + m.reads_ok);
  if (name == "writes_ok") return d(m.writes_ok);
  if (name == "reads_ok") return d(m.reads_ok);
  if (name == "writes_per_s") return m.writes_per_s();
  if (name == "reads_per_s") return m.reads_per_s();
  if (name == "commit_latency_ms_p50") return us_to_ms(m.commit_latency.percentile_us(50));
  if (name == "commit_latency_ms_p90") return us_to_ms(m.commit_latency.percentile_us(90));
  if (name == "commit_latency_ms_p99") return us_to_ms(m.commit_latency.percentile_us(99));
  if (name == "commit_latency_ms_max") return us_to_ms(m.commit_latency.max_us());
  // A run that never had a leader waited for one the whole run.
  if (name == "first_leader_ms") return us_to_ms(m.first_leader_us < 0 ? m.duration_us : m.first_leader_us);
  if (name == "leaderless_ms") return us_to_ms(m.leaderless_us);
  if (name == "leaderless_periods") return d(m.leaderless_periods);
  if (name == "longest_leaderless_ms") return us_to_ms(m.longest_leaderless_us);
  if (name == "recovery_ms_max") {
    const std::int64_t r = m.recovery_max_us();
    return us_to_ms(r < 0 ? m.duration_us : r);  // never recovered: as long as the run
  }
  if (name == "elections") return d(m.elections);
  if (name == "leaders_elected") return d(m.leaders_elected);
  if (name == "split_votes") return d(m.split_votes);
  if (name == "contested_terms") return d(m.contested_terms);
  if (name == "max_term") return d(m.max_term);
  if (name == "messages_sent") return d(m.messages_sent);
  if (name == "committed_entries") return d(m.committed_entries);
  if (name == "messages_per_committed_entry") return m.messages_per_committed_entry();
  if (name == "replication_lag_max") return d(m.lag_max);
  if (name == "replication_lag_mean") return m.lag_mean();
  if (name.starts_with("window_")) {
    if (!m.window) throw std::invalid_argument("metric '" + name + "' needs a measure window");
    const WindowMetrics& w = *m.window;
    if (name == "window_writes_ok") return d(w.writes_ok);
    if (name == "window_writes_per_s") return w.writes_per_s();
    if (name == "window_reads_per_s") return w.reads_per_s();
    if (name == "window_commit_latency_ms_p99") return us_to_ms(w.commit_latency.percentile_us(99));
    if (name == "window_leaderless_ms") return us_to_ms(w.leaderless_us);
    if (name == "window_elections") return d(w.elections);
    if (name == "window_committed_entries") return d(w.committed_entries);
  }
  throw std::invalid_argument("unknown metric '" + name + "'");
}

// ---- MetricsSummary ----

void MetricsSummary::add(const RunMetrics& m) {
  ++runs;
  duration_us += m.duration_us;
  writes_ok += m.writes_ok;
  reads_ok += m.reads_ok;
  commit_latency.merge(m.commit_latency);
  if (m.first_leader_us >= 0) {
    ++runs_with_leader;
    first_leader_us_sum += m.first_leader_us;
    first_leader_us_max = std::max(first_leader_us_max, m.first_leader_us);
  }
  leaderless_us += m.leaderless_us;
  leaderless_us_max = std::max(leaderless_us_max, m.leaderless_us);
  const std::int64_t r = m.recovery_max_us();
  if (recovery_max_us >= 0) recovery_max_us = r < 0 ? -1 : std::max(recovery_max_us, r);
  elections += m.elections;
  elections_max = std::max(elections_max, m.elections);
  split_votes += m.split_votes;
  contested_terms += m.contested_terms;
  messages_sent += m.messages_sent;
  committed_entries += m.committed_entries;
  lag_samples += m.lag_samples;
  lag_sum += m.lag_sum;
  lag_max = std::max(lag_max, m.lag_max);
}

void MetricsSummary::merge(const MetricsSummary& o) {
  const std::uint64_t before = runs;
  runs += o.runs;
  duration_us += o.duration_us;
  writes_ok += o.writes_ok;
  reads_ok += o.reads_ok;
  commit_latency.merge(o.commit_latency);
  runs_with_leader += o.runs_with_leader;
  first_leader_us_sum += o.first_leader_us_sum;
  first_leader_us_max = std::max(first_leader_us_max, o.first_leader_us_max);
  leaderless_us += o.leaderless_us;
  leaderless_us_max = std::max(leaderless_us_max, o.leaderless_us_max);
  recovery_max_us = (recovery_max_us < 0 || o.recovery_max_us < 0) ? -1 : std::max(recovery_max_us, o.recovery_max_us);
  elections += o.elections;
  elections_max = std::max(elections_max, o.elections_max);
  split_votes += o.split_votes;
  contested_terms += o.contested_terms;
  messages_sent += o.messages_sent;
  committed_entries += o.committed_entries;
  lag_samples += o.lag_samples;
  lag_sum += o.lag_sum;
  lag_max = std::max(lag_max, o.lag_max);
  RAFTSIM_ASSERT(runs >= before);
}

nlohmann::ordered_json MetricsSummary::to_json() const {
  const double n = static_cast<double>(std::max<std::uint64_t>(runs, 1));
  nlohmann::ordered_json j;
  j["runs"] = runs;
  j["duration_ms"] = us_to_ms(duration_us);
  j["writes_ok"] = writes_ok;
  j["reads_ok"] = reads_ok;
  j["writes_per_s"] = per_second(writes_ok, duration_us);  // over the summed virtual time
  j["reads_per_s"] = per_second(reads_ok, duration_us);
  j["commit_latency_ms"] = latency_summary_json(commit_latency);
  j["runs_with_leader"] = runs_with_leader;
  j["first_leader_ms_mean"] =
      runs_with_leader == 0 ? -1.0 : us_to_ms(first_leader_us_sum) / static_cast<double>(runs_with_leader);
  j["first_leader_ms_max"] = us_to_ms(first_leader_us_max);
  j["leaderless_ms_mean"] = us_to_ms(leaderless_us) / n;
  j["leaderless_ms_max"] = us_to_ms(leaderless_us_max);
  j["recovery_ms_max"] = recovery_max_us < 0 ? -1.0 : us_to_ms(recovery_max_us);
  j["elections_mean"] = static_cast<double>(elections) / n;
  j["elections_max"] = elections_max;
  j["split_votes_mean"] = static_cast<double>(split_votes) / n;
  j["contested_terms_mean"] = static_cast<double>(contested_terms) / n;
  j["messages_per_committed_entry"] = ratio(messages_sent, committed_entries);
  j["replication_lag"] = {{"max", lag_max}, {"mean", ratio(lag_sum, lag_samples)}};
  // The raw sums, so that shards merge exactly (raftsim merge).
  j["sums"] = {{"duration_us", duration_us},       {"first_leader_us", first_leader_us_sum},
               {"first_leader_us_max", first_leader_us_max}, {"leaderless_us", leaderless_us},
               {"leaderless_us_max", leaderless_us_max}, {"recovery_max_us", recovery_max_us},
               {"elections", elections},           {"split_votes", split_votes},
               {"contested_terms", contested_terms}, {"messages_sent", messages_sent},
               {"committed_entries", committed_entries}, {"lag_samples", lag_samples},
               {"lag_sum", lag_sum}};
  j["commit_latency_histogram"] = commit_latency.to_json();
  return j;
}

MetricsSummary MetricsSummary::from_json(const nlohmann::json& j) {
  MetricsSummary s;
  const auto& x = j.at("sums");
  s.runs = j.at("runs").get<std::uint64_t>();
  s.writes_ok = j.at("writes_ok").get<std::uint64_t>();
  s.reads_ok = j.at("reads_ok").get<std::uint64_t>();
  s.runs_with_leader = j.at("runs_with_leader").get<std::uint64_t>();
  s.elections_max = j.at("elections_max").get<std::uint64_t>();
  s.lag_max = j.at("replication_lag").at("max").get<std::uint64_t>();
  s.duration_us = x.at("duration_us").get<std::int64_t>();
  s.first_leader_us_sum = x.at("first_leader_us").get<std::int64_t>();
  s.first_leader_us_max = x.at("first_leader_us_max").get<std::int64_t>();
  s.leaderless_us = x.at("leaderless_us").get<std::int64_t>();
  s.leaderless_us_max = x.at("leaderless_us_max").get<std::int64_t>();
  s.recovery_max_us = x.at("recovery_max_us").get<std::int64_t>();
  s.elections = x.at("elections").get<std::uint64_t>();
  s.split_votes = x.at("split_votes").get<std::uint64_t>();
  s.contested_terms = x.at("contested_terms").get<std::uint64_t>();
  s.messages_sent = x.at("messages_sent").get<std::uint64_t>();
  s.committed_entries = x.at("committed_entries").get<std::uint64_t>();
  s.lag_samples = x.at("lag_samples").get<std::uint64_t>();
  s.lag_sum = x.at("lag_sum").get<std::uint64_t>();
  s.commit_latency = LatencyHistogram::from_json(j.at("commit_latency_histogram"));
  return s;
}

// ---- MetricsRecorder ----

MetricsRecorder::MetricsRecorder(std::optional<MeasureWindow> window) {
  if (!window) return;
  RAFTSIM_ASSERT(window->from_us >= 0);
  RAFTSIM_ASSERT(window->to_us > window->from_us);
  m_.window = WindowMetrics{};
  m_.window->span = *window;
  has_window_ = true;
  fast_limit_ = INT32_MIN;
}

void MetricsRecorder::add_leaderless(std::int64_t from_us, std::int64_t to_us) {
  RAFTSIM_ASSERT(to_us >= from_us);
  const std::int64_t length = to_us - from_us;
  m_.leaderless_us += length;
  m_.longest_leaderless_us = std::max(m_.longest_leaderless_us, length);
  ++m_.leaderless_periods;
  if (m_.window) {
    const MeasureWindow& w = m_.window->span;
    const std::int64_t overlap = std::min(to_us, w.to_us) - std::max(from_us, w.from_us);
    if (overlap > 0) m_.window->leaderless_us += overlap;
    RAFTSIM_ASSERT(m_.window->leaderless_us <= m_.window->length_us());
  }
}

void MetricsRecorder::advance_window(std::int64_t now_us) {
  // Called before each event is counted: the commit index seen before the first event at or after an edge
  // is the one at that edge.
  if (!m_.window) return;
  const MeasureWindow& w = m_.window->span;
  if (!window_started_ && now_us >= w.from_us) {
    window_started_ = true;
    commit_at_window_start_ = m_.committed_entries;
  }
  if (!window_ended_ && now_us >= w.to_us) {
    window_ended_ = true;
    m_.window->committed_entries = m_.committed_entries - commit_at_window_start_;
  }
  RAFTSIM_ASSERT(!window_ended_ || window_started_);
}

void MetricsRecorder::grow_nodes(std::size_t count) {
  RAFTSIM_ASSERT(count > nodes_.size());
  RAFTSIM_ASSERT(count <= static_cast<std::size_t>(INT32_MAX));
  nodes_.resize(count);
  m_.nodes = static_cast<std::uint32_t>(nodes_.size());
  if (!has_window_) fast_limit_ = static_cast<std::int32_t>(nodes_.size());
  RAFTSIM_ASSERT(has_window_ ? fast_limit_ == INT32_MIN : static_cast<std::size_t>(fast_limit_) == nodes_.size());
}

std::int32_t MetricsRecorder::current_leader() const {
  const std::size_t majority = nodes_.size() / 2 + 1;
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    const NodeView& l = nodes_[i];
    if (l.role != static_cast<int>(sim::Role::leader)) continue;
    std::size_t with = 0;
    for (const NodeView& v : nodes_) with += v.role >= 0 && v.term == l.term;
    if (with >= majority) return static_cast<std::int32_t>(i);
  }
  return -1;
}

void MetricsRecorder::update_leadership(std::int64_t now_us) {
  const std::int32_t before = leader_;
  leader_ = current_leader();
  if (before < 0 && leader_ >= 0) {
    // A leaderless period ends (the first one began at time 0).
    add_leaderless(leaderless_since_us_, now_us);
    if (m_.first_leader_us < 0) m_.first_leader_us = now_us;
    for (std::size_t i = pending_from_; i < m_.disruptions.size(); ++i) {
      m_.disruptions[i].recovery_us = now_us - m_.disruptions[i].at_us;
    }
    pending_from_ = m_.disruptions.size();
    leader_commit_ = nodes_[static_cast<std::size_t>(leader_)].commit;
  } else if (before >= 0 && leader_ < 0) {
    leaderless_since_us_ = now_us;
    // The period overlaps the span of the latest disruption (and of every later one until it ends).
    pending_from_ = m_.disruptions.empty() ? 0 : m_.disruptions.size() - 1;
  } else if (leader_ >= 0 && before != leader_) {
    leader_commit_ = nodes_[static_cast<std::size_t>(leader_)].commit;
  }
  RAFTSIM_ASSERT(pending_from_ <= m_.disruptions.size());
}

void MetricsRecorder::on_disruption(const sim::TraceEvent& e) {
  if (!m_.disruptions.empty() && m_.disruptions.back().at_us == e.time_us) return;  // the same instant
  m_.disruptions.push_back(Disruption{e.time_us, std::string(sim::event_kind_name(e.kind)), e.node, 0});
  if (leader_ >= 0) pending_from_ = m_.disruptions.size();  // nothing open: it starts undisturbed
}

bool MetricsRecorder::on_event_slow(const sim::TraceEvent& e) {
  RAFTSIM_ASSERT(!finished_);
  advance_window(e.time_us);
  touch_node(e.node);
  if (e.kind == sim::EventKind::send || e.kind == sim::EventKind::deliver) touch_node(e.peer);
  if (is_disruption(e)) on_disruption(e);
  const auto node = static_cast<std::size_t>(e.node);
  switch (e.kind) {
    case sim::EventKind::timing:
      m_.election_timeout_max_us = static_cast<std::int64_t>(e.b);
      break;
    case sim::EventKind::send:
      ++m_.messages_sent;
      break;
    case sim::EventKind::crash:
      nodes_[node].crashed = true;
      nodes_[node].role = -1;
      nodes_[node].last_index = 0;
      nodes_[node].commit = 0;
      update_leadership(e.time_us);
      break;
    case sim::EventKind::restart:
      nodes_[node].crashed = false;
      nodes_[node].last_role = static_cast<int>(sim::Role::follower);
      nodes_[node].role = nodes_[node].paused ? -1 : nodes_[node].last_role;
      update_leadership(e.time_us);
      break;
    case sim::EventKind::pause:
      if (e.node < 0) break;
      nodes_[node].paused = true;
      nodes_[node].role = -1;
      update_leadership(e.time_us);
      break;
    case sim::EventKind::resume:
      if (e.node < 0) break;
      nodes_[node].paused = false;
      nodes_[node].role = nodes_[node].crashed ? -1 : nodes_[node].last_role;
      update_leadership(e.time_us);
      break;
    case sim::EventKind::role: {
      if (e.node < 0) break;
      NodeView& v = nodes_[node];
      v.last_role = e.a <= 2 ? static_cast<int>(e.a) : 3;  // an unknown role: neither leader nor candidate
      v.term = e.b;
      if (!v.paused && !v.crashed) v.role = v.last_role;
      m_.max_term = std::max(m_.max_term, e.b);
      if (e.a == static_cast<std::uint64_t>(sim::Role::candidate)) {
        ++m_.elections;
        if (in_window(e.time_us)) ++m_.window->elections;
        terms_[e.b].candidates.insert(e.node);
      } else if (e.a == static_cast<std::uint64_t>(sim::Role::leader)) {
        ++m_.leaders_elected;
        terms_[e.b].leader = true;
      }
      update_leadership(e.time_us);
      break;
    }
    case sim::EventKind::log_append:
      if (e.node >= 0) nodes_[node].last_index = std::max(nodes_[node].last_index, e.a);
      break;
    case sim::EventKind::log_truncate:
      if (e.node >= 0) nodes_[node].last_index = e.a == 0 ? 0 : std::min(nodes_[node].last_index, e.a - 1);
      break;
    case sim::EventKind::commit:
      if (e.node < 0) break;
      nodes_[node].commit = e.a;
      m_.committed_entries = std::max(m_.committed_entries, e.a);
      if (e.node == leader_ && e.a > leader_commit_) {
        leader_commit_ = e.a;
        for (std::size_t i = 0; i < nodes_.size(); ++i) {
          if (static_cast<std::int32_t>(i) == leader_ || nodes_[i].role < 0) continue;
          const std::uint64_t lag = e.a > nodes_[i].last_index ? e.a - nodes_[i].last_index : 0;
          ++m_.lag_samples;
          m_.lag_sum += lag;
          m_.lag_max = std::max(m_.lag_max, lag);
        }
      }
      break;
    case sim::EventKind::client_invoke:
      open_ops_.open(e.a, e.time_us);
      break;
    case sim::EventKind::client_ok: {
      const std::optional<std::int64_t> invoked = open_ops_.close(e.a);
      if (!invoked) break;  // an ok for an operation never invoked: a checker's business
      m_.commit_latency.add(e.time_us - *invoked);
      if (in_window(e.time_us)) {
        m_.window->commit_latency.add(e.time_us - *invoked);
        ++(e.label == 0 ? m_.window->reads_ok : m_.window->writes_ok);
      }
      if (e.label == 0) {
        ++m_.reads_ok;
      } else {
        ++m_.writes_ok;
      }
      break;
    }
    case sim::EventKind::client_fail:
    case sim::EventKind::client_info:
      open_ops_.close(e.a);
      break;
    default:
      break;  // including kinds this version does not know
  }
  return true;
}

RunMetrics MetricsRecorder::finish(std::int64_t end_time_us) {
  RAFTSIM_ASSERT(!finished_);
  finished_ = true;
  m_.duration_us = end_time_us;
  advance_window(std::max(end_time_us, m_.window ? m_.window->span.to_us : 0));  // a window past the end closes here
  if (leader_ < 0) {
    add_leaderless(std::min(leaderless_since_us_, end_time_us), end_time_us);
    for (std::size_t i = pending_from_; i < m_.disruptions.size(); ++i) m_.disruptions[i].recovery_us = -1;
  }
  for (const auto& [term, t] : terms_) {
    if (!t.candidates.empty() && !t.leader) ++m_.split_votes;
    if (t.candidates.size() >= 2) ++m_.contested_terms;
  }
  RAFTSIM_ASSERT(m_.leaderless_us <= std::max<std::int64_t>(end_time_us, 0));
  return m_;
}

}  // namespace checkers
