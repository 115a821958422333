#pragma once
// When each feed is due. The policy is a set of pure functions of the feed's
// state, the settings and the clock (randomness comes in as a number so tests
// are exact); DueQueue keeps the resulting times and HostHolds the hosts that
// asked for patience, both for the loop thread.
//
// `plan` is THE policy; its precedence is documented at its declaration below.
// `at_startup` handles start-up and reload: a stored next_due in the future is
// kept; a feed never polled, or overdue after downtime, is due within
// `startup_spread`. `after_attempt` is the older, hint-free form of `plan`.
//
// All clock times are UTC (skipHours/skipDays and the times in reasons too).

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
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

// Without hints: after a success (consecutive_failures == 0) the feed's interval
// within the clamps ± jitter; after a failure exponential backoff, with a longer
// Retry-After winning. Same as `plan` with only `configured` and failure/success.
// `consecutive_failures` counts the attempt just made. `jitter_unit` in [-1, 1].
Decision after_attempt(const ScheduleSettings& settings, std::optional<Seconds> feed_interval, int consecutive_failures,
                       std::optional<Seconds> retry_after, SysTime now, double jitter_unit);

// What the operator, the feed and its server said about how often to poll.
struct Hints {
    std::optional<Seconds> configured;        // feeds.conf interval (else settings.default_interval)
    std::optional<Seconds> publish_interval;  // smoothed gap between new items (adaptive rate)
    std::optional<Seconds> feed_ttl;          // <ttl> or sy:updatePeriod/updateFrequency
    std::uint32_t skip_hours = 0;             // bit h: do not poll during UTC hour h
    std::uint8_t skip_days = 0;               // bit d (0 = Sunday): do not poll on that UTC day
    std::optional<SysTime> fresh_until;       // Cache-Control max-age / Expires, absolute
};

enum class AttemptKind { success, not_modified, failure, gone };

struct Attempt {
    AttemptKind kind = AttemptKind::success;
    int consecutive_failures = 0;  // counting this attempt
    std::optional<Seconds> retry_after;
};

// THE scheduling policy: when to poll a feed again after an attempt. Precedence:
//
//   0. gone (410): due = now + max_interval, reason "gone (410): polling stopped";
//      nothing else applies (the app stops polling the feed).
//   1. the base interval I: `configured` (else default_interval) clamped to
//      [min_interval, max_interval]                                  "interval 15m"
//   2. adaptive rate, when publish_interval P is known: I = clamp(P / 2,
//      max(I / 2, min_interval), max_interval), i.e. poll twice per publishing
//      gap, but never faster than half the operator's interval (nor min_interval)
//      and never slower than max_interval; P is already smoothed (see
//      update_publish_interval), so one burst cannot make us hammer a site.
//                                                                    "adaptive 42m"
//   3. feed_ttl T (<ttl>, sy:update*) only raises: I = max(I, min(T, max_interval)).
//      It can never bring I below the configured interval, as it only raises.
//                                                                    "ttl 1h"
//   4. due = now + I ± jitter·I.
//   5. fresh_until F (Cache-Control/Expires) later than due wins, capped at
//      now + max_interval.                           "Cache-Control until 14:05"
//   Failures replace 1–5 (the hints are not used):
//   6. backoff: configured interval (clamped, as in 1) · 2^(failures-1), capped at
//      max_backoff, ± jitter                           "backoff after 3 failures"
//   7. a Retry-After longer than that wins, without jitter, capped at
//      max(max_interval, max_backoff)                               "Retry-After 2m"
//   A success or 304 ignores consecutive_failures and Retry-After: the first
//   success recovers the normal interval.
//   8. last, for every kind but gone: skipHours/skipDays move due to the start of
//      the first allowed UTC hour on an allowed day, even past max_interval (at most
//      a week on); hints that forbid all 24 hours or all 7 days are ignored as broken.
//                                    "skipHours until 06:00", "skipDays until Mon 00:00"
//      The reason of the rule that chose the time is kept after it: "ttl 1h;
//      skipHours until 06:00".
// `jitter_unit` in [-1, 1] (scaled by settings.jitter).
Decision plan(const ScheduleSettings& settings, const Hints& hints, const Attempt& attempt, SysTime now,
              double jitter_unit);

// Adaptive rate: the new smoothed publish interval after a successful fetch that found
// `new_items` new items, `since_last_success` after the previous success. One sample is
// since_last_success / new_items; it is blended into `previous` by an exponentially
// weighted moving average with weight 1/4 per fetch, so a burst moves the estimate by at
// most a quarter. With no new items the estimate only grows, and only when the quiet
// stretch is longer than it (then it is blended in the same way). `previous` unchanged
// when since_last_success is not positive; nullopt when there is no previous estimate
// and no new item (not enough data).
std::optional<Seconds> update_publish_interval(std::optional<Seconds> previous, int new_items,
                                               Seconds since_last_success);

// Cache-Control (max-age, s-maxage, no-cache, no-store) and Expires (HTTP-date, the
// three forms of RFC 9110) -> absolute freshness limit. no-store or no-cache: nullopt
// (nothing to wait for). s-maxage wins over max-age, which wins over Expires. An
// invalid Expires (such as "0") means already expired: nullopt. Values above 2^31 s
// are taken as 2^31 s.
std::optional<SysTime> fresh_until(std::string_view cache_control, std::string_view expires, SysTime now);

// An HTTP-date (IMF-fixdate, RFC 850 or asctime form), nullopt when not one.
std::optional<SysTime> parse_http_date(std::string_view text);

// A host's Retry-After holds every feed on that host (a feed may override that
// with its own rule: the app simply does not consult the holds for it).
// Loop thread only.
struct HostHold {
    SysTime until;
    std::string feed;  // whose server answer asked for it
};

class HostHolds {
public:
    // Extends the host's hold to `until` (a shorter hold never shortens a longer one).
    void hold(const std::string& host, SysTime until, std::string feed = {});
    std::optional<SysTime> held_until(const std::string& host, SysTime now) const;  // nullopt when not held
    void release(const std::string& host);
    void prune(SysTime now);  // forgets holds that have expired
    std::size_t size() const { return holds_.size(); }
    const std::unordered_map<std::string, HostHold>& all() const { return holds_; }

private:
    std::unordered_map<std::string, HostHold> holds_;
};

// When a host's hold for a Retry-After of `retry_after` ends: a server may ask for a week, but no
// server holds all of a host's feeds longer than max_backoff, the longest a failing feed waits.
SysTime host_hold_end(const ScheduleSettings& settings, SysTime now, Seconds retry_after);

// Lower-case host (no port, no user info, no trailing dot) of an http(s) URL, "" otherwise.
// An IPv6 literal keeps its brackets: "[::1]".
std::string host_of(std::string_view url);

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
    // Removes and returns the feeds due at or before `now`, earliest first, at most `limit`.
    std::vector<std::string> take_due(SysTime now, std::size_t limit = SIZE_MAX);

private:
    std::map<std::string, SysTime, std::less<>> due_by_feed_;
    std::set<std::pair<SysTime, std::string>> order_;
};

}  // namespace tributary::schedule
