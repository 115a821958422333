// The scheduling policy (plan), the adaptive rate, freshness from HTTP caching
// headers, host holds and host_of: table-driven, on fixed times, no clock.

#include <gtest/gtest.h>

#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "schedule/schedule.hpp"
#include "test_settings.hpp"

namespace tributary::schedule {
namespace {

using std::chrono::sys_days;
using namespace std::chrono;

// Monday 5 January 2026, 10:30:00 UTC.
const SysTime kNow = SysTime{sys_days{year{2026} / January / 5}} + 10h + 30min;

using testing::settings;

Attempt success() { return Attempt{.kind = AttemptKind::success, .consecutive_failures = 0, .retry_after = {}}; }
Attempt not_modified() {
    return Attempt{.kind = AttemptKind::not_modified, .consecutive_failures = 0, .retry_after = {}};
}
Attempt failure(int n, std::optional<Seconds> retry_after = std::nullopt) {
    return Attempt{.kind = AttemptKind::failure, .consecutive_failures = n, .retry_after = retry_after};
}
Attempt gone() { return Attempt{.kind = AttemptKind::gone, .consecutive_failures = 0, .retry_after = {}}; }

std::uint32_t hours_bits(std::initializer_list<int> hours) {
    std::uint32_t bits = 0;
    for (const int h : hours) bits |= 1u << h;
    return bits;
}

TEST(Plan, Table) {
    struct Case {
        const char* name;
        std::function<void(Hints&)> hints;
        Attempt attempt;
        double jitter;
        Seconds expected_wait;
        const char* expected_reason;
    };
    const auto none = [](Hints&) {};
    const Case cases[] = {
        // 1. the configured interval within the clamps
        {"success, default interval", none, success(), 0.0, 15min, "interval 15m"},
        {"success, configured", [](Hints& h) { h.configured = 10min; }, success(), 0.0, 10min, "interval 10m"},
        {"configured below min_interval", [](Hints& h) { h.configured = 10s; }, success(), 0.0, 1min, "interval 1m"},
        {"configured above max_interval", [](Hints& h) { h.configured = days{30}; }, success(), 0.0, 24h,
         "interval 1d"},
        {"jitter +10%", none, success(), 1.0, 990s, "interval 15m"},
        {"jitter -10%", none, success(), -1.0, 810s, "interval 15m"},
        {"jitter unit out of range is clamped", none, success(), 7.0, 990s, "interval 15m"},
        {"304 is a success", none, not_modified(), 0.0, 15min, "interval 15m"},
        // 2. adaptive rate: P/2 within [max(configured/2, min_interval), max_interval]
        {"adaptive slows a slow feed", [](Hints& h) { h.publish_interval = 2h; }, success(), 0.0, 1h, "adaptive 1h"},
        {"adaptive never below configured/2", [](Hints& h) { h.publish_interval = 3min; }, success(), 0.0, 450s,
         "adaptive 7m30s"},
        {"adaptive never below min_interval",
         [](Hints& h) {
             h.configured = 1min;
             h.publish_interval = 10s;
         },
         success(), 0.0, 1min, "interval 1m"},
        {"adaptive never above max_interval", [](Hints& h) { h.publish_interval = days{7}; }, success(), 0.0, 24h,
         "adaptive 1d"},
        {"adaptive equal to configured says interval", [](Hints& h) { h.publish_interval = 30min; }, success(), 0.0,
         15min, "interval 15m"},
        {"adaptive with jitter", [](Hints& h) { h.publish_interval = 2h; }, success(), -1.0, 54min, "adaptive 1h"},
        // 3. ttl / sy:updatePeriod only raise
        {"ttl raises", [](Hints& h) { h.feed_ttl = 1h; }, success(), 0.0, 1h, "ttl 1h"},
        {"ttl below configured is ignored", [](Hints& h) { h.feed_ttl = 5min; }, success(), 0.0, 15min, "interval 15m"},
        {"ttl capped at max_interval", [](Hints& h) { h.feed_ttl = 48h; }, success(), 0.0, 24h, "ttl 1d"},
        {"ttl below adaptive is ignored",
         [](Hints& h) {
             h.publish_interval = 4h;
             h.feed_ttl = 1h;
         },
         success(), 0.0, 2h, "adaptive 2h"},
        {"ttl raises a fast adaptive rate",
         [](Hints& h) {
             h.publish_interval = 10min;
             h.feed_ttl = 10min;
         },
         success(), 0.0, 10min, "ttl 10m"},
        // 5. Cache-Control / Expires
        {"fresh_until later wins", [](Hints& h) { h.fresh_until = kNow + 2h; }, success(), 0.0, 2h,
         "Cache-Control until 12:30"},
        {"fresh_until earlier is ignored", [](Hints& h) { h.fresh_until = kNow + 5min; }, success(), 0.0, 15min,
         "interval 15m"},
        {"fresh_until capped at max_interval", [](Hints& h) { h.fresh_until = kNow + days{3}; }, success(), 0.0, 24h,
         "Cache-Control until Tue 10:30"},
        // 8. skipHours / skipDays (now: Monday 10:30 UTC)
        {"skipHours moves to the first allowed hour",
         [](Hints& h) {
             h.skip_hours = hours_bits({10, 11});
         },
         success(), 0.0, 90min, "interval 15m; skipHours until 12:00"},
        {"skipHours elsewhere change nothing",
         [](Hints& h) {
             h.skip_hours = hours_bits({0, 1, 2, 3, 4, 5});
         },
         success(), 0.0, 15min, "interval 15m"},
        {"skipHours across midnight",
         [](Hints& h) {
             h.configured = 14h;
             h.skip_hours = hours_bits({0, 1, 2, 3, 4, 5});
         },
         success(), 0.0, 19h + 30min, "interval 14h; skipHours until Tue 06:00"},
        {"skipDays moves to the next allowed day", [](Hints& h) { h.skip_days = 1u << 1; }, success(), 0.0, 13h + 30min,
         "interval 15m; skipDays until Tue 00:00"},
        {"skipDays and skipHours together",
         [](Hints& h) {
             h.skip_days = 1u << 1;
             h.skip_hours = hours_bits({0, 1, 2, 3, 4, 5, 6, 7});
         },
         success(), 0.0, 21h + 30min, "interval 15m; skipDays until Tue 08:00"},
        {"skipHours forbidding every hour is ignored", [](Hints& h) { h.skip_hours = (1u << 24) - 1; }, success(), 0.0,
         15min, "interval 15m"},
        {"skipDays forbidding every day is ignored", [](Hints& h) { h.skip_days = 0x7f; }, success(), 0.0, 15min,
         "interval 15m"},
        {"skip after Cache-Control",
         [](Hints& h) {
             h.fresh_until = kNow + 2h;
             h.skip_hours = hours_bits({12});
         },
         success(), 0.0, 2h + 30min, "Cache-Control until 12:30; skipHours until 13:00"},
        // 6, 7. failures
        {"first failure", none, failure(1), 0.0, 15min, "backoff after 1 failure"},
        {"third failure", none, failure(3), 0.0, 1h, "backoff after 3 failures"},
        {"backoff capped at max_backoff", none, failure(10), 0.0, 6h, "backoff after 10 failures"},
        {"backoff with jitter", none, failure(2), 1.0, 33min, "backoff after 2 failures"},
        {"backoff from the configured interval", [](Hints& h) { h.configured = 1h; }, failure(2), 0.0, 2h,
         "backoff after 2 failures"},
        {"failure count 0 counts as 1", none, failure(0), 0.0, 15min, "backoff after 1 failure"},
        {"failure ignores the feed's hints",
         [](Hints& h) {
             h.publish_interval = days{7};
             h.feed_ttl = 2h;
             h.fresh_until = kNow + 5h;
         },
         failure(1), 0.0, 15min, "backoff after 1 failure"},
        {"Retry-After longer wins", none, failure(1, 2min + 15min), 0.0, 17min, "Retry-After 17m"},
        {"Retry-After shorter loses", none, failure(3, 2min), 0.0, 1h, "backoff after 3 failures"},
        {"Retry-After capped", none, failure(1, days{30}), 0.0, 24h, "Retry-After 30d"},
        {"failure then skipHours", [](Hints& h) { h.skip_hours = hours_bits({10}); }, failure(1), 0.0, 30min,
         "backoff after 1 failure; skipHours until 11:00"},
        {"first success recovers", none,
         Attempt{.kind = AttemptKind::success, .consecutive_failures = 5, .retry_after = 1h}, 0.0, 15min,
         "interval 15m"},
        // 0. gone
        {"gone stops polling", none, gone(), 0.0, 24h, "gone (410): polling stopped"},
        {"gone ignores everything else",
         [](Hints& h) {
             h.skip_hours = hours_bits({10});
             h.feed_ttl = 1h;
         },
         gone(), 1.0, 24h, "gone (410): polling stopped"},
    };
    static_assert(std::size(cases) >= 25);
    for (const Case& c : cases) {
        SCOPED_TRACE(c.name);
        Hints h;
        c.hints(h);
        const Decision d = plan(settings(), h, c.attempt, kNow, c.jitter);
        EXPECT_EQ(d.due - kNow, c.expected_wait) << format_duration(d.due - kNow);
        EXPECT_EQ(d.reason, c.expected_reason);
    }
}

TEST(Plan, AgreesWithAfterAttemptWithoutHints) {
    for (int failures = 0; failures < 12; ++failures) {
        for (const double jitter : {-1.0, -0.3, 0.0, 0.5, 1.0}) {
            SCOPED_TRACE(failures);
            const Attempt a = failures == 0 ? success() : failure(failures, 40min);
            Hints h;
            h.configured = 20min;
            EXPECT_EQ(plan(settings(), h, a, kNow, jitter),
                      after_attempt(settings(), 20min, failures, failures == 0 ? std::nullopt : std::optional{40min},
                                    kNow, jitter));
        }
    }
}

TEST(UpdatePublishInterval, Table) {
    struct Case {
        const char* name;
        std::optional<Seconds> previous;
        int new_items;
        Seconds since;
        std::optional<Seconds> expected;
    };
    const Case cases[] = {
        {"nothing known, nothing new", std::nullopt, 0, 1h, std::nullopt},
        {"first sample seeds", std::nullopt, 4, 1h, 15min},
        {"steady feed stays", 1h, 1, 1h, 1h},
        {"a burst moves it a quarter only", 2h, 60, 15min, Seconds{5404}},
        {"quiet poll shorter than the estimate changes nothing", 1h, 0, 30min, 1h},
        {"long silence lengthens it", 1h, 0, 5h, 2h},
        {"no time elapsed", 1h, 3, 0s, 1h},
        {"negative elapsed", std::nullopt, 3, -5s, std::nullopt},
        {"negative count is no news", 1h, -2, 30min, 1h},
        {"more items than seconds", std::nullopt, 1000, 10s, 1s},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.name);
        EXPECT_EQ(update_publish_interval(c.previous, c.new_items, c.since), c.expected);
    }
}

TEST(UpdatePublishInterval, ConvergesToTheRealRate) {
    std::optional<Seconds> p = 1h;
    for (int i = 0; i < 30; ++i) p = update_publish_interval(p, 1, 4h);
    ASSERT_TRUE(p);
    EXPECT_NEAR(static_cast<double>(p->count()), 4 * 3600.0, 60.0);
}

TEST(FreshUntil, Table) {
    struct Case {
        const char* name;
        const char* cache_control;
        const char* expires;
        std::optional<SysTime> expected;
    };
    const SysTime noon = SysTime{sys_days{year{2026} / January / 5}} + 12h;
    const Case cases[] = {
        {"max-age", "max-age=600", "", kNow + 600s},
        {"among other directives", "public, max-age=3600, must-revalidate", "", kNow + 1h},
        {"case-insensitive", "MAX-AGE=60", "", kNow + 60s},
        {"quoted value", "max-age=\"120\"", "", kNow + 120s},
        {"s-maxage wins over max-age", "max-age=60, s-maxage=300", "", kNow + 300s},
        {"max-age wins over Expires", "max-age=600", "Mon, 05 Jan 2026 12:00:00 GMT", kNow + 600s},
        {"max-age=0", "max-age=0", "", kNow},
        {"no-cache", "no-cache", "Mon, 05 Jan 2026 12:00:00 GMT", std::nullopt},
        {"no-store beats max-age", "no-store, max-age=600", "", std::nullopt},
        {"field-qualified no-cache is not no-cache", "no-cache=\"Set-Cookie\", max-age=60", "", kNow + 60s},
        {"bad max-age falls back to Expires", "max-age=soon", "Mon, 05 Jan 2026 12:00:00 GMT", noon},
        {"Expires IMF-fixdate", "", "Mon, 05 Jan 2026 12:00:00 GMT", noon},
        {"Expires RFC 850", "", "Monday, 05-Jan-26 12:00:00 GMT", noon},
        {"Expires asctime", "", "Mon Jan  5 12:00:00 2026", noon},
        {"Expires 0 is already expired", "", "0", std::nullopt},
        {"Expires with a non-GMT zone", "", "Mon, 05 Jan 2026 12:00:00 +0100", std::nullopt},
        {"Expires impossible date", "", "Sat, 31 Feb 2026 12:00:00 GMT", std::nullopt},
        {"nothing", "", "", std::nullopt},
        {"huge max-age is 2^31 s", "max-age=99999999999999999999", "", kNow + Seconds{std::int64_t{1} << 31}},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.name);
        EXPECT_EQ(fresh_until(c.cache_control, c.expires, kNow), c.expected);
    }
}

TEST(HostHolds, HoldsUntilTheLatestTime) {
    HostHolds holds;
    EXPECT_EQ(holds.held_until("example.com", kNow), std::nullopt);
    holds.hold("example.com", kNow + 2min);
    EXPECT_EQ(holds.held_until("example.com", kNow), kNow + 2min);
    EXPECT_EQ(holds.held_until("other.org", kNow), std::nullopt);
    holds.hold("example.com", kNow + 1min);  // a shorter hold does not shorten it
    EXPECT_EQ(holds.held_until("example.com", kNow + 1min), kNow + 2min);
    holds.hold("example.com", kNow + 10min);
    EXPECT_EQ(holds.held_until("example.com", kNow), kNow + 10min);
    EXPECT_EQ(holds.held_until("example.com", kNow + 10min), std::nullopt);  // over at `until`
    holds.hold("", kNow + 1h);                                               // no host: nothing to hold
    holds.hold("b.net", kNow + 1h);
    EXPECT_EQ(holds.size(), 2u);
    holds.prune(kNow + 30min);
    EXPECT_EQ(holds.size(), 1u);
    holds.release("b.net");
    EXPECT_EQ(holds.held_until("b.net", kNow), std::nullopt);
}

TEST(HostHolds, RemembersWhichFeedAskedAndTheLongestHoldWins) {
    HostHolds holds;
    holds.hold("example.com", kNow + 2min, "a");
    holds.hold("example.com", kNow + 1min, "b");
    EXPECT_EQ(holds.all().at("example.com").feed, "a");
    holds.hold("example.com", kNow + 5min, "c");
    EXPECT_EQ(holds.all().at("example.com").feed, "c");
    EXPECT_EQ(holds.all().at("example.com").until, kNow + 5min);
}

TEST(HostHolds, AHugeRetryAfterHoldsAHostNoLongerThanMaxBackoff) {
    const ScheduleSettings s = settings();  // max_backoff 6h
    EXPECT_EQ(host_hold_end(s, kNow, 30s), kNow + 30s);
    EXPECT_EQ(host_hold_end(s, kNow, Seconds{std::int64_t{1} << 31}), kNow + 6h);
    EXPECT_EQ(host_hold_end(s, kNow, Seconds{-5}), kNow);
}

TEST(HostOf, Table) {
    const std::pair<const char*, const char*> cases[] = {
        {"https://Example.COM:8443/feed.xml", "example.com"},
        {"http://example.com", "example.com"},
        {"HTTP://News.Example.org?x=1", "news.example.org"},
        {"http://user:secret@host.org/feed", "host.org"},
        {"http://a@b@host.org/feed", "host.org"},
        {"http://[2001:DB8::1]:8080/feed", "[2001:db8::1]"},
        {"http://host.example.:80/", "host.example"},
        {"https://h.example#frag", "h.example"},
        {"ftp://example.com/feed", ""},
        {"example.com/feed", ""},
        {"http://", ""},
        {"", ""},
    };
    for (const auto& [url, host] : cases) {
        SCOPED_TRACE(url);
        EXPECT_EQ(host_of(url), host);
    }
}

// Not a check so much as a record: what the scheduler does for five typical feeds, with the
// default settings and no jitter. The lead quotes this output.
TEST(PlanExamples, FiveFeeds) {
    const ScheduleSettings defaults;  // 15m default, [1m, 24h], backoff cap 24h, jitter 10%
    std::string out = "Scheduler, default settings, jitter 0, now = Mon 2026-01-05 10:30 UTC\n";
    auto line = [&](const char* feed, const char* what, const Decision& d) {
        char buf[256];
        std::snprintf(buf, sizeof buf, "  %-12s %-46s +%-8s %s\n", feed, what, format_duration(d.due - kNow).c_str(),
                      d.reason.c_str());
        out += buf;
    };

    // A busy news site: about 12 new items every 15-minute poll; max-age=300.
    Hints news;
    std::optional<Seconds> rate;
    for (int poll = 0; poll < 8; ++poll) rate = update_publish_interval(rate, 12, 15min);
    news.publish_interval = rate;
    news.fresh_until = fresh_until("public, max-age=300", "", kNow);
    const Decision news_d = plan(defaults, news, success(), kNow, 0.0);
    line("news", ("200, 12 new/poll, P=" + format_duration(*rate) + ", max-age=300").c_str(), news_d);
    EXPECT_EQ(news_d.reason, "adaptive 7m30s");

    // A weekly blog with <ttl>60</ttl>: one item a week.
    Hints blog;
    blog.publish_interval = update_publish_interval(days{7}, 0, 15min);
    blog.feed_ttl = 1h;
    const Decision blog_d = plan(defaults, blog, not_modified(), kNow, 0.0);
    line("blog", "304, P=7d, ttl 60", blog_d);
    EXPECT_EQ(blog_d.reason, "adaptive 1d");

    // A site answering 429 with Retry-After: 7200, and holding its host.
    Hints limited;
    const Decision limited_d = plan(defaults, limited, failure(1, 2h), kNow, 0.0);
    line("ratelimited", "429, Retry-After: 7200 (1st failure)", limited_d);
    HostHolds holds;
    holds.hold("api.example.com", limited_d.due);
    EXPECT_EQ(limited_d.reason, "Retry-After 2h");
    EXPECT_EQ(holds.held_until("api.example.com", kNow), kNow + 2h);
    out += "               every other feed on that host held until +2h (HostHolds)\n";

    // DNS failing: consecutive failures back off exponentially up to max_backoff.
    for (const int n : {1, 2, 3, 5, 7, 8, 12}) {
        const Decision d = plan(defaults, Hints{}, failure(n), kNow, 0.0);
        line("dns-broken", ("network_error (could not resolve), failure " + std::to_string(n)).c_str(), d);
    }
    const Decision dns_recovered = plan(defaults, Hints{}, success(), kNow, 0.0);
    line("dns-broken", "then a success", dns_recovered);
    EXPECT_EQ(plan(defaults, Hints{}, failure(12), kNow, 0.0).due - kNow, 24h);

    // Moved with 301: followed, recorded by the app as moved_to; the schedule is the interval.
    Hints moved;
    moved.configured = 30min;
    const Decision moved_d = plan(defaults, moved, success(), kNow, 0.0);
    line("moved", "200 after 301 (interval = 30m in feeds.conf)", moved_d);
    EXPECT_EQ(moved_d.reason, "interval 30m");

    const Decision gone_d = plan(defaults, Hints{}, gone(), kNow, 0.0);
    line("(any)", "410 Gone", gone_d);

    std::printf("%s", out.c_str());
    RecordProperty("five_feeds", out);
}

}  // namespace
}  // namespace tributary::schedule
