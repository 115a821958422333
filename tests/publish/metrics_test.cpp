#include "publish/metrics.hpp"

#include <gtest/gtest.h>

#include <string>

namespace tributary::publish {
namespace {

using namespace std::chrono_literals;

bool has_line(const std::string& text, const std::string& line) {
    return ("\n" + text).find("\n" + line + "\n") != std::string::npos;
}

TEST(RenderMetrics, CountersAndPerFeedGaugesInTheTextFormat) {
    Metrics m;
    m.started = SysTime{1'700'000'000s};
    m.cycles = 4;
    m.last_cycle_seconds = 1.25;
    m.attempts = {{"fetched", 7}, {"http_error", 2}, {"not_modified", 3}};
    m.new_items = 40;
    m.updated_items = 2;
    m.duplicate_items = 5;
    m.http_connections_evicted = 12;
    m.feeds = {{.name = "hespress-ar",
                .last_outcome = "not_modified",
                .consecutive_failures = 0,
                .last_success = SysTime{1'700'000'600s}},
               {.name = "dead", .last_outcome = "http_error", .consecutive_failures = 3, .last_success = std::nullopt}};
    const std::string text = render_metrics(m);
    for (const std::string line : {
             "# TYPE tributary_cycles_total counter",
             "tributary_start_time_seconds 1700000000",
             "tributary_cycles_total 4",
             "tributary_last_cycle_duration_seconds 1.250",
             "tributary_feed_attempts_total{outcome=\"fetched\"} 7",
             "tributary_feed_attempts_total{outcome=\"http_error\"} 2",
             "tributary_items_total{kind=\"new\"} 40",
             "tributary_items_total{kind=\"duplicate\"} 5",
             "tributary_http_connections_evicted_total 12",
             "tributary_feed_up{feed=\"hespress-ar\"} 1",
             "tributary_feed_up{feed=\"dead\"} 0",
             "tributary_feed_consecutive_failures{feed=\"dead\"} 3",
             "tributary_feed_last_success_timestamp_seconds{feed=\"hespress-ar\"} 1700000600",
         })
        EXPECT_TRUE(has_line(text, line)) << line << "\n" << text;
    // A feed that never succeeded has no timestamp rather than a zero.
    EXPECT_EQ(text.find("last_success_timestamp_seconds{feed=\"dead\"}"), std::string::npos) << text;
    EXPECT_TRUE(text.ends_with("\n"));
}

TEST(RenderMetrics, HostHoldsShowTheHostTheFeedAndTheEnd) {
    Metrics m;
    m.host_holds = {{.host = "news.example", .feed = "busy", .until = SysTime{1'700'003'600s}}};
    EXPECT_TRUE(has_line(render_metrics(m),
                         "tributary_host_hold_until_timestamp_seconds{host=\"news.example\",feed=\"busy\"} 1700003600"))
        << render_metrics(m);
}

TEST(RenderMetrics, ADaemonSharingItsDatabaseShowsItsLeasesHostsAndWhetherItWritesTheFiles) {
    Metrics m;
    EXPECT_EQ(render_metrics(m).find("tributary_feed_leases_total"), std::string::npos);  // not shared
    m.sharing = SharingGauges{
        .feeds_leased = 40, .feeds_refused = 7, .lease_failures = 2, .hosts_in_hand = 3, .writes_files = true};
    const std::string text = render_metrics(m);
    EXPECT_NE(text.find("# TYPE tributary_feed_leases_total counter\n"), std::string::npos) << text;
    EXPECT_NE(text.find("tributary_feed_leases_total{result=\"leased\"} 40\n"), std::string::npos) << text;
    EXPECT_NE(text.find("tributary_feed_leases_total{result=\"refused\"} 7\n"), std::string::npos) << text;
    EXPECT_NE(text.find("tributary_feed_leases_total{result=\"failed\"} 2\n"), std::string::npos) << text;
    EXPECT_NE(text.find("\ntributary_hosts_leased 3\n"), std::string::npos) << text;
    EXPECT_NE(text.find("\ntributary_publishing_leader 1\n"), std::string::npos) << text;
    m.sharing->writes_files = false;
    EXPECT_NE(render_metrics(m).find("\ntributary_publishing_leader 0\n"), std::string::npos);
}

TEST(RenderMetrics, LabelValuesAreEscaped) {
    Metrics m;
    m.feeds = {{.name = "a\"b\\c\nd", .last_outcome = "", .consecutive_failures = 0, .last_success = std::nullopt}};
    EXPECT_TRUE(has_line(render_metrics(m), "tributary_feed_up{feed=\"a\\\"b\\\\c\\nd\"} 0")) << render_metrics(m);
}

}  // namespace
}  // namespace tributary::publish
