// Ctrl-C (SIGINT) and SIGTERM during a multi-seed run: the first one asks the runner to stop handing out
// seeds and to finish the seeds in flight; a second one abandons them (they are reported as lost). The
// commands then write what they have (records, --json, the table) and say what was lost.
#pragma once

namespace tools {

// Installs the handlers (idempotent). Commands that run many seeds call it once at the start.
void install_interrupt_handlers();
// How many interrupts arrived so far (0: none). Safe to call from anywhere, any time.
int interrupt_count();
// The exit code of a run stopped by an interrupt before it found a failure (128 + SIGINT, the shells'
// convention).
inline constexpr int kExitInterrupted = 130;

}  // namespace tools
