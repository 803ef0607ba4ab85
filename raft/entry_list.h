// The entries an AppendEntries carries or a PersistRequest writes: a sequence of log entries that holds one
// entry in place and more on the heap.
//
// Why not std::vector<Entry>: most messages and writes carry exactly one entry (each client request is one
// entry, replicated to each follower as it arrives and written once by every node), and a vector allocated
// a buffer for it: nine allocations and frees per request in a five-node cluster, about 45 instructions per
// trace event of basic.json (issue 14). A list of one entry holds it in place; a list of more holds them in
// a vector, as before.
//
// Read like a const std::vector<Entry> (size, empty, operator[], front, back, begin/end as pointers, so
// that std::span and iterator-pair constructors take it); built from an iterator range, a vector, an
// initializer list, or by push_back. Entries are immutable (raft/command.h), so elements are read-only.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <optional>
#include <utility>
#include <vector>

#include "base/assert.h"
#include "raft/command.h"

namespace raft {

class EntryList {
 public:
  using value_type = Entry;
  using size_type = std::size_t;
  using const_iterator = const Entry*;
  using iterator = const Entry*;

  EntryList() = default;
  EntryList(const Entry* first, const Entry* last) { assign(first, last); }
  EntryList(std::initializer_list<Entry> entries) { assign(entries.begin(), entries.end()); }
  // Implicit, as a std::vector<Entry> was the type before (adapters and tests build one and assign it).
  EntryList(const std::vector<Entry>& entries) { assign(entries.data(), entries.data() + entries.size()); }
  EntryList(std::vector<Entry>&& entries) {  // implicit too
    if (entries.size() == 1) {
      one_.emplace(std::move(entries.front()));
    } else {
      many_ = std::move(entries);
    }
  }

  EntryList(const EntryList&) = default;
  EntryList& operator=(const EntryList&) = default;
  // A moved-from list is empty (a moved-from Entry may only be destroyed: it must not be counted).
  EntryList(EntryList&& other) noexcept : one_(std::move(other.one_)), many_(std::move(other.many_)) {
    other.one_.reset();
  }
  EntryList& operator=(EntryList&& other) noexcept {
    one_ = std::move(other.one_);
    many_ = std::move(other.many_);
    other.one_.reset();
    other.many_.clear();
    return *this;
  }
  ~EntryList() = default;

  std::size_t size() const { return one_.has_value() ? 1 : many_.size(); }
  bool empty() const { return !one_.has_value() && many_.empty(); }
  const Entry* data() const { return one_.has_value() ? &*one_ : many_.data(); }
  const Entry* begin() const { return data(); }
  const Entry* end() const { return data() + size(); }
  const Entry& operator[](std::size_t i) const {
    RAFTSIM_ASSERT(i < size());
    return data()[i];
  }
  const Entry& front() const { return (*this)[0]; }
  const Entry& back() const { return (*this)[size() - 1]; }

  // Fills an empty list with [first, last) (Log::slice_into: a message or a write is built where it is
  // sent, with no temporary list moved into it and destroyed).
  void assign(const Entry* first, const Entry* last) {
    RAFTSIM_ASSERT(first <= last);
    RAFTSIM_ASSERT(empty());
    if (last - first == 1) {
      one_.emplace(*first);
    } else if (first != last) {
      many_.assign(first, last);
    }
    RAFTSIM_ASSERT(size() == static_cast<std::size_t>(last - first));
  }

  void push_back(Entry entry) {
    if (empty()) {
      one_.emplace(std::move(entry));
    } else {
      if (one_.has_value()) {
        RAFTSIM_ASSERT(many_.empty());
        many_.reserve(2);
        many_.push_back(std::move(*one_));
        one_.reset();
      }
      many_.push_back(std::move(entry));
    }
    RAFTSIM_ASSERT(!one_.has_value() || many_.empty());
  }

  friend bool operator==(const EntryList& a, const EntryList& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (!(a.data()[i] == b.data()[i])) return false;
    }
    return true;
  }

 private:
  // Exactly one entry: in one_ (many_ empty). None or more than one: in many_ (one_ empty).
  std::optional<Entry> one_;
  std::vector<Entry> many_;
};

}  // namespace raft
