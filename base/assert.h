// Assertions that stay on in every build type.
//
// A simulation harness that silently continues past a broken invariant produces a wrong verdict, which
// is worse than a crash: these checks are cheap and always enabled. Expensive whole-state invariant checks
// are guarded by RAFTSIM_DEBUG_INVARIANTS instead (on in Debug and sanitizer builds).
#pragma once

#include <cstdio>
#include <cstdlib>

#define RAFTSIM_ASSERT(cond)                                                                  \
  do {                                                                                        \
    if (!(cond)) [[unlikely]] {                                                               \
      std::fprintf(stderr, "raftsim: assertion failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
      std::abort();                                                                           \
    }                                                                                         \
  } while (0)

#define RAFTSIM_ASSERT_MSG(cond, msg)                                                               \
  do {                                                                                              \
    if (!(cond)) [[unlikely]] {                                                                     \
      std::fprintf(stderr, "raftsim: assertion failed: %s: %s (%s:%d)\n", #cond, msg, __FILE__, __LINE__); \
      std::abort();                                                                                 \
    }                                                                                               \
  } while (0)

#ifndef RAFTSIM_DEBUG_INVARIANTS
#ifdef NDEBUG
#define RAFTSIM_DEBUG_INVARIANTS 0
#else
#define RAFTSIM_DEBUG_INVARIANTS 1
#endif
#endif
