#pragma once

namespace tributary::app {

// The command line: run, once, check, status, parse. Returns the exit code:
// 0 success; 1 invalid config (check) or failed command; 2 usage error;
// 3 the daemon itself could not work (database, listen socket, …).
int run_cli(int argc, char** argv);

}  // namespace tributary::app
