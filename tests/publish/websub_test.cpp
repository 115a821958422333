// WebSub on the publisher's side: what every format advertises, the ping's body, and the pinger's
// retry, backoff and coalescing, driven on a real io_context with a fake hub.

#include "publish/websub.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <nlohmann/json.hpp>
#include <pugixml.hpp>
#include <string>
#include <vector>

#include "publish/outputs.hpp"

namespace tributary::publish {
namespace {

using namespace std::chrono;
using Format = OutputSpec::Format;
using Rep = OutputSpec::Representation;

constexpr SysTime kBuild = SysTime{seconds{1'767'006'137}};
constexpr SysTime kLater = kBuild + hours{1};
const std::string kHub = "https://hub.example/";
const std::string kBase = "https://news.example.org/";

OutputSpec with_hub(std::string hub) {
    OutputSpec o;
    o.name = "main";
    o.url = "/main.xml";
    o.hub = std::move(hub);
    o.representations = {Rep{Format::rss, "/main.xml", "/tmp/main.xml"},
                         Rep{Format::atom, "/main.atom", "/tmp/main.atom"},
                         Rep{Format::json, "/main.json", "/tmp/main.json"}};
    return o;
}

MergedItem item(std::string title) {
    MergedItem i;
    i.guid = "urn:tributary:story:" + title;
    i.title = std::move(title);
    i.link = "https://site.example/a";
    i.published = kBuild - hours{2};
    i.first_seen = kBuild - hours{2};
    i.feed_name = "site";
    return i;
}

pugi::xml_document xml(const std::string& text) {
    pugi::xml_document doc;
    EXPECT_TRUE(doc.load_string(text.c_str())) << text;
    return doc;
}

TEST(WebSubAdvertise, EveryFormatNamesTheHubAndItself) {
    const std::vector<MergedItem> items{item("a")};
    const auto docs = render_output(with_hub(kHub), items, kBuild, kBase);
    ASSERT_EQ(docs.size(), 3u);

    const auto rss = xml(docs[0].body);
    const auto channel = rss.child("rss").child("channel");
    EXPECT_STREQ(channel.find_child_by_attribute("atom:link", "rel", "hub").attribute("href").value(), kHub.c_str());
    EXPECT_STREQ(channel.find_child_by_attribute("atom:link", "rel", "self").attribute("href").value(),
                 "https://news.example.org/main.xml");

    const auto atom = xml(docs[1].body);
    const auto feed = atom.child("feed");
    EXPECT_STREQ(feed.find_child_by_attribute("link", "rel", "hub").attribute("href").value(), kHub.c_str());
    EXPECT_STREQ(feed.find_child_by_attribute("link", "rel", "self").attribute("href").value(),
                 "https://news.example.org/main.atom");

    const auto json = nlohmann::json::parse(docs[2].body);
    ASSERT_TRUE(json.contains("hubs")) << docs[2].body;
    EXPECT_EQ(json["hubs"], nlohmann::json::parse(R"([{"type": "WebSub", "url": "https://hub.example/"}])"));
    EXPECT_EQ(json["feed_url"], "https://news.example.org/main.json");
}

TEST(WebSubAdvertise, NoHubNoHubLinks) {
    const std::vector<MergedItem> items{item("a")};
    for (const RenderedDocument& doc : render_output(with_hub(""), items, kBuild, kBase)) {
        EXPECT_EQ(doc.body.find("rel=\"hub\""), std::string::npos) << doc.body;
        EXPECT_EQ(doc.body.find("\"hubs\""), std::string::npos) << doc.body;
    }
    EXPECT_EQ(websub_link_header("", "https://news.example.org/main.xml"), "");
}

TEST(WebSubPing, BodyIsAFormWithTheTopicEncoded) {
    EXPECT_EQ(websub_ping_form("https://news.example.org/a b/main.xml?x=1&y=é"),
              "hub.mode=publish&hub.url=https%3A%2F%2Fnews.example.org%2Fa%20b%2Fmain.xml%3Fx%3D1%26y%3D%C3%A9");
    EXPECT_EQ(websub_link_header(kHub, "https://news.example.org/main.xml"),
              "<https://hub.example/>; rel=\"hub\", <https://news.example.org/main.xml>; rel=\"self\"");
}

TEST(WebSubPing, LogsShowOnlyTheHubsHost) {
    EXPECT_EQ(url_host("https://hub.example:8443/p/secret-token?key=also-secret"), "hub.example");
    EXPECT_EQ(url_host("http://[::1]:9/x"), "[::1]");
    EXPECT_EQ(url_host("https://hub.example"), "hub.example");
}

TEST(WebSubPing, BackoffDoublesUpToItsCap) {
    const HubRetry retry{.max_attempts = 9, .first_delay = milliseconds{1000}, .max_delay = milliseconds{5000}};
    EXPECT_EQ(hub_retry_delay(retry, 1), milliseconds{1000});
    EXPECT_EQ(hub_retry_delay(retry, 2), milliseconds{2000});
    EXPECT_EQ(hub_retry_delay(retry, 3), milliseconds{4000});
    EXPECT_EQ(hub_retry_delay(retry, 4), milliseconds{5000});
    EXPECT_EQ(hub_retry_delay(retry, 30), milliseconds{5000});
}

// A hub that answers each POST with the next reply of its script (then ok), later, on the loop.
struct FakeHub {
    boost::asio::io_context& io;
    std::vector<HubReply> script;
    std::vector<std::pair<std::string, std::string>> received;  // hub, form
    std::vector<steady_clock::time_point> times;

    HubPost post() {
        return [this](const std::string& hub, std::string form, std::function<void(HubReply)> done) {
            received.emplace_back(hub, std::move(form));
            times.push_back(steady_clock::now());
            HubReply reply{.ok = true, .cancelled = false, .cause = {}};
            if (received.size() <= script.size()) reply = script[received.size() - 1];
            boost::asio::post(io, [done = std::move(done), reply]() { done(reply); });
        };
    }
};

const HubReply kServerError{.ok = false, .cancelled = false, .cause = "HTTP 500"};
const HubRetry kFast{.max_attempts = 3, .first_delay = milliseconds{20}, .max_delay = milliseconds{1000}};

TEST(HubPinger, OnePingPerChangeWithItsBody) {
    boost::asio::io_context io;
    FakeHub hub{io, {}, {}, {}};
    HubPinger pinger(io, hub.post(), kFast);
    pinger.ping("main", kHub, "https://news.example.org/main.xml");
    io.run_for(milliseconds{200});
    ASSERT_EQ(hub.received.size(), 1u);
    EXPECT_EQ(hub.received[0].first, kHub);
    EXPECT_EQ(hub.received[0].second, "hub.mode=publish&hub.url=https%3A%2F%2Fnews.example.org%2Fmain.xml");
    EXPECT_EQ(pinger.pending(), 0u);
}

TEST(HubPinger, RetriesAfterAFailureWithGrowingWaitsAndGivesUp) {
    boost::asio::io_context io;
    FakeHub hub{io, {kServerError, kServerError, kServerError, kServerError}, {}, {}};
    HubPinger pinger(io, hub.post(), kFast);
    pinger.ping("main", kHub, "https://news.example.org/main.xml");
    io.run_for(milliseconds{500});
    ASSERT_EQ(hub.received.size(), 3u);  // max_attempts, then no more
    EXPECT_GE(hub.times[1] - hub.times[0], milliseconds{20});
    EXPECT_GE(hub.times[2] - hub.times[1], milliseconds{40});
    EXPECT_EQ(pinger.pending(), 0u);
}

TEST(HubPinger, ASecondAttemptSucceedsAfterA500) {
    boost::asio::io_context io;
    FakeHub hub{io, {kServerError}, {}, {}};
    HubPinger pinger(io, hub.post(), kFast);
    pinger.ping("main", kHub, "https://news.example.org/main.xml");
    io.run_for(milliseconds{300});
    EXPECT_EQ(hub.received.size(), 2u);
    EXPECT_EQ(pinger.pending(), 0u);
}

TEST(HubPinger, AChangeDuringTheBackoffReplacesTheWaitingRetry) {
    boost::asio::io_context io;
    FakeHub hub{io, {kServerError}, {}, {}};
    HubPinger pinger(io, hub.post(), HubRetry{.max_attempts = 3, .first_delay = seconds{10}, .max_delay = seconds{10}});
    pinger.ping("main", kHub, "https://news.example.org/main.xml");
    io.run_for(milliseconds{50});  // failed; a retry waits 10 s
    ASSERT_EQ(hub.received.size(), 1u);
    pinger.ping("main", kHub, "https://news.example.org/main.xml");  // a new change: sent now
    io.run_for(milliseconds{50});
    EXPECT_EQ(hub.received.size(), 2u);
    EXPECT_EQ(pinger.pending(), 0u);
}

TEST(HubPinger, StopDropsWaitingRetries) {
    boost::asio::io_context io;
    FakeHub hub{io, {kServerError, kServerError}, {}, {}};
    HubPinger pinger(io, hub.post(), kFast);
    pinger.ping("main", kHub, "https://news.example.org/main.xml");
    io.run_for(milliseconds{10});
    pinger.stop();
    io.run_for(milliseconds{200});
    EXPECT_EQ(hub.received.size(), 1u);
    EXPECT_EQ(pinger.pending(), 0u);
}

TEST(RenderCache, SameEntriesLaterAreNoChangeAndKeepTheirBuildTime) {
    RenderCache cache;
    const std::vector<MergedItem> one{item("a")};
    const auto first = cache.render(with_hub(kHub), one, kBuild, kBase);
    EXPECT_TRUE(first.changed);
    const auto again = cache.render(with_hub(kHub), one, kLater, kBase);
    EXPECT_FALSE(again.changed);
    EXPECT_EQ(again.build_time, kBuild);
    ASSERT_EQ(again.documents.size(), 3u);
    EXPECT_EQ(again.documents[0].body, first.documents[0].body);

    const std::vector<MergedItem> two{item("b"), item("a")};
    const auto changed = cache.render(with_hub(kHub), two, kLater, kBase);
    EXPECT_TRUE(changed.changed);
    EXPECT_EQ(changed.build_time, kLater);
    // Another hub is another document.
    EXPECT_TRUE(cache.render(with_hub("https://other.example/"), two, kLater + hours{1}, kBase).changed);
}

}  // namespace
}  // namespace tributary::publish
