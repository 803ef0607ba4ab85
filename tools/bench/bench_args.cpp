#include "tools/bench/bench_args.h"

#include <cstdio>
#include <cstdlib>

#include "tools/registry/implementations.h"
#include "tools/scenario/input_error.h"

namespace tools {

std::optional<BenchArgs> parse_bench_args(int argc, char** argv, const char* program) {
  register_builtin_implementations();  // the benchmarks' scenarios name built-in implementations
  BenchArgs args;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--seconds" && i + 1 < argc) {
      args.seconds = std::atof(argv[++i]);
    } else if (a == "--seeds" && i + 1 < argc) {
      args.seeds = std::strtoull(argv[++i], nullptr, 10);
    } else if (a == "--checkers-off") {
      args.checkers = false;
      args.history_check = false;
    } else if (a == "--history-check-off") {
      args.history_check = false;
    } else if (!a.empty() && a[0] != '-') {
      args.path = a;
    } else {
      std::fprintf(stderr, "usage: %s [SCENARIO] [--seconds S] [--seeds N] [--checkers-off] [--history-check-off]\n", program);
      return std::nullopt;
    }
  }
  if (args.seconds <= 0 || args.seeds == 0) {
    std::fprintf(stderr, "%s: --seconds and --seeds must be positive\n", program);
    return std::nullopt;
  }
  try {
    args.scenario = load_scenario_file(args.path);
  } catch (const InputError& e) {
    std::fprintf(stderr, "%s: %s\n", program, e.what());
    return std::nullopt;
  }
  return args;
}

}  // namespace tools
