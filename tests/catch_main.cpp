// Catch2's implementation and the tests' main: the built-in implementations are registered first, as
// raftsim's own main does (tools/raftsim_main.cpp).
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include "tools/registry/implementations.h"

int main(int argc, char* argv[]) {
  tools::register_builtin_implementations();
  return Catch::Session().run(argc, argv);
}
