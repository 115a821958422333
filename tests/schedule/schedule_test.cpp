#include "schedule/schedule.hpp"

#include <gtest/gtest.h>

#include "test_settings.hpp"

namespace tributary::schedule {
namespace {

const SysTime kNow{Seconds{1'767'000'000}};

using testing::settings;

TEST(EffectiveInterval, ClampsToGlobalBounds) {
    EXPECT_EQ(effective_interval(settings(), std::nullopt), Seconds{900});
    EXPECT_EQ(effective_interval(settings(), Seconds{10}), Seconds{60});
    EXPECT_EQ(effective_interval(settings(), Seconds{7 * 86400}), Seconds{86400});
    EXPECT_EQ(effective_interval(settings(), Seconds{600}), Seconds{600});
}

TEST(AtStartup, KeepsAFutureStoredDueTime) {
    const auto d = at_startup(settings(), kNow + 10min, true, kNow, 0.5);
    EXPECT_EQ(d, (Decision{kNow + 10min, "stored schedule"}));
}

TEST(AtStartup, PollsNewAndOverdueFeedsWithinTheSpread) {
    EXPECT_EQ(at_startup(settings(), std::nullopt, false, kNow, 0.0), (Decision{kNow, "first poll"}));
    EXPECT_EQ(at_startup(settings(), std::nullopt, false, kNow, 1.0), (Decision{kNow + 5s, "first poll"}));
    // Down for three days: due right away, not after a whole interval.
    EXPECT_EQ(at_startup(settings(), kNow - 72h, true, kNow, 0.4), (Decision{kNow + 2s, "overdue after downtime"}));
}

TEST(AfterAttempt, Table) {
    struct Case {
        const char* name;
        std::optional<Seconds> feed_interval;
        int failures;
        std::optional<Seconds> retry_after;
        double jitter;
        Seconds expected_wait;
        const char* expected_reason;
    };
    const Case cases[] = {
        {"success, default interval", std::nullopt, 0, std::nullopt, 0.0, 900s, "interval 15m"},
        {"success, jitter +10%", std::nullopt, 0, std::nullopt, 1.0, 990s, "interval 15m"},
        {"success, jitter -10%", std::nullopt, 0, std::nullopt, -1.0, 810s, "interval 15m"},
        {"success, feed interval", Seconds{600}, 0, std::nullopt, 0.0, 600s, "interval 10m"},
        {"success, clamped up", Seconds{5}, 0, std::nullopt, 0.0, 60s, "interval 1m"},
        {"first failure", std::nullopt, 1, std::nullopt, 0.0, 900s, "backoff after 1 failure"},
        {"second failure doubles", std::nullopt, 2, std::nullopt, 0.0, 1800s, "backoff after 2 failures"},
        {"fourth failure", std::nullopt, 4, std::nullopt, 0.0, 7200s, "backoff after 4 failures"},
        {"capped at max_backoff", std::nullopt, 9, std::nullopt, 0.0, 6h, "backoff after 9 failures"},
        {"huge count does not overflow", std::nullopt, 1000, std::nullopt, 0.0, 6h, "backoff after 1000 failures"},
        {"retry-after longer wins", std::nullopt, 1, Seconds{3600}, 0.0, 3600s, "Retry-After 1h"},
        {"retry-after shorter loses", std::nullopt, 3, Seconds{60}, 0.0, 3600s, "backoff after 3 failures"},
        {"retry-after capped", std::nullopt, 1, Seconds{30 * 86400}, 0.0, 24h, "Retry-After 30d"},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.name);
        const Decision d = after_attempt(settings(), c.feed_interval, c.failures, c.retry_after, kNow, c.jitter);
        EXPECT_EQ(d.due - kNow, c.expected_wait);
        EXPECT_EQ(d.reason, c.expected_reason);
    }
}

TEST(FormatDuration, CombinesUnits) {
    EXPECT_EQ(format_duration(Seconds{5400}), "1h30m");
    EXPECT_EQ(format_duration(Seconds{45}), "45s");
    EXPECT_EQ(format_duration(Seconds{90061}), "1d1h1m1s");
    EXPECT_EQ(format_duration(Seconds{0}), "0s");
}

TEST(DueQueue, TakesDueFeedsInOrderAndReschedules) {
    DueQueue q;
    q.set("b", kNow + 2s);
    q.set("a", kNow + 1s);
    q.set("c", kNow + 60s);
    q.set("b", kNow + 3s);  // rescheduling replaces, never duplicates
    EXPECT_EQ(q.size(), 3u);
    EXPECT_EQ(q.earliest(), kNow + 1s);
    EXPECT_EQ(q.take_due(kNow + 5s), (std::vector<std::string>{"a", "b"}));
    EXPECT_EQ(q.size(), 1u);
    EXPECT_FALSE(q.contains("a"));
    q.remove("c");
    EXPECT_EQ(q.earliest(), std::nullopt);
    EXPECT_TRUE(q.take_due(kNow + 1h).empty());
}

// The daemon admits only as many due feeds as it has room for; the others stay due, in order.
TEST(DueQueue, TakesAtMostTheLimitAndKeepsTheRestDue) {
    DueQueue q;
    for (const char* name : {"a", "b", "c", "d"}) q.set(name, kNow);
    EXPECT_EQ(q.take_due(kNow, 2), (std::vector<std::string>{"a", "b"}));
    EXPECT_EQ(q.size(), 2u);
    EXPECT_TRUE(q.take_due(kNow, 0).empty());
    EXPECT_EQ(q.take_due(kNow), (std::vector<std::string>{"c", "d"}));
}

}  // namespace
}  // namespace tributary::schedule
