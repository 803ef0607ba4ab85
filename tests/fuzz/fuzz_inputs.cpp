// A seeded mutation fuzzer for raftsim's input parsers (issue 15): the scenario loader, the history
// readers (raftsim JSON Lines, Jepsen etcd logs, EDN key-value maps) and the failure-record loader.
//
//   raftsim_fuzz_inputs CORPUS_DIR ITERATIONS SEED
//
// Each iteration mutates a corpus file (byte flips, inserted tokens that parsers find hard, deletions,
// duplicated or spliced chunks) and feeds the result to every parser. Each must either succeed or throw
// the project's input error (tools::InputError, checkers::HistoryParseError). Any other exception is
// reported with the input and fails the run; a crash or an assertion failure fails it too (ctest sees the
// signal). Deterministic: the same seed gives the same inputs, so a failure is reproduced by its command.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <typeinfo>
#include <string>
#include <vector>

#include "checkers/history_parse.h"
#include "sim/rng.h"
#include "tools/runner/failure_record.h"
#include "tools/scenario/input_error.h"
#include "tools/scenario/scenario.h"

namespace {

namespace fs = std::filesystem;

// Tokens that reach the parsers' edge cases: JSON/EDN structure, numbers at and beyond every bound,
// negative zero, NUL, comments, raftsim's special node names, Jepsen keywords.
const std::vector<std::string> kTokens = {
    std::string(1, '\0'), "[", "]", "{", "}", ",", ":", "\"", "\\", "\n", "//", "/*", "*/",
    "1e400", "-1e400", "1e-400", "-0", "-1", "0", "0.0001", "2147483648", "9223372036854775807", "9223372036854775808",
    "18446744073709551616", "1" + std::string(400, '0'), "null", "true", "false", "nil", "\"leader\"", "\"all\"",
    "[[[[[[[[[[[[[[[[", "]]]]]]]]", "{\"a\":{\"a\":{\"a\":", "\"\\u0000\"", "\"\\ud800\"", ":invoke", ":ok", ":fail", ":info",
    ":nemesis", "[1 2]", "[3 0]", "\"cluster\":{}", "\"nodes\":0", "\"duration_ms\":1", "\"interval_ms_min\":0.001",
    "\"heartbeat_interval_ms\":0.1", "\"impl\":\"libraft\"", "\"kind\":\"fixed\"", "\"min_ms\":0", "\xff\xfe", "\t"};

struct Entry {
  std::string name;
  std::string text;
};

std::vector<Entry> load_corpus(const fs::path& dir) {
  std::vector<Entry> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    std::ifstream in(e.path(), std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    out.push_back({fs::relative(e.path(), dir).string(), s.str()});
  }
  // Directory order is not defined: sort, so that a seed means the same inputs everywhere.
  std::sort(out.begin(), out.end(), [](const Entry& a, const Entry& b) { return a.name < b.name; });
  return out;
}

std::size_t pick(sim::Rng& rng, std::size_t n) { return n == 0 ? 0 : static_cast<std::size_t>(rng.below(n)); }

void mutate_once(std::string& t, sim::Rng& rng, const std::vector<Entry>& corpus) {
  const std::size_t at = pick(rng, t.size() + 1);
  switch (rng.below(7)) {
    case 0:  // flip a byte
      if (!t.empty()) t[pick(rng, t.size())] = static_cast<char>(rng.below(256));
      break;
    case 1:  // insert a hard token
      t.insert(at, kTokens[pick(rng, kTokens.size())]);
      break;
    case 2:  // delete a short range
      if (at < t.size()) t.erase(at, 1 + pick(rng, 16));
      break;
    case 3: {  // duplicate a chunk elsewhere
      if (t.empty()) break;
      const std::size_t from = pick(rng, t.size());
      const std::string chunk = t.substr(from, 1 + pick(rng, 64));
      t.insert(pick(rng, t.size() + 1), chunk);
      break;
    }
    case 4: {  // splice in a chunk of another corpus file
      const std::string& other = corpus[pick(rng, corpus.size())].text;
      if (other.empty()) break;
      const std::size_t from = pick(rng, other.size());
      t.insert(at, other.substr(from, 1 + pick(rng, 128)));
      break;
    }
    case 5: {  // replace a number with a hard one
      const std::size_t digit = t.find_first_of("0123456789", at);
      if (digit == std::string::npos) break;
      std::size_t end = digit;
      while (end < t.size() && (std::isdigit(static_cast<unsigned char>(t[end])) || t[end] == '.')) ++end;
      t.replace(digit, end - digit, kTokens[13 + pick(rng, 11)]);  // the numbers in kTokens
      break;
    }
    default: {  // duplicate a line (repeated keys, repeated invokes)
      const std::size_t start = t.rfind('\n', at == 0 ? 0 : at - 1);
      const std::size_t from = start == std::string::npos ? 0 : start + 1;
      const std::size_t end = t.find('\n', from);
      const std::string line = t.substr(from, end == std::string::npos ? std::string::npos : end - from + 1);
      t.insert(from, line);
      break;
    }
  }
  if (t.size() > (1u << 16)) t.resize(1u << 16);  // keep iterations cheap
}

std::string printable(const std::string& s) {
  std::string out;
  for (const char c : s.substr(0, 400)) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 32 && u < 127) {
      out += c;
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", u);
      out += buf;
    }
  }
  return s.size() > 400 ? out + "..." : out;
}

// Runs one parser; returns false (after reporting) if it threw anything but the project's input errors.
template <typename F>
bool survives(const char* parser, const std::string& input, std::uint64_t iteration, F&& fn) {
  try {
    fn();
    return true;
  } catch (const tools::InputError&) {
    return true;
  } catch (const checkers::HistoryParseError&) {
    return true;
  } catch (const std::exception& e) {
    std::cerr << "fuzz: iteration " << iteration << ": " << parser << " threw " << typeid(e).name() << ": " << e.what()
              << "\n  input: " << printable(input) << "\n";
  } catch (...) {
    std::cerr << "fuzz: iteration " << iteration << ": " << parser << " threw a non-exception\n  input: " << printable(input) << "\n";
  }
  return false;
}

bool feed(const std::string& input, std::uint64_t iteration) {
  using checkers::HistoryFormat;
  bool ok = true;
  ok &= survives("scenario", input, iteration, [&] {
    const tools::Scenario s = tools::parse_scenario(input, "fuzz.json");
    (void)tools::describe_scenario(tools::expand_for_seed(s, iteration));
  });
  ok &= survives("record", input, iteration, [&] { (void)tools::parse_failure_record(input, "fuzz.json"); });
  ok &= survives("history (detect)", input, iteration, [&] { (void)checkers::detect_history_format(input, "fuzz.log"); });
  for (const auto format : {HistoryFormat::raftsim_jsonl, HistoryFormat::jepsen_etcd, HistoryFormat::jepsen_edn_kv}) {
    ok &= survives(checkers::history_format_name(format), input, iteration,
                   [&] { (void)checkers::parse_history(input, "fuzz.log", format); });
  }
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: raftsim_fuzz_inputs CORPUS_DIR ITERATIONS SEED\n";
    return 3;
  }
  const std::vector<Entry> corpus = load_corpus(argv[1]);
  const std::uint64_t iterations = std::strtoull(argv[2], nullptr, 10);
  const std::uint64_t seed = std::strtoull(argv[3], nullptr, 10);
  if (corpus.empty()) {
    std::cerr << "fuzz: no files in the corpus " << argv[1] << "\n";
    return 3;
  }
  sim::Rng rng(seed, sim::Stream::faults);
  std::uint64_t failures = 0;
  for (const Entry& e : corpus) failures += feed(e.text, 0) ? 0 : 1;  // the unmutated corpus first
  for (std::uint64_t i = 1; i <= iterations && failures < 10; ++i) {
    std::string input = corpus[pick(rng, corpus.size())].text;
    const std::uint64_t mutations = 1 + rng.below(8);
    for (std::uint64_t m = 0; m < mutations; ++m) mutate_once(input, rng, corpus);
    failures += feed(input, i) ? 0 : 1;
  }
  std::cout << "fuzz: " << iterations << " mutated inputs from " << corpus.size() << " corpus files (seed " << seed << "), "
            << failures << " failures\n";
  return failures == 0 ? 0 : 1;
}
