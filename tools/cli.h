// raftsim's command line as a library: every subcommand (run, fuzz, replay, shrink, mutants, check,
// check-trace, merge) for the implementations registered so far (tools/registry/implementations.h).
//
// raftsim's own executable (tools/raftsim_main.cpp) registers the built-in implementations and calls
// cli_main; an out-of-tree project registers its own as well and gets the same CLI under its name
// (docs/your-raft.md, examples/your-raft/).
#pragma once

namespace tools {

// Parses argv and runs the subcommand; returns the exit code (0 pass, 1 safety, 2 liveness, 3 usage or
// input error, 4 unknown). Call at most once at a time; registration must be finished.
int cli_main(int argc, char** argv);

}  // namespace tools
