// A client history, independent of where it came from (a raftsim run, a raftsim JSON Lines file, a Jepsen
// etcd log, a Jepsen EDN key-value log): the input of the linearizability checker.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace checkers {

// One operation, invoke and completion paired.
struct Operation {
  enum class Fn : std::uint8_t {
    read = 0,    // get / read: `output` is the value read (nullopt: nil, the register's initial value)
    write = 1,   // put / write: `input` replaces the value
    append = 2,  // append: `input` is concatenated to the value (nil/absent counts as "")
    cas = 3,     // compare-and-set: if value == `expected` then value = `input`
  };
  enum class Outcome : std::uint8_t {
    ok = 0,    // took effect exactly once, between invoke and complete (for cas: `cas_succeeded` says which way)
    fail = 1,  // definitely did not take effect. Exception: a cas that failed because the compare did not
               // match is reported as ok with cas_succeeded = false, since it constrains the history.
    info = 2,  // unknown: took effect once at some time after invoke, or never; complete_time is "never"
  };
  static constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::max();

  std::uint64_t process = 0;
  Fn fn = Fn::read;
  std::string key;  // "" for single-register histories
  std::optional<std::string> input;
  std::optional<std::string> expected;
  std::optional<std::string> output;  // reads that completed ok
  Outcome outcome = Outcome::ok;
  bool cas_succeeded = true;
  // Any monotone clock; only the order matters. Invoke and complete times are distinct events in the
  // source, so a history may use event positions as times.
  std::int64_t invoke_time = 0;
  std::int64_t complete_time = kNever;
  std::uint64_t id = 0;  // the source's op id, or invoke line number, for witnesses
};

struct History {
  // The value every key holds before the first write: nullopt (nil, as in Jepsen registers) or "" (the
  // key-value histories, where an absent key reads as "").
  std::optional<std::string> initial_value;
  std::vector<Operation> operations;
};

enum class HistoryFormat : std::uint8_t { raftsim_jsonl, jepsen_etcd, jepsen_edn_kv };

// Thrown by the parsers: names the file and line and what was expected.
class HistoryParseError : public std::runtime_error {
 public:
  // line 0: the error concerns the whole file (it cannot be opened, it is a directory...).
  HistoryParseError(const std::string& file, std::size_t line, const std::string& message)
      : std::runtime_error(file + (line > 0 ? ":" + std::to_string(line) : std::string()) + ": " + message) {}
};

}  // namespace checkers
