// Run metrics (checkers/metrics.h) on hand-made event streams, every expected figure computed by hand in
// the comments next to it.
#include <catch2/catch.hpp>

#include <initializer_list>
#include <limits>
#include <map>
#include <vector>
#include <optional>

#include "checkers/metrics.h"
#include "tests/checkers/event_feed.h"

namespace {

using sim::EventKind;
using checker_test::Ev;

constexpr std::uint64_t kFollower = 0;
constexpr std::uint64_t kCandidate = 1;
constexpr std::uint64_t kLeader = 2;

checkers::RunMetrics record(std::initializer_list<Ev> events, std::int64_t end_us,
                            std::optional<checkers::MeasureWindow> window = std::nullopt) {
  checkers::MetricsRecorder r(window);
  std::int64_t t = 0;
  for (const Ev& ev : events) REQUIRE(r.on_event(checker_test::to_event(ev, t)));
  return r.finish(end_us);
}

// Three nodes: a split vote in term 1, a leader in term 2, three client operations ok and one failed, the
// leader crashes, a new leader in term 3, the old one restarts, everything heals, the leader pauses.
checkers::RunMetrics three_node_run(std::optional<checkers::MeasureWindow> window = std::nullopt) {
  return record(
      {
          {EventKind::timing, -1, 150'000, 300'000, 50'000, -1, 0, 0, 0},
          {EventKind::role, 0, kFollower, 0, 0, -1, 1, 0, 0},
          {EventKind::role, 1, kFollower, 0, 0, -1, 1, 0, 0},
          {EventKind::role, 2, kFollower, 0, 0, -1, 1, 0, 0},
          {EventKind::role, 0, kCandidate, 1, 0, -1, 1, 0, 100'000},
          {EventKind::role, 1, kCandidate, 1, 0, -1, 1, 0, 100'010},
          {EventKind::role, 0, kCandidate, 2, 0, -1, 1, 0, 200'000},
          {EventKind::role, 1, kFollower, 2, 0, -1, 1, 0, 200'100},
          {EventKind::role, 0, kLeader, 2, 0, -1, 1, 0, 200'200},  // 2 of 3 in term 2: a leader
          {EventKind::client_invoke, 0, 1, 0, 0, 7, 1, 1, 210'000},  // op 1, a put
          {EventKind::send, 0, 0, 0, 0, 1, 1, 0, 210'010},
          {EventKind::send, 0, 0, 0, 0, 2, 1, 0, 210'020},
          {EventKind::log_append, 0, 1, 2, 0, -1, 1, 0, 210'030},
          {EventKind::log_append, 1, 1, 2, 0, -1, 1, 0, 210'040},
          {EventKind::commit, 0, 1, 0, 0, -1, 1, 0, 210'050},  // lag: n1 0, n2 1
          {EventKind::client_ok, 0, 1, 1, 2, 7, 1, 1, 215'000},       // 5000 us
          {EventKind::client_invoke, 0, 2, 0, 0, 7, 1, 0, 220'000},   // op 2, a get
          {EventKind::client_ok, 0, 2, 1, 2, 7, 1, 0, 221'500},       // 1500 us
          {EventKind::client_invoke, 0, 3, 0, 0, 8, 1, 1, 230'000},   // op 3, a put that fails
          {EventKind::client_fail, 0, 3, 0, 0, 8, 1, 1, 231'000},
          {EventKind::client_invoke, 0, 4, 0, 0, 8, 1, 3, 240'000},   // op 4, a cas
          {EventKind::client_ok, 0, 4, 0, 0, 8, 1, 3, 252'345},       // 12345 us
          {EventKind::crash, 0, 0, 0, 0, -1, 1, 0, 300'000},          // disruption 1; no leader from here
          {EventKind::role, 1, kCandidate, 3, 0, -1, 1, 0, 450'000},
          {EventKind::role, 2, kFollower, 3, 0, -1, 1, 0, 450'100},
          {EventKind::role, 1, kLeader, 3, 0, -1, 1, 0, 450'200},     // leader again: 150200 us later
          {EventKind::role, 2, 3, 3, 0, -1, 1, 0, 455'000},           // a role this version does not know
          {static_cast<EventKind>(45), 2, 1, 2, 3, -1, 1, 0, 456'000},  // a kind this version does not know
          {EventKind::restart, 0, 2, 0, 0, -1, 2, 0, 500'000},        // disruption 2
          {EventKind::role, 0, kFollower, 2, 0, -1, 2, 0, 500'000},
          {EventKind::role, 0, kFollower, 3, 0, -1, 2, 0, 510'000},
          {EventKind::log_append, 1, 2, 3, 0, -1, 1, 0, 515'000},
          {EventKind::commit, 1, 2, 0, 0, -1, 1, 0, 520'000},  // lag: n0 2 (its log was lost), n2 2
          {EventKind::phase, -1, 1, 0, 0, -1, 0, 0, 600'000},   // disruption 3 (the liveness phase)
          {EventKind::pause, 1, 0, 0, 0, -1, 1, 0, 700'000},    // disruption 4; the leader stops
      },
      800'000, window);
}

}  // namespace

TEST_CASE("metrics: latency histogram buckets and nearest-rank percentiles", "[metrics]") {
  using checkers::LatencyHistogram;
  CHECK(LatencyHistogram::bucket_floor(0) == 0);
  CHECK(LatencyHistogram::bucket_floor(1023) == 1023);   // exact below 1024 us
  CHECK(LatencyHistogram::bucket_floor(1025) == 1024);   // 1024..2047: buckets of 2 us
  CHECK(LatencyHistogram::bucket_floor(5000) == 5000);   // 4096..8191: buckets of 8 us
  CHECK(LatencyHistogram::bucket_floor(12345) == 12336); // 8192..16383: buckets of 16 us (771 x 16)
  LatencyHistogram h;
  for (int v = 1; v <= 10; ++v) h.add(v * 100);  // 100..1000, all exact
  CHECK(h.percentile_us(50) == 500);  // rank ceil(5.0) = 5
  CHECK(h.percentile_us(90) == 900);  // rank 9
  CHECK(h.percentile_us(99) == 1000); // rank ceil(9.9) = 10
  CHECK(h.percentile_us(1) == 100);
  CHECK(h.max_us() == 1000);
  CHECK(h.mean_us() == 550.0);
  LatencyHistogram g;
  g.add(50);
  g.merge(h);  // pooled: 50, 100, ..., 1000
  CHECK(g.count() == 11);
  CHECK(g.percentile_us(50) == 500);  // rank ceil(5.5) = 6: 50 100 200 300 400 500
  CHECK(LatencyHistogram::from_json(g.to_json()).percentile_us(90) == g.percentile_us(90));
  CHECK(LatencyHistogram().percentile_us(99) == 0);
}

TEST_CASE("metrics: the histogram's flat bucket index keeps the floors' order and round-trips", "[metrics]") {
  using checkers::LatencyHistogram;
  std::size_t last = 0;
  std::int64_t last_floor = -1;
  // Every floor below 2^20 us and a spread of larger values up to the int64 maximum.
  std::vector<std::int64_t> values;
  for (std::int64_t v = 0; v < (std::int64_t{1} << 20); ++v) values.push_back(v);
  for (int m = 20; m < 63; ++m) {
    const std::int64_t base = std::int64_t{1} << m;
    for (std::int64_t k : {std::int64_t{0}, std::int64_t{1}, base / 3, base - 1}) values.push_back(base + k);
  }
  values.push_back(std::numeric_limits<std::int64_t>::max());
  for (const std::int64_t v : values) {
    const std::int64_t floor = LatencyHistogram::bucket_floor(v);
    const std::size_t i = LatencyHistogram::bucket_index(v);
    CHECK(LatencyHistogram::index_floor(i) == floor);
    CHECK(LatencyHistogram::bucket_index(floor) == i);
    if (floor != last_floor) {
      CHECK((last_floor < 0 || i > last));  // a new floor: a later index
      last = i;
      last_floor = floor;
    } else {
      CHECK(i == last);
    }
  }
  CHECK_THROWS(LatencyHistogram::from_json(nlohmann::json::parse(
      R"({"count":1,"sum_us":1025,"max_us":1025,"buckets":[[1025,1]]})")));  // 1025 is not a floor
}

TEST_CASE("metrics: open operations agree with a std::map under invokes, closes and repeats", "[metrics]") {
  checkers::OpenOps ops;
  std::map<std::uint64_t, std::int64_t> model;
  std::uint64_t x = 12345;
  for (int step = 0; step < 20000; ++step) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;  // a fixed LCG: deterministic
    const std::uint64_t id = (x >> 33) % 97 + (step / 500) * 50;  // ids drift upward, some repeat
    if ((x >> 20) % 2 == 0) {
      ops.open(id, step);
      model[id] = step;
    } else {
      const std::optional<std::int64_t> got = ops.close(id);
      const auto it = model.find(id);
      REQUIRE(got.has_value() == (it != model.end()));
      if (got) {
        CHECK(*got == it->second);
        model.erase(it);
      }
    }
    REQUIRE(ops.size() == model.size());
  }
}

TEST_CASE("metrics: throughput, latency, leadership, contests and replication of a hand-made run", "[metrics]") {
  const checkers::RunMetrics m = three_node_run();
  CHECK(m.nodes == 3);
  CHECK(m.duration_us == 800'000);
  CHECK(m.election_timeout_max_us == 300'000);
  // Clients: the put and the cas are writes, the get a read; the failed put counts nowhere.
  CHECK(m.writes_ok == 2);
  CHECK(m.reads_ok == 1);
  CHECK(m.writes_per_s() == Approx(2.5));  // 2 / 0.8 s
  CHECK(m.reads_per_s() == Approx(1.25));
  // Latencies 5000, 1500, 12345 us: p50 rank 2 -> 5000; p90 and p99 rank 3 -> bucket 12336; max exact.
  CHECK(m.commit_latency.count() == 3);
  CHECK(m.commit_latency.percentile_us(50) == 5000);
  CHECK(m.commit_latency.percentile_us(90) == 12336);
  CHECK(m.commit_latency.percentile_us(99) == 12336);
  CHECK(m.commit_latency.max_us() == 12345);
  // Leaderless: [0, 200200) + [300000, 450200) + [700000, 800000) = 200200 + 150200 + 100000.
  CHECK(m.first_leader_us == 200'200);
  CHECK(m.leaderless_us == 450'400);
  CHECK(m.leaderless_periods == 3);
  CHECK(m.longest_leaderless_us == 200'200);
  REQUIRE(m.disruptions.size() == 4);
  CHECK(m.disruptions[0].kind == "crash");
  CHECK(m.disruptions[0].node == 0);
  CHECK(m.disruptions[0].recovery_us == 150'200);
  CHECK(m.disruptions[1].kind == "restart");
  CHECK(m.disruptions[1].recovery_us == 0);
  CHECK(m.disruptions[2].kind == "phase");
  CHECK(m.disruptions[2].recovery_us == 0);
  CHECK(m.disruptions[3].kind == "pause");
  CHECK(m.disruptions[3].recovery_us == -1);  // no leader again by the end
  CHECK(m.recovery_max_us() == -1);
  // Candidacies: n0 and n1 in term 1 (no leader: a split vote, contested), n0 in 2, n1 in 3.
  CHECK(m.elections == 4);
  CHECK(m.leaders_elected == 2);
  CHECK(m.split_votes == 1);
  CHECK(m.contested_terms == 1);
  CHECK(m.max_term == 3);
  // 2 sends, commit index 2: 1 message per committed entry.
  CHECK(m.messages_sent == 2);
  CHECK(m.committed_entries == 2);
  CHECK(m.messages_per_committed_entry() == Approx(1.0));
  // Lag samples: at commit 1 (n1 0, n2 1), at commit 2 (n0 2, n2 2): max 2, mean 5 / 4.
  CHECK(m.lag_samples == 4);
  CHECK(m.lag_max == 2);
  CHECK(m.lag_mean() == Approx(1.25));
  // Every figure survives the JSON round trip (the fork pipe, --json, raftsim merge).
  const checkers::RunMetrics back = checkers::RunMetrics::from_json(m.to_json());
  for (const std::string& name : checkers::metric_names()) {
    INFO(name);
    if (name.starts_with("window_")) {
      CHECK_THROWS_AS(checkers::metric_value(m, name), std::invalid_argument);  // no window was asked for
      continue;
    }
    CHECK(checkers::metric_value(back, name) == Approx(checkers::metric_value(m, name)));
  }
  CHECK_FALSE(back.window.has_value());
  CHECK_FALSE(m.to_json().contains("window"));  // outputs without a window keep their old shape
  CHECK(checkers::metric_value(m, "recovery_ms_max") == Approx(800.0));  // never recovered: the whole run
  CHECK_THROWS_AS(checkers::metric_value(m, "electons"), std::invalid_argument);
}

TEST_CASE("metrics: a measure window keeps the figures of its span only", "[metrics]") {
  // The span [250000, 600000): from the last client operation of term 2, over the crash and re-election,
  // up to the liveness phase.
  const checkers::RunMetrics m = three_node_run(checkers::MeasureWindow{250'000, 600'000});
  REQUIRE(m.window.has_value());
  const checkers::WindowMetrics& w = *m.window;
  // Only the cas completes in the span (at 252345, 12345 us after its invoke); the put and the get before.
  CHECK(w.writes_ok == 1);
  CHECK(w.reads_ok == 0);
  CHECK(w.commit_latency.count() == 1);
  CHECK(w.commit_latency.max_us() == 12'345);
  CHECK(w.writes_per_s() == Approx(1.0 / 0.35));
  // Leaderless periods [0, 200200), [300000, 450200), [700000, 800000): only the middle one overlaps.
  CHECK(w.leaderless_us == 150'200);
  // One candidacy in the span (n1 in term 3 at 450000); the three of terms 1 and 2 came before.
  CHECK(w.elections == 1);
  // Commit index 1 when the span opens (committed at 210050), 2 when it closes (committed at 520000).
  CHECK(w.committed_entries == 1);
  // The whole-run figures are the same as without a window.
  const checkers::RunMetrics plain = three_node_run();
  CHECK(m.leaderless_us == plain.leaderless_us);
  CHECK(m.writes_ok == plain.writes_ok);
  CHECK(m.elections == plain.elections);
  // The window round-trips through JSON, and its metrics have names for expect.metrics.
  const checkers::RunMetrics back = checkers::RunMetrics::from_json(m.to_json());
  for (const std::string& name : checkers::metric_names()) {
    INFO(name);
    CHECK(checkers::metric_value(back, name) == Approx(checkers::metric_value(m, name)));
  }
  CHECK(checkers::metric_value(m, "window_leaderless_ms") == Approx(150.2));
  CHECK(checkers::metric_value(m, "window_committed_entries") == Approx(1.0));

  // A span that opens in the leaderless wait for the first leader and runs past the end of the stream.
  const checkers::RunMetrics tail = three_node_run(checkers::MeasureWindow{100'000, 900'000});
  REQUIRE(tail.window.has_value());
  // [100000, 200200) + [300000, 450200) + [700000, 800000): the run ended at 800000.
  CHECK(tail.window->leaderless_us == 100'200 + 150'200 + 100'000);
  CHECK(tail.window->elections == 4);
  CHECK(tail.window->committed_entries == 2);
  CHECK(tail.window->writes_ok == 2);
  CHECK(tail.window->reads_ok == 1);
}

TEST_CASE("metrics: a minority with a higher term does not unseat a leader a majority follows", "[metrics]") {
  const checkers::RunMetrics m = record(
      {
          {EventKind::role, 0, kLeader, 2, 0, -1, 1, 0, 1'000},
          {EventKind::role, 1, kFollower, 2, 0, -1, 1, 0, 1'000},
          {EventKind::role, 2, kFollower, 2, 0, -1, 1, 0, 1'000},  // leader from 1000 us
          {EventKind::partition, -1, 3, 0, 0, -1, 0, 0, 2'000},    // n2 cut off
          {EventKind::role, 2, kCandidate, 3, 0, -1, 1, 0, 3'000},  // still a leader: 2 of 3 in term 2
          {EventKind::role, 2, kCandidate, 4, 0, -1, 1, 0, 4'000},
          {EventKind::heal, -1, 0, 0, 0, -1, 0, 0, 5'000},
          {EventKind::role, 1, kFollower, 4, 0, -1, 1, 0, 5'100},  // the majority moves to term 4: no leader
          {EventKind::role, 0, kFollower, 4, 0, -1, 1, 0, 5'200},
          {EventKind::role, 1, kLeader, 4, 0, -1, 1, 0, 6'100},  // n1 (1, 2 in term 4): a leader again
      },
      10'000);
  CHECK(m.first_leader_us == 1'000);
  CHECK(m.leaderless_us == 1'000 + 1'000);  // [0, 1000) and [5100, 6100)
  REQUIRE(m.disruptions.size() == 2);
  CHECK(m.disruptions[0].recovery_us == 0);      // the partition: a leader throughout until the heal
  CHECK(m.disruptions[1].recovery_us == 1'100);  // the heal at 5000; a leader again at 6100
  CHECK(m.split_votes == 1);      // term 3 (n2 alone); term 4 had a leader
  CHECK(m.contested_terms == 0);  // one candidate per term
}

TEST_CASE("metrics: aggregation pools latencies and sums over runs", "[metrics]") {
  const checkers::RunMetrics m = three_node_run();
  checkers::MetricsSummary s;
  s.add(m);
  s.add(m);
  CHECK(s.runs == 2);
  CHECK(s.writes_ok == 4);
  CHECK(s.commit_latency.count() == 6);
  CHECK(s.commit_latency.percentile_us(50) == 5000);  // rank 3 of 1500 1500 5000 5000 12336 12336
  CHECK(s.elections == 8);
  CHECK(s.elections_max == 4);
  CHECK(s.recovery_max_us == -1);
  const checkers::MetricsSummary back = checkers::MetricsSummary::from_json(s.to_json());
  CHECK(back.leaderless_us == 2 * 450'400);
  CHECK(back.commit_latency.percentile_us(90) == 12336);
  checkers::MetricsSummary merged = back;
  merged.merge(back);
  CHECK(merged.runs == 4);
  CHECK(merged.lag_sum == 4 * 5);
}
