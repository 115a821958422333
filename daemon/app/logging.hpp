#pragma once
#include <string_view>

namespace tributary::app {

// stderr, one line per event; under systemd the journal adds its own
// timestamps, so ours are left out there.
void init_logging(std::string_view level);

}  // namespace tributary::app
