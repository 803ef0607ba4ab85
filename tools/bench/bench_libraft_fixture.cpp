// Benchmark (not a test): libraft's own deterministic test fixture (<raft/fixture.h>, an in-memory raft_io
// that libraft ships for its unit tests) against raftsim's libraft adapter, on the same cluster size, the
// same simulated duration and the same client load, side by side in one run.
//
//   raftsim_bench_libraft [SCENARIO] [--seconds S] [--seeds N]
//
// SCENARIO defaults to scenarios/basic.json (5 nodes, no faults), run with cluster.impl = libraft and its
// fault phase stretched to S simulated seconds (default 60). For each seed, raftsim runs first; its rate
// of acknowledged client operations (one libraft entry each: the adapter raft_apply's every request, reads
// included) then sets the fixture's load: the fixture submits entries through its leader at that same
// rate, for the same simulated time (raftsim's fault phase plus its liveness window), on a cluster with
// the same Raft timing. Both are single-threaded and deterministic.
//
// What each side does per unit of simulated time differs, and the output says how:
//   * raftsim: the event queue over a simulated network (random latency, per link), simulated disks
//     (write + fsync latency, crash-loss bookkeeping), 3 closed-loop clients with timeouts and retries,
//     the adapter's deep copies of every message and disk record, and every online checker on every
//     event, then the linearizability check of the whole client history at the end.
//   * fixture: libraft's in-memory io (fixed latency per sender, fixed disk latency), no clients (entries
//     submitted directly on the leader), and its own per-step checks (election safety, and leader
//     append-only, for which it copies the stable leader's whole log at every step).
//
// The fixture's steps and raftsim's trace events count different things, so the comparison that means
// the same on both sides is simulated seconds per wall second (and committed entries per wall second).
#include "adapters/libraft/libraft_node.h"

// As in adapters/libraft/libraft_node.cpp: the C headers libraft's header includes, at global scope first, then
// libraft's headers inside a namespace of their own (its `struct raft` would collide with `namespace raft`).
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <chrono>
#include <cstdint>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include <fmt/format.h>

#include "tools/bench/bench_args.h"
#include "tools/runner/runner.h"
#include "tools/scenario/scenario.h"

namespace lr {
extern "C" {
#include <raft.h>
#include <raft/fixture.h>
}
}  // namespace lr

namespace {

using ApplyRequest = struct lr::raft_apply;  // the struct, not libraft's function of the same name

constexpr unsigned kServers = 5;
constexpr std::size_t kEntryBytes = 64;  // about the size of an adapter-encoded client command

// CPU time of this (single-threaded) process: unlike wall time, not inflated when the machine is shared.
double cpu_now() { return static_cast<double>(std::clock()) / CLOCKS_PER_SEC; }

struct FixtureResult {
  double wall_seconds = 0;
  double cpu_seconds = 0;
  double cpu_first_5s = 0;  // CPU time for the first and the last 5 simulated seconds: the fixture copies
  double cpu_last_5s = 0;   // the leader's whole log at every step, so its steps get slower as the log grows
  double simulated_seconds = 0;
  std::uint64_t steps = 0;
  std::uint64_t ticks = 0, network = 0, disk = 0;
  std::uint64_t submitted = 0;
  std::uint64_t applied_on_leader = 0;  // apply callbacks with status 0
  std::uint64_t fsm_applies = 0;        // over all five servers
  std::uint64_t leader_changes = 0;
};

FixtureResult* g_result = nullptr;  // the fsm and apply callbacks count here

int fsm_apply(lr::raft_fsm* /*fsm*/, const lr::raft_buffer* /*buf*/, void** result) {
  ++g_result->fsm_applies;
  *result = nullptr;
  return 0;
}
int fsm_snapshot(lr::raft_fsm* /*fsm*/, lr::raft_buffer* /*bufs*/[], unsigned* /*n_bufs*/) { return RAFT_NOTFOUND; }
int fsm_restore(lr::raft_fsm* /*fsm*/, lr::raft_buffer* /*buf*/) { return RAFT_NOTFOUND; }

void on_applied(struct lr::raft_apply* req, int status, void* /*result*/) {
  if (status == 0) ++g_result->applied_on_leader;
  delete req;
}

// Runs the fixture for `simulated_ms`, submitting `entries_per_second` entries through the leader.
FixtureResult run_fixture(std::uint64_t seed, double simulated_ms, double entries_per_second,
                          const sim::RaftTiming& timing) {
  FixtureResult out;
  g_result = &out;
  const auto start = std::chrono::steady_clock::now();
  const double cpu_start = cpu_now();

  static lr::raft_fsm fsms[kServers];
  for (lr::raft_fsm& fsm : fsms) {
    fsm = lr::raft_fsm{};
    fsm.version = 1;
    fsm.apply = fsm_apply;
    fsm.snapshot = fsm_snapshot;
    fsm.restore = fsm_restore;
  }
  static lr::raft_fixture f;  // large (it embeds five struct raft): not on the stack
  f = lr::raft_fixture{};
  if (lr::raft_fixture_initialize(&f) != 0) {
    std::fprintf(stderr, "raft_fixture_initialize failed\n");
    std::exit(1);
  }
  for (lr::raft_fsm& fsm : fsms) {
    if (lr::raft_fixture_grow(&f, &fsm) != 0) {
      std::fprintf(stderr, "raft_fixture_grow failed\n");
      std::exit(1);
    }
  }
  lr::raft_configuration conf;
  if (lr::raft_fixture_configuration(&f, kServers, &conf) != 0 || lr::raft_fixture_bootstrap(&f, &conf) != 0) {
    std::fprintf(stderr, "raft_fixture bootstrap failed\n");
    std::exit(1);
  }
  lr::raft_configuration_close(&conf);
  // The scenario's timing. The fixture has no randomness of its own: each server's randomized election
  // timeout is a fixed number we choose, here spread over [min, 2 min) by the seed (as libraft draws it).
  const auto min_ms = static_cast<unsigned>(timing.election_timeout_min.us / 1000);
  const auto hb_ms = static_cast<unsigned>(timing.heartbeat_interval.us / 1000);
  std::uint64_t x = seed * 0x9E3779B97F4A7C15ULL + 1;
  for (unsigned i = 0; i < kServers; ++i) {
    x ^= x >> 31;
    x *= 0xBF58476D1CE4E5B9ULL;
    x ^= x >> 29;
    lr::raft* r = lr::raft_fixture_get(&f, i);
    lr::raft_set_election_timeout(r, min_ms);
    lr::raft_set_heartbeat_timeout(r, hb_ms);
    lr::raft_set_snapshot_threshold(r, 0xffffffffu);  // as in the adapter: no snapshots
    lr::raft_fixture_set_randomized_election_timeout(&f, i, min_ms + static_cast<unsigned>(x % min_ms));
    lr::raft_fixture_set_network_latency(&f, i, 1);  // basic.json: uniform 0.5..2 ms; the fixture counts ms
    lr::raft_fixture_set_disk_latency(&f, i, 1);     // basic.json: write 0.05..0.2 ms + fsync 0.5..2 ms
  }
  if (lr::raft_fixture_start(&f) != 0) {
    std::fprintf(stderr, "raft_fixture_start failed\n");
    std::exit(1);
  }

  const lr::raft_time t0 = lr::raft_fixture_time(&f);
  const auto end = t0 + static_cast<lr::raft_time>(simulated_ms);
  lr::raft_id last_leader = 0;
  const lr::raft_time first_5s_end = t0 + 5000;
  const lr::raft_time last_5s_start = end > t0 + 5000 ? end - 5000 : t0;
  double cpu_at_5s = -1, cpu_at_last_5s = -1;
  const double cpu_loop_start = cpu_now();
  while (lr::raft_fixture_time(&f) < end) {
    if (cpu_at_5s < 0 && lr::raft_fixture_time(&f) >= first_5s_end) cpu_at_5s = cpu_now();
    if (cpu_at_last_5s < 0 && lr::raft_fixture_time(&f) >= last_5s_start) cpu_at_last_5s = cpu_now();
    // Catch up with the target load: entries_per_second since the start, through the leader, if any.
    const double elapsed_s = static_cast<double>(lr::raft_fixture_time(&f) - t0) / 1000.0;
    const unsigned leader = lr::raft_fixture_leader_index(&f);
    if (leader < kServers) {
      while (static_cast<double>(out.submitted) < elapsed_s * entries_per_second) {
        lr::raft_buffer buf;
        buf.len = kEntryBytes;
        buf.base = lr::raft_malloc(kEntryBytes);
        std::memset(buf.base, static_cast<int>(out.submitted & 0xff), kEntryBytes);
        auto* req = new ApplyRequest{};
        if (lr::raft_apply(lr::raft_fixture_get(&f, leader), req, &buf, 1, on_applied) != 0) {
          lr::raft_free(buf.base);
          delete req;
          break;  // not accepted now (e.g. a leader stepping down): try again after the next step
        }
        ++out.submitted;
      }
    }
    const lr::raft_fixture_event* e = lr::raft_fixture_step(&f);
    ++out.steps;
    switch (e->type) {
      case lr::RAFT_FIXTURE_TICK: ++out.ticks; break;
      case lr::RAFT_FIXTURE_NETWORK: ++out.network; break;
      case lr::RAFT_FIXTURE_DISK: ++out.disk; break;
      default: break;
    }
    if (f.leader_id != 0 && f.leader_id != last_leader) {
      ++out.leader_changes;
      last_leader = f.leader_id;
    }
  }
  out.simulated_seconds = static_cast<double>(lr::raft_fixture_time(&f) - t0) / 1000.0;
  const double cpu_loop_end = cpu_now();
  out.cpu_first_5s = (cpu_at_5s < 0 ? cpu_loop_end : cpu_at_5s) - cpu_loop_start;
  out.cpu_last_5s = cpu_loop_end - (cpu_at_last_5s < 0 ? cpu_loop_start : cpu_at_last_5s);
  lr::raft_fixture_close(&f);
  out.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  out.cpu_seconds = cpu_now() - cpu_start;
  g_result = nullptr;
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  auto args = tools::parse_bench_args(argc, argv, "raftsim_bench_libraft");
  if (!args) return 3;
  tools::Scenario& scenario = args->scenario;
  const std::string& path = args->path;
  const double seconds = args->seconds;
  const std::uint64_t seeds = args->seeds;
  if (scenario.config.nodes != kServers || !scenario.config.faults.empty() || scenario.nemesis.enabled) {
    std::fprintf(stderr, "raftsim_bench_libraft: the scenario must have %u nodes and no faults (the fixture runs none)\n",
                 kServers);
    return 3;
  }
  scenario.impl = "libraft";
  scenario.config.duration = sim::Duration::micros(static_cast<std::int64_t>(seconds * 1e6));

  fmt::print(
      "libraft 0.15: raftsim's adapter vs libraft's own test fixture, {} servers, {} for {:.0f} simulated seconds "
      "(+ its liveness window), {} seeds\n\n"
      "  raftsim : {} with impl libraft; simulated network and disks, {} closed-loop clients, every online\n"
      "            checker on every event, the linearizability check of the history at the end\n"
      "  fixture : raft_fixture_step() over libraft's in-memory io, the same Raft timing, 1 ms network and disk\n"
      "            latency, entries submitted on the leader at raftsim's acknowledged-operation rate; its own\n"
      "            per-step checks (election safety; leader append-only, copying the leader's log each step)\n\n",
      kServers, path, seconds, seeds, path, scenario.config.workload.clients);

  double rs_wall = 0, rs_sim = 0, fx_wall = 0, fx_sim = 0, rs_cpu = 0, fx_cpu = 0, fx_first = 0, fx_last = 0;
  std::uint64_t rs_events = 0, rs_ops = 0, fx_steps = 0, fx_entries = 0;
  for (std::uint64_t seed = 1; seed <= seeds; ++seed) {
    const auto start = std::chrono::steady_clock::now();
    const double cpu0 = cpu_now();
    const tools::RunResult r = tools::run_scenario(scenario, seed);
    const double cpu = cpu_now() - cpu0;
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double sim_s = static_cast<double>(r.end_time_us) / 1e6;
    const double rate = static_cast<double>(r.metrics.ops_ok) / sim_s;
    fmt::print("  seed {} raftsim: {:>8} events, {:>6} ops ok ({:.0f}/s simulated), {:.1f} simulated s in {:.3f}s cpu "
               "({:.3f}s wall): {:>9.0f} events per cpu s, {:>8.1f} simulated s per cpu s, {}\n",
               seed, r.metrics.events, r.metrics.ops_ok, rate, sim_s, cpu, wall, static_cast<double>(r.metrics.events) / cpu,
               sim_s / cpu, tools::outcome_name(r.outcome));
    const FixtureResult fx = run_fixture(seed, sim_s * 1000.0, rate, scenario.config.timing);
    fmt::print("  seed {} fixture: {:>8} steps  ({} ticks, {} network, {} disk), {} entries submitted, {} applied by "
               "the leader, {:.1f} simulated s in {:.3f}s cpu ({:.3f}s wall): {:>9.0f} steps per cpu s, {:>8.1f} "
               "simulated s per cpu s ({:.1f} in the first 5 simulated s, {:.1f} in the last 5), {} leader(s)\n",
               seed, fx.steps, fx.ticks, fx.network, fx.disk, fx.submitted, fx.applied_on_leader, fx.simulated_seconds,
               fx.cpu_seconds, fx.wall_seconds, static_cast<double>(fx.steps) / fx.cpu_seconds,
               fx.simulated_seconds / fx.cpu_seconds, 5.0 / fx.cpu_first_5s, 5.0 / fx.cpu_last_5s, fx.leader_changes);
    rs_wall += wall;
    rs_cpu += cpu;
    fx_cpu += fx.cpu_seconds;
    fx_first += fx.cpu_first_5s;
    fx_last += fx.cpu_last_5s;
    rs_sim += sim_s;
    rs_events += r.metrics.events;
    rs_ops += r.metrics.ops_ok;
    fx_wall += fx.wall_seconds;
    fx_sim += fx.simulated_seconds;
    fx_steps += fx.steps;
    fx_entries += fx.applied_on_leader;
  }
  fmt::print("\n{:<9} {:>12} {:>9} {:>9} {:>18} {:>24}\n", "", "simulated s", "cpu s", "wall s", "simulated s/cpu s",
             "committed entries/cpu s");
  fmt::print("{:<9} {:>12.1f} {:>9.3f} {:>9.3f} {:>18.1f} {:>24.0f}   ({:.0f} trace events per cpu s)\n", "raftsim", rs_sim,
             rs_cpu, rs_wall, rs_sim / rs_cpu, static_cast<double>(rs_ops) / rs_cpu, static_cast<double>(rs_events) / rs_cpu);
  fmt::print("{:<9} {:>12.1f} {:>9.3f} {:>9.3f} {:>18.1f} {:>24.0f}   ({:.0f} fixture steps per cpu s)\n", "fixture", fx_sim,
             fx_cpu, fx_wall, fx_sim / fx_cpu, static_cast<double>(fx_entries) / fx_cpu, static_cast<double>(fx_steps) / fx_cpu);
  const double ratio = (rs_sim / rs_cpu) / (fx_sim / fx_cpu);
  fmt::print("\nraftsim / fixture: {:.1f}x the simulated seconds per cpu second over the whole run;\n", ratio);
  fmt::print("                   {:.1f}x against the fixture's first 5 simulated seconds (short log, cheap copies), "
             "{:.1f}x against its last 5\n",
             (rs_sim / rs_cpu) / (5.0 * static_cast<double>(seeds) / fx_first),
             (rs_sim / rs_cpu) / (5.0 * static_cast<double>(seeds) / fx_last));
  fmt::print("(cpu time is this process's; wall time is shown too but depends on what else the machine runs)\n");
  return 0;
}
