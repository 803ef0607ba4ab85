// raftsim_process_child: the reference Raft (raft/) served over the process protocol (docs/protocol.md),
// one process hosting every node. The conformance test of the protocol's host side: `raftsim run` with it
// must pass what the in-process reference passes. It also misbehaves on request, for the error-case tests:
//
//   raftsim_process_child [--at N --do WHAT] [--status S] [--stderr-lines K] [--leak] [--no-tasks]
//                         [--ignore-shutdown] [--pid-file PATH]
//
//   --at N --do WHAT   at input frame N (1 is HELLO), instead of answering:
//                        exit      exit with status S (--status, default 7)
//                        abort     abort() (SIGABRT)
//                        hang      never answer
//                        close     close standard output, then hang
//                        error     send an ERROR frame
//                        garbage   a frame of an unknown type
//                        truncated an OUTPUT frame whose send list ends early
//                        huge      a length prefix above 64 MiB
//                        twice     two OUTPUT frames
//                        version   (at HELLO) answer with protocol version 99
//                        range     an OUTPUT that sends to a node outside the cluster
//                        flood     write 300 KiB to standard error first, then answer normally
//   --stderr-lines K   write K numbered lines to standard error just before misbehaving
//   --leak             a stopped node's task is never released (the task count only grows)
//   --no-tasks         report tasks = -1
//   --ignore-shutdown  ignore SHUTDOWN and wait forever (raftsim must kill it)
//   --pid-file PATH    write the process id to PATH at start-up
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "adapters/process/testing/child_io.h"
#include "adapters/process/testing/raft_codec.h"
#include "adapters/process/wire.h"
#include "raft/raft.h"
#include "raft/snapshot.h"
#include "sim/trace_event.h"

namespace {

using adapters::process::testing::read_frame;
using adapters::process::testing::write_all;
namespace wire = adapters::process::wire;

struct Options {
  std::uint64_t at = 0;  // 0: never
  std::string what;
  int status = 7;
  int stderr_lines = 0;
  bool leak = false;
  bool no_tasks = false;
  bool ignore_shutdown = false;
  std::string pid_file;
};

[[noreturn]] void usage(const char* problem) {
  std::fprintf(stderr, "raftsim_process_child: %s (see the comment at the top of reference_child.cpp)\n", problem);
  std::exit(2);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage("an option lacks its value");
      return argv[++i];
    };
    if (a == "--at") o.at = std::strtoull(value().c_str(), nullptr, 10);
    else if (a == "--do") o.what = value();
    else if (a == "--status") o.status = std::atoi(value().c_str());
    else if (a == "--stderr-lines") o.stderr_lines = std::atoi(value().c_str());
    else if (a == "--leak") o.leak = true;
    else if (a == "--no-tasks") o.no_tasks = true;
    else if (a == "--ignore-shutdown") o.ignore_shutdown = true;
    else if (a == "--pid-file") o.pid_file = value();
    else usage("unknown option");
  }
  if ((o.at == 0) != o.what.empty()) usage("--at and --do go together");
  return o;
}

[[noreturn]] void hang() {
  while (true) ::pause();
}

// What the in-process adapter (raft/reference_node.cpp) reports about a message: the same integers, so
// that traces read the same.
void put_summary(wire::Writer& w, const raft::Envelope& e) {
  std::uint64_t a = 0, b = 0;
  std::visit(
      [&](const auto& m) {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, raft::RequestVote>) {
          a = m.last_log_index.value;
          b = m.last_log_term.value;
        } else if constexpr (std::is_same_v<T, raft::RequestVoteReply>) {
          a = m.vote_granted ? 1 : 0;
        } else if constexpr (std::is_same_v<T, raft::AppendEntries>) {
          a = m.prev_log_index.value;
          b = m.entries.size();
        } else if constexpr (std::is_same_v<T, raft::AppendEntriesReply>) {
          a = m.success ? 1 : 0;
          b = m.success ? m.match_index.value : m.conflict_index.value;
        } else if constexpr (std::is_same_v<T, raft::PreVote>) {
          a = m.last_log_index.value;
          b = m.last_log_term.value;
        } else if constexpr (std::is_same_v<T, raft::PreVoteReply>) {
          a = m.vote_granted ? 1 : 0;
        } else if constexpr (std::is_same_v<T, raft::InstallSnapshot>) {
          a = m.last_included_index.value;
          b = m.last_included_term.value;
        } else if constexpr (std::is_same_v<T, raft::InstallSnapshotReply>) {
          a = m.last_included_index.value;
          b = m.done ? 1 : 0;
        }
      },
      e.message);
  // The conventional kinds (docs/your-raft.md): 0-3 the paper's RPCs, 4-5 InstallSnapshot and its reply
  // (never sent here: the process adapter refuses snapshots), 6 PreVote, 7 its reply, 8 TimeoutNow.
  constexpr std::uint16_t kKinds[] = {0, 1, 2, 3, 4, 5, 6, 7, 8};
  static_assert(std::size(kKinds) == std::variant_size_v<raft::Message>);
  w.u16(kKinds[e.message.index()]);
  w.u64(raft::message_term(e.message).value);
  w.u64(a);
  w.u64(b);
}

std::uint8_t observation_kind(raft::Observation::Kind k) {
  switch (k) {
    case raft::Observation::Kind::role_changed: return static_cast<std::uint8_t>(sim::EventKind::role);
    case raft::Observation::Kind::vote_granted: return static_cast<std::uint8_t>(sim::EventKind::vote);
    case raft::Observation::Kind::log_appended: return static_cast<std::uint8_t>(sim::EventKind::log_append);
    case raft::Observation::Kind::log_truncated: return static_cast<std::uint8_t>(sim::EventKind::log_truncate);
    case raft::Observation::Kind::committed: return static_cast<std::uint8_t>(sim::EventKind::commit);
    case raft::Observation::Kind::applied: return static_cast<std::uint8_t>(sim::EventKind::apply);
    case raft::Observation::Kind::transfer_started: return static_cast<std::uint8_t>(sim::EventKind::transfer_start);
    case raft::Observation::Kind::transfer_abandoned: return static_cast<std::uint8_t>(sim::EventKind::transfer_abandoned);
    case raft::Observation::Kind::read_served: return static_cast<std::uint8_t>(sim::EventKind::read_served);
    case raft::Observation::Kind::lease_read: return static_cast<std::uint8_t>(sim::EventKind::lease_read);
    case raft::Observation::Kind::snapshot_taken: return static_cast<std::uint8_t>(sim::EventKind::snapshot_taken);
    case raft::Observation::Kind::snapshot_installed: return static_cast<std::uint8_t>(sim::EventKind::snapshot_installed);
    case raft::Observation::Kind::snapshot_restored: return static_cast<std::uint8_t>(sim::EventKind::snapshot_restored);
    case raft::Observation::Kind::snapshot_chunk: return static_cast<std::uint8_t>(sim::EventKind::snapshot_chunk);
    case raft::Observation::Kind::membership: return static_cast<std::uint8_t>(sim::EventKind::membership);
    // Never emitted here: the process protocol carries no disk errors (fail_disk_writes is refused for it).
    case raft::Observation::Kind::stopped: return static_cast<std::uint8_t>(sim::EventKind::node_stopped);
  }
  std::abort();
}

raft::DurableState replay(const std::vector<raft::PersistRequest>& records) {
  raft::DurableState state;
  for (const raft::PersistRequest& r : records) {
    if (r.hard_state) state.hard_state = *r.hard_state;
    if (r.truncate_from && r.truncate_from->value - 1 < state.log.size()) {
      // erase, not resize: an Entry has no default value (it is created with its content, raft/command.h)
      state.log.erase(state.log.begin() + static_cast<std::ptrdiff_t>(r.truncate_from->value - 1), state.log.end());
    }
    if (!r.entries.empty()) {
      if (r.first_index.value != state.log.size() + 1) throw wire::DecodeError("a disk record leaves a gap in the log");
      state.log.insert(state.log.end(), r.entries.begin(), r.entries.end());
    }
  }
  return state;
}

class Child {
 public:
  explicit Child(Options options) : options_(std::move(options)) {}

  int run() {
    std::vector<std::uint8_t> body;
    while (read_frame(STDIN_FILENO, body)) {
      ++inputs_;
      if (inputs_ == options_.at) misbehave();
      try {
        if (!handle(body)) return 0;  // SHUTDOWN
      } catch (const wire::DecodeError& e) {
        send_error(std::string("cannot read an input: ") + e.what());
        return 1;
      }
    }
    return 0;  // end of input
  }

 private:
  // False for SHUTDOWN.
  bool handle(const std::vector<std::uint8_t>& body) {
    wire::Reader r(body);
    const std::uint8_t type = r.u8("type");
    if (type == wire::kHello) {
      hello(r);
      return true;
    }
    if (type == wire::kShutdown) {
      if (options_.ignore_shutdown) hang();
      return false;
    }
    const std::uint32_t node = r.u32("node");
    raft::Output out;
    if (type == wire::kStart) {
      start(r, node, out);
    } else if (type == wire::kStop) {
      nodes_.erase(node);
    } else {
      auto it = nodes_.find(node);
      if (it == nodes_.end()) throw wire::DecodeError("an input for a node that is not running");
      raft::Raft& raft = *it->second;
      r.i64("now_us");  // the reference Raft reads no clock
      switch (type) {
        case wire::kMessage: {
          const std::uint32_t from = r.u32("from");
          const raft::Envelope e = adapters::process::testing::decode_envelope(r.bytes("payload"));
          if (e.from.value != from || e.to != raft.id()) throw wire::DecodeError("a message with the wrong addresses");
          raft.step(e, out);
          break;
        }
        case wire::kTimer: {
          const std::uint16_t slot = r.u16("slot");
          if (slot > static_cast<std::uint16_t>(raft::TimerKind::heartbeat)) throw wire::DecodeError("an unknown timer slot");
          raft.on_timer(static_cast<raft::TimerKind>(slot), out);
          break;
        }
        case wire::kDiskDone: raft.on_persisted(r.u64("token"), out); break;
        case wire::kClientRequest: {
          raft::Command c;
          c.client_id = r.u64("client_id");
          c.request_id = r.u64("request_id");
          const std::uint8_t op = r.u8("op");
          if (op > 3) throw wire::DecodeError("an unknown client operation");
          c.op = static_cast<raft::OpKind>(op + 1);  // the protocol's get is 0, the Raft's noop is 0
          c.key = std::string(r.str("key"));
          c.value = std::string(r.str("value"));
          c.expected = std::string(r.str("expected"));
          raft.on_client_request(c, out);
          break;
        }
        case wire::kTransfer: {
          if (protocol_version_ < wire::kProtocolVersionFeatures) throw wire::DecodeError("TRANSFER in protocol version 1");
          const std::int32_t target = r.i32("target");
          if (target >= static_cast<std::int32_t>(cluster_size_) || target < -1) throw wire::DecodeError("a TRANSFER to a node outside the cluster");
          std::optional<raft::NodeId> to;
          if (target >= 0) to = raft::NodeId(static_cast<std::uint32_t>(target));
          raft.on_transfer_leadership(to, out);
          break;
        }
        default: throw wire::DecodeError("an unknown input frame type");
      }
    }
    send_output(out);
    return true;
  }

  void hello(wire::Reader& r) {
    protocol_version_ = r.u32("protocol_version");
    if (protocol_version_ != wire::kProtocolVersion && protocol_version_ != wire::kProtocolVersionFeatures) {
      throw wire::DecodeError("an unknown protocol version");
    }
    cluster_size_ = r.u32("cluster_size");
    config_.election_timeout_us_min = static_cast<std::uint64_t>(r.i64("election_timeout_min_us"));
    config_.election_timeout_us_max = static_cast<std::uint64_t>(r.i64("election_timeout_max_us"));
    config_.heartbeat_interval_us = static_cast<std::uint64_t>(r.i64("heartbeat_interval_us"));
    config_.max_entries_per_append = r.u32("max_entries_per_append");
    if (protocol_version_ == wire::kProtocolVersionFeatures) {
      const std::uint32_t features = r.u32("features");
      if (features > 3) throw wire::DecodeError("an unknown feature bit");
      config_.pre_vote = (features & 1U) != 0;  // bit 0: pre_vote (docs/protocol.md)
      config_.check_quorum = (features & 2U) != 0;  // bit 1: check_quorum
    }
    for (std::uint32_t n = 0; n < cluster_size_; ++n) config_.members.push_back(raft::NodeId(n));
    wire::Writer w(frame_, wire::kHelloOk);
    w.u32(inputs_ == options_.at && options_.what == "version" ? 99 : protocol_version_);
    w.str("reference-child");
    w.u32(9);
    for (const char* k : {"RequestVote", "RequestVoteReply", "AppendEntries", "AppendEntriesReply", "?", "?", "PreVote",
                          "PreVoteReply", "TimeoutNow"}) {
      w.str(k);
    }
    w.u32(2);
    w.str("election");
    w.str("heartbeat");
    write_all(STDOUT_FILENO, w.finish());
  }

  void start(wire::Reader& r, std::uint32_t node, raft::Output& out) {
    if (node >= cluster_size_) throw wire::DecodeError("START of a node outside the cluster");
    r.u32("incarnation");
    r.i64("now_us");
    r.u64("random_seed");  // the reference Raft asks the host for randomized timers instead
    const std::uint32_t count = r.count("record_count", 4);
    std::vector<raft::PersistRequest> records;
    for (std::uint32_t i = 0; i < count; ++i) records.push_back(adapters::process::testing::decode_record(r.bytes("record")));
    raft::Config config = config_;
    config.id = raft::NodeId(node);
    auto raft = std::make_unique<raft::Raft>(std::move(config), replay(records));
    raft->start(out);
    nodes_[node] = std::move(raft);
    ++starts_;
  }

  void send_output(const raft::Output& out) {
    wire::Writer w(frame_, wire::kOutput);
    const bool out_of_range = inputs_ == options_.at && options_.what == "range";
    w.u32(static_cast<std::uint32_t>(out.messages.size() + (out_of_range ? 1 : 0)));
    for (const raft::Envelope& e : out.messages) {
      w.u32(e.to.value);
      put_summary(w, e);
      w.bytes(adapters::process::testing::encode_envelope(e));
    }
    if (out_of_range) {
      w.u32(cluster_size_ + 3);
      w.u16(0);
      w.u64(0);
      w.u64(0);
      w.u64(0);
      w.bytes("x");
    }
    w.u32(static_cast<std::uint32_t>(out.persist.size()));
    for (const raft::PersistRequest& p : out.persist) {
      w.u64(p.token);
      w.u32(raft::persist_request_size_bytes(p));
      w.bytes(adapters::process::testing::encode_record(p));
    }
    w.u32(static_cast<std::uint32_t>(out.timers.size()));
    for (const raft::TimerRequest& t : out.timers) {
      w.u16(static_cast<std::uint16_t>(t.kind));
      w.i64(static_cast<std::int64_t>(t.delay_us_min));
      w.i64(static_cast<std::int64_t>(t.delay_us_max));
    }
    w.u32(static_cast<std::uint32_t>(out.replies.size()));
    for (const raft::ClientReply& c : out.replies) {
      w.u64(c.client_id);
      w.u64(c.request_id);
      w.u8(c.status == raft::ReplyStatus::ok ? 0 : c.status == raft::ReplyStatus::unknown ? 2 : 1);
      w.i32(c.leader_hint ? static_cast<std::int32_t>(c.leader_hint->value) : -1);
      w.str(c.value);
      w.u8(c.cas_succeeded ? 1 : 0);
      w.u64(c.index.value);
      w.u64(c.term.value);
    }
    w.u32(static_cast<std::uint32_t>(out.observations.size()));
    for (const raft::Observation& o : out.observations) {
      w.u8(observation_kind(o.kind));
      w.u64(o.a);
      w.u64(o.b);
      w.u64(o.c);
    }
    // One task per running node and one for the loop; with --leak a stopped node's task never ends.
    const std::int64_t tasks = 1 + static_cast<std::int64_t>(options_.leak ? starts_ : nodes_.size());
    w.i64(options_.no_tasks ? -1 : tasks);
    const auto frame = w.finish();
    if (inputs_ == options_.at && options_.what == "twice") {
      // In one write, so that raftsim sees both with the reply (two writes could be read a reply apart).
      std::vector<std::uint8_t> both(frame.begin(), frame.end());
      both.insert(both.end(), frame.begin(), frame.end());
      write_all(STDOUT_FILENO, both);
      return;
    }
    write_all(STDOUT_FILENO, frame);
  }

  void send_error(const std::string& message) {
    wire::Writer w(frame_, wire::kError);
    w.str(message);
    write_all(STDOUT_FILENO, w.finish());
  }

  void misbehave() {
    for (int i = 1; i <= options_.stderr_lines; ++i) std::fprintf(stderr, "child: stderr line %d of %d\n", i, options_.stderr_lines);
    std::fflush(stderr);
    const std::string& what = options_.what;
    if (what == "exit") ::_exit(options_.status);  // as a crashing runtime would: no clean-up
    if (what == "abort") std::abort();
    if (what == "hang") hang();
    if (what == "close") {
      ::close(STDOUT_FILENO);
      hang();
    }
    if (what == "error") {
      send_error("the test child was told to fail at this input");
      hang();  // raftsim must end it
    }
    if (what == "garbage") {
      const std::uint8_t frame[] = {3, 0, 0, 0, 77, 1, 2};
      write_all(STDOUT_FILENO, frame);
      hang();
    }
    if (what == "truncated") {
      // OUTPUT claiming two sends, then nothing.
      const std::uint8_t frame[] = {5, 0, 0, 0, wire::kOutput, 2, 0, 0, 0};
      write_all(STDOUT_FILENO, frame);
      hang();
    }
    if (what == "huge") {
      const std::uint8_t frame[] = {0, 0, 0, 0x7f, wire::kOutput};
      write_all(STDOUT_FILENO, frame);
      hang();
    }
    if (what == "flood") {
      const std::string line(99, 'x');
      for (int i = 0; i < 3000; ++i) std::fprintf(stderr, "%s\n", line.c_str());
      std::fflush(stderr);
    }
    // version, range, twice and flood: handled while answering normally
  }

  Options options_;
  std::uint64_t inputs_ = 0;
  std::uint32_t cluster_size_ = 0;
  std::uint32_t protocol_version_ = 1;  // as raftsim spoke it in HELLO (2: features, TRANSFER)
  raft::Config config_;
  std::map<std::uint32_t, std::unique_ptr<raft::Raft>> nodes_;
  std::uint64_t starts_ = 0;
  std::vector<std::uint8_t> frame_;
};

}  // namespace

int main(int argc, char** argv) {
  const Options options = parse(argc, argv);
  if (!options.pid_file.empty()) {
    std::FILE* f = std::fopen(options.pid_file.c_str(), "w");
    if (f == nullptr) usage("cannot write the pid file");
    std::fprintf(f, "%d\n", static_cast<int>(::getpid()));
    std::fclose(f);
  }
  return Child(options).run();
}
