// The command line: `fundament serve [options]`, `fundament --version`,
// `fundament --help`.
#pragma once

namespace fundament::app {

// Parses the command line, runs the chosen command and returns the process
// exit code (0 success, 1 runtime failure, 2 bad usage or configuration).
int RunCommandLine(int argc, char** argv);

}  // namespace fundament::app
