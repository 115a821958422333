#pragma once
// The settings both schedule test files plan with: the defaults of feeds.conf, spelled out so
// that a change of default does not silently change what the tests assert.

#include "schedule/schedule.hpp"

namespace tributary::schedule::testing {

inline ScheduleSettings settings() {
    using namespace std::chrono_literals;
    ScheduleSettings s;
    s.default_interval = 15min;
    s.min_interval = 1min;
    s.max_interval = 24h;
    s.max_backoff = 6h;
    s.jitter = 0.1;
    s.startup_spread = 5s;
    return s;
}

}  // namespace tributary::schedule::testing
