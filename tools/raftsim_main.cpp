// The raftsim executable: the built-in implementations, then the command line (tools/main.cpp).
#include "tools/cli.h"
#include "tools/registry/implementations.h"

int main(int argc, char** argv) {
  tools::register_builtin_implementations();
  return tools::cli_main(argc, argv);
}
