#include "tools/runner/interrupt.h"

#include <csignal>

namespace tools {

namespace {
volatile std::sig_atomic_t g_interrupts = 0;

extern "C" void on_interrupt(int) { g_interrupts = g_interrupts + 1; }
}  // namespace

void install_interrupt_handlers() {
  struct sigaction action {};
  action.sa_handler = on_interrupt;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;  // no SA_RESTART: a blocking poll() returns at once
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

int interrupt_count() { return static_cast<int>(g_interrupts); }

}  // namespace tools
