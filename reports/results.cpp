#include "reports/results.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/assert.h"

namespace reports {

namespace {

std::string xml_escape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace

void write_results_json(std::ostream& out, const RunResults& r) {
  nlohmann::ordered_json j;
  j["format"] = "raftsim-results-1";
  j["version"] = r.version;
  j["shard"] = r.shard;
  j["scenarios"] = nlohmann::ordered_json::array();
  for (const ScenarioResults& s : r.scenarios) {
    nlohmann::ordered_json js;
    js["name"] = s.name;
    js["file"] = s.file;
    js["impl"] = s.impl;
    if (!s.command.empty()) js["command"] = s.command;
    js["seeds"] = nlohmann::ordered_json::array();
    for (const SeedResult& x : s.seeds) {
      nlohmann::ordered_json o;
      o["seed"] = x.seed;
      o["verdict"] = x.verdict;
      o["outcome"] = x.outcome;
      if (!x.checker.empty()) o["checker"] = x.checker;
      if (!x.message.empty()) o["message"] = x.message;
      o["trace_hash"] = fmt::format("{:016x}", x.trace_hash);
      o["events"] = x.events;
      o["elections"] = x.elections;
      o["ops_ok"] = x.ops_ok;
      o["wall_seconds"] = x.wall_seconds;
      if (x.verdict != "pass") o["reproduce"] = x.reproduce;
      if (!x.metrics.is_null()) o["metrics"] = x.metrics;
      if (!x.baseline_metrics.is_null()) o["baseline_metrics"] = x.baseline_metrics;
      js["seeds"].push_back(std::move(o));
    }
    if (!s.metrics.is_null()) js["metrics"] = s.metrics;
    j["scenarios"].push_back(std::move(js));
  }
  out << j.dump(1) << '\n';
}

RunResults read_results_json(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(fmt::format("{}: cannot open the results file", path));
  RunResults r;
  try {
    const nlohmann::json j = nlohmann::json::parse(in);
    if (j.at("format") != "raftsim-results-1") throw std::runtime_error("not a raftsim results file (format)");
    r.version = j.at("version").get<std::string>();
    r.shard = j.at("shard").get<std::string>();
    for (const auto& js : j.at("scenarios")) {
      ScenarioResults s;
      s.name = js.at("name").get<std::string>();
      s.file = js.at("file").get<std::string>();
      s.impl = js.value("impl", std::string("reference"));
      s.command = js.value("command", std::vector<std::string>{});
      if (js.contains("metrics")) s.metrics = js.at("metrics");
      for (const auto& o : js.at("seeds")) {
        SeedResult x;
        x.seed = o.at("seed").get<std::uint64_t>();
        x.verdict = o.at("verdict").get<std::string>();
        x.outcome = o.at("outcome").get<std::string>();
        x.checker = o.value("checker", "");
        x.message = o.value("message", "");
        x.trace_hash = std::stoull(o.at("trace_hash").get<std::string>(), nullptr, 16);
        x.events = o.at("events").get<std::uint64_t>();
        x.elections = o.at("elections").get<std::uint64_t>();
        x.ops_ok = o.at("ops_ok").get<std::uint64_t>();
        x.wall_seconds = o.at("wall_seconds").get<double>();
        x.reproduce = o.value("reproduce", "");
        if (o.contains("metrics")) x.metrics = o.at("metrics");
        if (o.contains("baseline_metrics")) x.baseline_metrics = o.at("baseline_metrics");
        s.seeds.push_back(std::move(x));
      }
      r.scenarios.push_back(std::move(s));
    }
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(fmt::format("{}: not a valid raftsim results file: {}", path, e.what()));
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(fmt::format("{}: not a valid raftsim results file: {}", path, e.what()));
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(fmt::format("{}: {}", path, e.what()));
  }
  return r;
}

RunResults merge_results(const std::vector<RunResults>& parts) {
  RAFTSIM_ASSERT(!parts.empty());
  RunResults merged;
  merged.version = parts.front().version;
  std::map<std::string, std::size_t> by_file;  // ordered: merged scenarios come out sorted by file
  std::map<std::string, ScenarioResults> scenarios;
  for (const RunResults& p : parts) {
    if (p.version != merged.version) {
      throw std::runtime_error(fmt::format("shards come from different raftsim versions ({} and {})", merged.version, p.version));
    }
    for (const ScenarioResults& s : p.scenarios) {
      ScenarioResults& into = scenarios[s.file];
      if (!into.seeds.empty() && (into.impl != s.impl || into.command != s.command)) {
        throw std::runtime_error(fmt::format("{} ran as implementation {} in one shard and {} in another", s.file,
                                             into.impl, s.impl));
      }
      into.name = s.name;
      into.file = s.file;
      into.impl = s.impl;
      into.command = s.command;
      into.seeds.insert(into.seeds.end(), s.seeds.begin(), s.seeds.end());
    }
  }
  for (auto& [file, s] : scenarios) {
    std::sort(s.seeds.begin(), s.seeds.end(), [](const SeedResult& a, const SeedResult& b) { return a.seed < b.seed; });
    for (std::size_t i = 1; i < s.seeds.size(); ++i) {
      if (s.seeds[i].seed == s.seeds[i - 1].seed) {
        throw std::runtime_error(fmt::format("seed {} of {} appears in two shards", s.seeds[i].seed, file));
      }
    }
    merged.scenarios.push_back(std::move(s));
  }
  RAFTSIM_ASSERT(merged.scenarios.size() == scenarios.size());
  return merged;
}

void write_junit(std::ostream& out, const RunResults& r) {
  std::size_t tests = 0, failures = 0;
  for (const auto& s : r.scenarios) {
    tests += s.seeds.size();
    for (const auto& x : s.seeds) failures += x.verdict != "pass";
  }
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out << fmt::format("<testsuites name=\"raftsim\" tests=\"{}\" failures=\"{}\">\n", tests, failures);
  for (const auto& s : r.scenarios) {
    std::size_t f = 0;
    double time = 0;
    for (const auto& x : s.seeds) {
      f += x.verdict != "pass";
      time += x.wall_seconds;
    }
    out << fmt::format("  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" time=\"{:.3f}\">\n", xml_escape(s.name),
                       s.seeds.size(), f, time);
    for (const auto& x : s.seeds) {
      out << fmt::format("    <testcase classname=\"{}\" name=\"seed {}\" time=\"{:.4f}\"", xml_escape(s.name), x.seed,
                         x.wall_seconds);
      if (x.verdict == "pass") {
        out << "/>\n";
        continue;
      }
      out << fmt::format(">\n      <failure type=\"{}\" message=\"{}\">reproduce: {}</failure>\n    </testcase>\n",
                         xml_escape(x.verdict), xml_escape(x.message), xml_escape(x.reproduce));
    }
    out << "  </testsuite>\n";
  }
  out << "</testsuites>\n";
}

}  // namespace reports
