#pragma once
// When each feed is due. The policy is a set of pure functions of the feed's
// state, the settings and the clock (randomness comes in as a number so tests
// are exact); DueQueue keeps the resulting times for the loop thread.
//
// Precedence, in one place:
//   1. start-up / reload: a stored next_due in the future is kept; a feed never
//      polled, or overdue after downtime, is due within `startup_spread`.
//   2. after a success (200 or 304): the feed's interval (or the default),
//      clamped to [min_interval, max_interval], ± jitter.
//   3. after a failure: exponential backoff interval·2^(failures-1), capped at
//      max_backoff, ± jitter; a Retry-After longer than that wins (capped at
//      max_interval), so a server asking for patience gets it.

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/types.hpp"

namespace tributary::schedule {

struct Decision {
    SysTime due;
    std::string reason;  // shown by `status` and logged: which rule decided

    friend bool operator==(const Decision&, const Decision&) = default;
};

// The feed's interval within the global clamps.
Seconds effective_interval(const ScheduleSettings& settings, std::optional<Seconds> feed_interval);

// Rule 1. `spread_unit` in [0, 1): where in the start-up window this feed lands.
Decision at_startup(const ScheduleSettings& settings, std::optional<SysTime> stored_next_due, bool ever_fetched,
                    SysTime now, double spread_unit);

// Rules 2 and 3. `consecutive_failures` counts the attempt just made (0 after a
// success). `jitter_unit` in [-1, 1].
Decision after_attempt(const ScheduleSettings& settings, std::optional<Seconds> feed_interval, int consecutive_failures,
                       std::optional<Seconds> retry_after, SysTime now, double jitter_unit);

// Human form of a duration for reasons and logs: "15m", "1h30m", "45s".
std::string format_duration(Seconds d);

// Due times of the feeds the loop owns. Not thread-safe: loop thread only.
class DueQueue {
public:
    void set(const std::string& feed, SysTime due);
    void remove(const std::string& feed);
    bool contains(const std::string& feed) const { return due_by_feed_.contains(feed); }
    std::size_t size() const { return due_by_feed_.size(); }
    std::optional<SysTime> earliest() const;
    // Removes and returns the feeds due at or before `now`, earliest first.
    std::vector<std::string> take_due(SysTime now);

private:
    std::map<std::string, SysTime, std::less<>> due_by_feed_;
    std::set<std::pair<SysTime, std::string>> order_;
};

}  // namespace tributary::schedule
