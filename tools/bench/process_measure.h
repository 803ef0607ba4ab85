// What the benchmark programs measure of their own process (Linux): CPU time and peak resident memory.
// CPU time, not wall time: the machine is shared and wall time says more about the neighbours than the code.
#pragma once

#include <malloc.h>
#include <time.h>

#include <cstdlib>
#include <fstream>
#include <string>

namespace tools::bench {

// User + system CPU seconds of the whole process so far (CLOCK_PROCESS_CPUTIME_ID).
inline double process_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// Peak resident set size in MiB (VmHWM in /proc/self/status); 0 if unavailable.
inline double peak_rss_mib() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return static_cast<double>(std::strtoull(line.c_str() + 6, nullptr, 10)) / 1024.0;
  }
  return 0;
}

// Resets VmHWM to the current RSS (Linux >= 4.0), after handing what was freed back to the kernel so that it
// does not count in the next case; false where the kernel refuses (peaks then accumulate).
inline bool reset_peak_rss() {
  malloc_trim(0);
  std::ofstream out("/proc/self/clear_refs");
  out << "5";
  out.flush();
  return static_cast<bool>(out);
}

}  // namespace tools::bench
