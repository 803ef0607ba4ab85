// Issue 15: hostile history files give a HistoryParseError naming the file and line, never a crash, a
// hang or a verdict about input that was not read.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "checkers/history_parse.h"

namespace {

using checkers::HistoryFormat;
using checkers::HistoryParseError;

bool contains(const std::string& haystack, const std::string& needle) { return haystack.find(needle) != std::string::npos; }

std::string parse_error(const std::string& text, HistoryFormat format) {
  try {
    checkers::parse_history(text, "h", format);
  } catch (const HistoryParseError& e) {
    return e.what();
  }
  FAIL("expected a HistoryParseError for a " << text.size() << "-byte history");
  return {};
}

}  // namespace

TEST_CASE("history hardening: deeply nested EDN is an error, not a stack overflow (item 4)", "[history][hardening]") {
  // 50,000 nested vectors crashed the recursive reader (exit 139); under ASan 10,000 gave "not linearizable".
  for (const std::size_t depth : {65u, 10'000u, 50'000u}) {
    const std::string value = std::string(depth, '[') + std::string(depth, ']');
    const std::string line = "{:process 0, :type :invoke, :f :put, :key \"1\", :value " + value + "}\n";
    const std::string what = parse_error(line, HistoryFormat::jepsen_edn_kv);
    CHECK(contains(what, "h:1:"));
    CHECK(contains(what, "nested deeper than 64"));
  }
  // 64 levels are still read (the value is then rejected for what it is, a vector, not for its depth).
  const std::string ok_depth = "{:process 0, :type :invoke, :f :put, :key \"1\", :value " + std::string(64, '[') + std::string(64, ']') + "}";
  CHECK_FALSE(contains(parse_error(ok_depth, HistoryFormat::jepsen_edn_kv), "nested deeper"));
}

TEST_CASE("history hardening: JSON Lines reject duplicate keys, number overflow and deep nesting with the line", "[history][hardening]") {
  const std::string good = "{\"type\":\"invoke\",\"f\":\"put\",\"key\":\"k\",\"value\":\"1\",\"process\":0,\"op\":1,\"time_us\":1}\n";
  const std::string dup = "{\"type\":\"invoke\",\"type\":\"ok\",\"f\":\"put\",\"key\":\"k\",\"value\":\"1\",\"process\":0,\"op\":2,\"time_us\":2}\n";
  CHECK(contains(parse_error(good + dup, HistoryFormat::raftsim_jsonl), "h:2: the key \"type\" appears twice"));
  const std::string overflow = "{\"type\":\"invoke\",\"f\":\"put\",\"key\":\"k\",\"value\":\"1\",\"process\":0,\"op\":2,\"time_us\":1e400}\n";
  CHECK(contains(parse_error(good + overflow, HistoryFormat::raftsim_jsonl), "h:2:"));
  const std::string deep = "{\"type\":" + std::string(1000, '[') + std::string(1000, ']') + "}\n";
  CHECK(contains(parse_error(deep, HistoryFormat::raftsim_jsonl), "h:1: nested deeper"));
}

TEST_CASE("history hardening: a NUL byte is an error in every format (item 21)", "[history][hardening]") {
  const std::string line = "{\"type\":\"invoke\",\"f\":\"get\",\"key\":\"k\",\"process\":0,\"op\":1,\"time_us\":1}";
  const std::string text = line + '\0' + "garbage\n";
  for (const auto format : {HistoryFormat::raftsim_jsonl, HistoryFormat::jepsen_etcd, HistoryFormat::jepsen_edn_kv}) {
    CHECK(contains(parse_error(text, format), "h:1: a NUL byte"));
  }
}

TEST_CASE("history hardening: only regular files are read, and a missing one has no line 0 (items 6, 18, 21)", "[history][hardening]") {
  namespace fs = std::filesystem;
  auto load_error = [](const std::string& path) -> std::string {
    try {
      checkers::load_history_file(path);
    } catch (const HistoryParseError& e) {
      return e.what();
    }
    FAIL("expected a HistoryParseError for " << path);
    return {};
  };
  const std::string missing = load_error("/nonexistent/history.jsonl");
  CHECK(missing.rfind("/nonexistent/history.jsonl: ", 0) == 0);
  CHECK_FALSE(contains(missing, ":0:"));
  const fs::path dir = fs::temp_directory_path() / ("raftsim-history-dir-" + std::to_string(::getpid()) + ".jsonl");
  fs::create_directories(dir);
  CHECK(contains(load_error(dir.string()), "a directory"));
  fs::remove_all(dir);
  CHECK(contains(load_error("/dev/zero"), "not a regular file"));  // read until bad_alloc before
}
