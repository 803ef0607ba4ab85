// A tiny synchronous harness for the reference Raft tests: routes Envelopes between Raft objects through a
// FIFO network, completes persists immediately (or on demand), and fires timers only when a test asks.
// Deterministic: no clock, no randomness, no sleeps.
#pragma once

#include <catch2/catch.hpp>

#include <algorithm>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "raft/raft.h"
#include "raft/snapshot.h"

namespace raft_test {

using raft::AppendEntries;
using raft::AppendEntriesReply;
using raft::ClientReply;
using raft::Command;
using raft::Config;
using raft::DurableState;
using raft::Entry;
using raft::Envelope;
using raft::LogIndex;
using raft::Message;
using raft::NodeId;
using raft::Observation;
using raft::OpKind;
using raft::Output;
using raft::PersistRequest;
using raft::Raft;
using raft::ReplyStatus;
using raft::RequestVote;
using raft::RequestVoteReply;
using raft::Role;
using raft::Term;
using raft::TimerKind;

inline NodeId N(std::uint32_t id) { return NodeId(id); }
inline Term T(std::uint64_t term) { return Term(term); }
inline LogIndex I(std::uint64_t index) { return LogIndex(index); }

inline Config make_config(std::uint32_t id, std::uint32_t cluster_size) {
  Config config;
  config.id = NodeId(id);
  for (std::uint32_t i = 1; i <= cluster_size; ++i) config.members.push_back(NodeId(i));
  return config;
}

inline Command put(std::string key, std::string value, std::uint64_t client = 1, std::uint64_t request = 1) {
  Command c;
  c.op = OpKind::put;
  c.key = std::move(key);
  c.value = std::move(value);
  c.client_id = client;
  c.request_id = request;
  return c;
}

inline Command append(std::string key, std::string value, std::uint64_t client, std::uint64_t request) {
  Command c = put(std::move(key), std::move(value), client, request);
  c.op = OpKind::append;
  return c;
}

inline Command get(std::string key, std::uint64_t client, std::uint64_t request) {
  Command c;
  c.op = OpKind::get;
  c.key = std::move(key);
  c.client_id = client;
  c.request_id = request;
  return c;
}

inline Entry entry(std::uint64_t term, std::string key = "k", std::string value = "v") {
  // An empty key: a no-op entry (the default Command).
  return Entry(Term(term), key.empty() ? Command{} : put(std::move(key), std::move(value), 9, term));
}

// Apply one PersistRequest to a simulated disk, with the semantics documented in output.h.
inline void apply_persist(DurableState& disk, const PersistRequest& request) {
  raft::apply_persist_request(disk, request);
}

struct Node {
  std::unique_ptr<Raft> raft;
  DurableState disk;
  bool up = true;
  bool auto_persist = true;
  std::deque<PersistRequest> unpersisted;  // written to `disk` only when completed
  std::vector<ClientReply> replies;
  std::vector<Observation> observations;
  std::vector<raft::TimerRequest> timers;
  std::uint64_t last_token = 0;
  std::uint64_t clock_us = 0;  // the node's own clock (thesis 6.4.1), told to its Raft before every input
};

class Cluster {
 public:
  // `disks[i]` (if given) is the durable state node i+1 boots from.
  explicit Cluster(std::uint32_t size, std::function<void(Config&)> tweak = {},
                   std::vector<DurableState> disks = {})
      : size_(size) {
    for (std::uint32_t id = 1; id <= size; ++id) {
      nodes_.emplace(NodeId(id), Node{});
      if (id <= disks.size()) nodes_.at(NodeId(id)).disk = disks[id - 1];
      configs_.emplace(NodeId(id), make_config(id, size));
      if (tweak) tweak(configs_.at(NodeId(id)));
      boot(NodeId(id));
    }
  }

  Raft& raft(NodeId id) { return *nodes_.at(id).raft; }
  // Advance every node's clock by `us` (thesis 6.4.1: only lease reads read it).
  void advance_clocks(std::uint64_t us) {
    for (auto& [id, n] : nodes_) n.clock_us += us;
  }
  Node& node(NodeId id) { return nodes_.at(id); }
  std::deque<Envelope>& network() { return network_; }

  // Drop every message for which the filter returns true (applied when a message is sent).
  std::function<bool(const Envelope&)> drop;

  void boot(NodeId id) {
    Node& n = nodes_.at(id);
    n.raft = std::make_unique<Raft>(configs_.at(id), n.disk);
    n.unpersisted.clear();
    n.last_token = 0;
    n.up = true;
    Output out;
    n.raft->advance_clock(raft::LocalTime(n.clock_us));
    n.raft->start(out);
    handle(id, out);
  }

  // Crash: lose everything volatile (unpersisted writes, held messages); keep the disk.
  void crash(NodeId id) {
    Node& n = nodes_.at(id);
    n.up = false;
    n.unpersisted.clear();
    n.raft.reset();
    std::erase_if(network_, [&](const Envelope& e) { return e.to == id; });
  }

  void handle(NodeId id, Output& out) {
    Node& n = nodes_.at(id);
    for (const Envelope& e : out.messages) {
      REQUIRE(e.from == id);
      if (drop && drop(e)) continue;
      network_.push_back(e);
    }
    n.replies.insert(n.replies.end(), out.replies.begin(), out.replies.end());
    n.observations.insert(n.observations.end(), out.observations.begin(), out.observations.end());
    n.timers.insert(n.timers.end(), out.timers.begin(), out.timers.end());
    std::vector<PersistRequest> persists(out.persist.begin(), out.persist.end());
    for (const PersistRequest& p : persists) {
      REQUIRE(p.token == n.last_token + 1);  // tokens increase by one from 1
      n.last_token = p.token;
      n.unpersisted.push_back(p);
    }
    if (n.auto_persist) complete_persists(id);
  }

  // Complete every outstanding write of `id`, in order.
  void complete_persists(NodeId id) {
    Node& n = nodes_.at(id);
    while (!n.unpersisted.empty() && n.raft) {
      PersistRequest p = n.unpersisted.front();
      n.unpersisted.pop_front();
      apply_persist(n.disk, p);
      Output out;
      n.raft->advance_clock(raft::LocalTime(n.clock_us));
      n.raft->on_persisted(p.token, out);
      handle(id, out);
    }
  }

  void deliver(const Envelope& e) {
    Node& n = nodes_.at(e.to);
    if (!n.up) return;
    Output out;
    n.raft->advance_clock(raft::LocalTime(n.clock_us));
    n.raft->step(e, out);
    handle(e.to, out);
  }

  // Deliver queued messages in FIFO order until the network is quiet.
  void deliver_all(int limit = 100000) {
    while (!network_.empty()) {
      REQUIRE(--limit > 0);
      Envelope e = network_.front();
      network_.pop_front();
      deliver(e);
    }
  }

  void fire(NodeId id, TimerKind kind) {
    Node& n = nodes_.at(id);
    REQUIRE(n.up);
    Output out;
    n.raft->advance_clock(raft::LocalTime(n.clock_us));
    n.raft->on_timer(kind, out);
    handle(id, out);
  }

  void client(NodeId id, const Command& command) {
    Output out;
    nodes_.at(id).raft->advance_clock(raft::LocalTime(nodes_.at(id).clock_us));
    nodes_.at(id).raft->on_client_request(command, out);
    handle(id, out);
  }

  // Make `id` time out and run the election to completion.
  void elect(NodeId id) {
    fire(id, TimerKind::election);
    deliver_all();
  }

  void heartbeat(NodeId id) {
    fire(id, TimerKind::heartbeat);
    deliver_all();
  }

  std::vector<NodeId> leaders() const {
    std::vector<NodeId> result;
    for (const auto& [id, n] : nodes_) {
      if (n.up && n.raft->role() == Role::leader) result.push_back(id);
    }
    return result;
  }

  void check_all_invariants() const {
    for (const auto& [id, n] : nodes_) {
      if (n.up) n.raft->check_invariants();
    }
  }

  std::uint32_t size() const { return size_; }

 private:
  std::uint32_t size_;
  std::map<NodeId, Node> nodes_;
  std::map<NodeId, Config> configs_;
  std::deque<Envelope> network_;
};

// Drive a single Raft directly (no cluster), collecting all its outputs.
struct Single {
  explicit Single(Config config, DurableState durable = {}) : raft(std::move(config), std::move(durable)) {
    raft.start(out);
  }
  Output step(NodeId from, Message message) {
    Output o;
    raft.step(Envelope{from, raft.id(), std::move(message)}, o);
    return o;
  }
  // Persist everything `o` asked for, returning the output of the on_persisted calls.
  Output persist_all(const Output& o) {
    Output result;
    for (const PersistRequest& p : o.persist) raft.on_persisted(p.token, result);
    return result;
  }
  Raft raft;
  Output out;
};

// From a node's collected observations (a std::vector) or one Output's (an OutputBuffer).
inline std::vector<Observation> of_kind(std::span<const Observation> all, Observation::Kind kind) {
  std::vector<Observation> result;
  for (const Observation& o : all) {
    if (o.kind == kind) result.push_back(o);
  }
  return result;
}

template <typename M>
std::vector<M> messages_of(const Output& out) {
  std::vector<M> result;
  for (const Envelope& e : out.messages) {
    if (const M* m = std::get_if<M>(&e.message)) result.push_back(*m);
  }
  return result;
}

}  // namespace raft_test
