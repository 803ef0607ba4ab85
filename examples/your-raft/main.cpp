// example-raftsim: raftsim's whole command line with one more implementation, "example".
#include "example_node.h"
#include "tools/cli.h"
#include "tools/registry/implementations.h"

int main(int argc, char** argv) {
  tools::register_builtin_implementations();  // "reference" (and "libraft" if built): to compare with
  example::register_example();
  return tools::cli_main(argc, argv);
}
