#include "fetch/fetcher.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "fetch/curl_handles.hpp"
#include "fetch/proxy_policy.hpp"
#include "support/test_http_server.hpp"

namespace tributary {
// Readable outcomes in failure messages (found by ADL).
inline void PrintTo(FetchOutcome outcome, std::ostream* os) { *os << to_string(outcome); }
}  // namespace tributary

namespace tributary::fetch {
namespace {

using namespace std::chrono_literals;
using testing::RecordedRequest;
using testing::Response;
using testing::TestHttpServer;

const CurlGlobal curl_global;  // before any Fetcher, for the whole test program

Response redirect(int status, std::string location) {
    return Response{.status = status, .headers = {{"Location", std::move(location)}}, .body = {}};
}

Response ok(std::string body) {
    return Response{.status = 200, .headers = {{"Content-Type", "application/rss+xml"}}, .body = std::move(body)};
}

class FetcherTest : public ::testing::Test {
protected:
    FetcherTest() {
        settings.max_body_bytes = 1 << 20;
        settings.min_host_spacing = 0s;  // every test server is 127.0.0.1; spacing has its own tests
    }

    // Runs the loop until `done` or `limit`; never sleeps.
    void run_until(const std::function<bool()>& done, std::chrono::steady_clock::duration limit = 10s) {
        const auto deadline = std::chrono::steady_clock::now() + limit;
        if (io.stopped()) io.restart();
        while (!done() && std::chrono::steady_clock::now() < deadline) {
            if (io.run_one_until(deadline) == 0) break;  // out of work
        }
    }

    FetchRequest request(std::string_view path, bool allow_private = true) {
        FetchRequest r;
        r.feed_name = "test-feed";
        r.url = server.url(path);
        r.allow_private = allow_private;
        r.proxy = "none";  // whatever proxy the environment running the tests has
        return r;
    }

    // Fetches once with a fresh Fetcher and checks that on_done ran exactly once.
    FetchResult fetch_one(FetchRequest req, std::chrono::steady_clock::duration limit = 10s) {
        Fetcher fetcher(io, settings);
        std::vector<FetchResult> results;
        fetcher.fetch(std::move(req), [&](FetchResult r) { results.push_back(std::move(r)); });
        run_until([&] { return !results.empty(); }, limit);
        EXPECT_EQ(fetcher.in_flight(), 0u);
        if (io.stopped()) io.restart();
        io.poll();  // anything posted twice would show now
        EXPECT_EQ(results.size(), 1u);
        return results.empty() ? FetchResult{} : results.front();
    }

    TestHttpServer server;
    boost::asio::io_context io;
    FetchSettings settings;
};

TEST(DefaultUserAgent, NamesVersionAndLibcurl) {
    const std::string ua = default_user_agent();
    const std::string expected = std::string("Tributary/") + TRIBUTARY_VERSION + " (+feed aggregator; libcurl/" +
                                 curl_version_info(CURLVERSION_NOW)->version + ")";
    EXPECT_EQ(ua, expected);
}

TEST_F(FetcherTest, Fetches200WithBodyAndValidators) {
    server.route("/feed.xml", [](const RecordedRequest&) {
        return Response{.status = 200,
                        .headers = {{"Content-Type", "application/rss+xml; charset=utf-8"},
                                    {"ETag", "\"v1\""},
                                    {"Last-Modified", "Mon, 29 Dec 2025 11:02:17 GMT"},
                                    {"Cache-Control", "max-age=600"},
                                    {"Expires", "Mon, 29 Dec 2025 12:00:00 GMT"}},
                        .body = "<rss version=\"2.0\"/>"};
    });
    const FetchResult r = fetch_one(request("/feed.xml"));
    EXPECT_EQ(r.outcome, FetchOutcome::fetched);
    EXPECT_EQ(r.error, "");
    EXPECT_EQ(r.feed_name, "test-feed");
    EXPECT_EQ(r.http_status, 200);
    EXPECT_EQ(r.requested_url, server.url("/feed.xml"));
    EXPECT_EQ(r.final_url, server.url("/feed.xml"));
    EXPECT_FALSE(r.permanent_redirect);
    EXPECT_EQ(r.body, "<rss version=\"2.0\"/>");
    EXPECT_EQ(r.content_type, "application/rss+xml; charset=utf-8");
    EXPECT_EQ(r.etag, "\"v1\"");
    EXPECT_EQ(r.last_modified, "Mon, 29 Dec 2025 11:02:17 GMT");
    EXPECT_EQ(r.cache_control, "max-age=600");
    EXPECT_EQ(r.expires, "Mon, 29 Dec 2025 12:00:00 GMT");
    EXPECT_FALSE(r.retry_after.has_value());
    EXPECT_TRUE(r.ok());

    const auto reqs = server.requests();
    ASSERT_EQ(reqs.size(), 1u);
    EXPECT_EQ(reqs[0].method, "GET");
    EXPECT_EQ(reqs[0].target, "/feed.xml");
    EXPECT_EQ(reqs[0].headers.at("user-agent"), default_user_agent());
    EXPECT_NE(reqs[0].headers.at("accept-encoding").find("gzip"), std::string::npos);
    EXPECT_EQ(reqs[0].headers.count("if-none-match"), 0u);
    EXPECT_EQ(reqs[0].headers.count("if-modified-since"), 0u);
}

TEST_F(FetcherTest, ResolvesHostNames) {
    server.route("/named", [](const RecordedRequest&) { return ok("by name"); });
    FetchRequest req = request("/");
    req.url = "http://localhost:" + std::to_string(server.port()) + "/named";
    const FetchResult r = fetch_one(req);
    EXPECT_EQ(r.outcome, FetchOutcome::fetched) << r.error;
    EXPECT_EQ(r.body, "by name");
    EXPECT_EQ(r.final_url, req.url);
}

TEST_F(FetcherTest, SendsConfiguredUserAgent) {
    settings.user_agent = "FeedBot/2.0";
    server.route("/f", [](const RecordedRequest&) { return ok("x"); });
    EXPECT_EQ(fetch_one(request("/f")).outcome, FetchOutcome::fetched);
    EXPECT_EQ(server.requests().at(0).headers.at("user-agent"), "FeedBot/2.0");
}

TEST_F(FetcherTest, ConditionalGetYieldsNotModified) {
    const auto file = std::filesystem::temp_directory_path() / ("tributary-fetch-test-" + std::to_string(::getpid()));
    {
        std::ofstream out(file, std::ios::binary);
        out << "<rss version=\"2.0\"><channel/></rss>";
    }
    server.serve_file("/feed.xml", file, "application/rss+xml");

    const FetchResult first = fetch_one(request("/feed.xml"));
    ASSERT_EQ(first.outcome, FetchOutcome::fetched);
    EXPECT_EQ(first.body, "<rss version=\"2.0\"><channel/></rss>");
    ASSERT_FALSE(first.etag.empty());
    ASSERT_FALSE(first.last_modified.empty());

    FetchRequest both = request("/feed.xml");
    both.etag = first.etag;
    both.last_modified = first.last_modified;
    const FetchResult second = fetch_one(both);
    EXPECT_EQ(second.outcome, FetchOutcome::not_modified);
    EXPECT_EQ(second.http_status, 304);
    EXPECT_EQ(second.body, "");
    EXPECT_EQ(second.error, "");
    EXPECT_EQ(second.etag, first.etag);
    EXPECT_TRUE(second.ok());

    FetchRequest only_date = request("/feed.xml");
    only_date.last_modified = first.last_modified;
    EXPECT_EQ(fetch_one(only_date).outcome, FetchOutcome::not_modified);

    FetchRequest stale = request("/feed.xml");
    stale.etag = "\"something-else\"";
    EXPECT_EQ(fetch_one(stale).outcome, FetchOutcome::fetched);

    const auto reqs = server.requests();
    ASSERT_EQ(reqs.size(), 4u);
    EXPECT_EQ(reqs[1].headers.at("if-none-match"), first.etag);
    EXPECT_EQ(reqs[1].headers.at("if-modified-since"), first.last_modified);
    EXPECT_EQ(reqs[2].headers.count("if-none-match"), 0u);
    EXPECT_EQ(reqs[2].headers.at("if-modified-since"), first.last_modified);
    std::filesystem::remove(file);
}

TEST_F(FetcherTest, ValidatorsWithLineBreaksDoNotInjectHeaders) {
    server.route("/f", [](const RecordedRequest&) { return ok("x"); });
    FetchRequest req = request("/f");
    req.etag = "\"a\"\r\nX-Injected: yes";
    EXPECT_EQ(fetch_one(req).outcome, FetchOutcome::fetched);
    const auto reqs = server.requests();
    ASSERT_EQ(reqs.size(), 1u);
    EXPECT_EQ(reqs[0].headers.count("x-injected"), 0u);
    EXPECT_EQ(reqs[0].headers.at("if-none-match"), "\"a\"X-Injected: yes");
}

TEST_F(FetcherTest, GzipBodyIsDecoded) {
    const std::string text(5000, 'z');
    server.route("/gz", [&](const RecordedRequest&) {
        Response r = ok(text);
        r.gzip = true;
        return r;
    });
    const FetchResult r = fetch_one(request("/gz"));
    EXPECT_EQ(r.outcome, FetchOutcome::fetched);
    EXPECT_EQ(r.body, text);
}

TEST_F(FetcherTest, BodyOverCapByContentLengthIsTooLarge) {
    settings.max_body_bytes = 1000;
    server.route("/big", [](const RecordedRequest&) { return ok(std::string(5000, 'b')); });
    const FetchResult r = fetch_one(request("/big"));
    EXPECT_EQ(r.outcome, FetchOutcome::too_large);
    EXPECT_EQ(r.error, "fetch: " + server.url("/big") + ": body exceeds the limit of 1000 bytes (Content-Length)");
    EXPECT_EQ(r.body, "");
}

TEST_F(FetcherTest, BodyOverCapWithoutContentLengthIsTooLarge) {
    settings.max_body_bytes = 1000;
    server.route("/big", [](const RecordedRequest&) {
        return Response{
            .status = 200,
            .headers = {},
            .body = "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nConnection: close\r\n\r\n" + std::string(5000, 'b'),
            .mode = Response::Mode::raw};
    });
    const FetchResult r = fetch_one(request("/big"));
    EXPECT_EQ(r.outcome, FetchOutcome::too_large);
    EXPECT_EQ(r.error, "fetch: " + server.url("/big") + ": body exceeds the limit of 1000 bytes (after decompression)");
}

TEST_F(FetcherTest, BodyExactlyAtCapIsFetched) {
    settings.max_body_bytes = 1000;
    server.route("/edge", [](const RecordedRequest&) { return ok(std::string(1000, 'e')); });
    const FetchResult r = fetch_one(request("/edge"));
    EXPECT_EQ(r.outcome, FetchOutcome::fetched);
    EXPECT_EQ(r.body.size(), 1000u);
}

TEST_F(FetcherTest, GzipBombIsTooLarge) {
    settings.max_body_bytes = 1 << 20;
    const std::string bomb = testing::gzip_compress(std::string(20u << 20, '\0'));  // 20 MiB of zeros
    ASSERT_LT(bomb.size(), 64u * 1024);
    server.route("/bomb", [&](const RecordedRequest&) {
        return Response{.status = 200, .headers = {{"Content-Encoding", "gzip"}}, .body = bomb};
    });
    const FetchResult r = fetch_one(request("/bomb"));
    EXPECT_EQ(r.outcome, FetchOutcome::too_large);
    EXPECT_EQ(r.error,
              "fetch: " + server.url("/bomb") + ": body exceeds the limit of 1048576 bytes (after decompression)");
    EXPECT_EQ(r.body, "");
}

TEST_F(FetcherTest, HugeHeadersAreTooLarge) {
    server.route("/headers", [](const RecordedRequest&) {
        Response r = ok("x");
        for (int i = 0; i < 4; ++i) r.headers.emplace_back("X-Filler-" + std::to_string(i), std::string(20000, 'h'));
        return r;
    });
    const FetchResult r = fetch_one(request("/headers"));
    EXPECT_EQ(r.outcome, FetchOutcome::too_large);
    EXPECT_EQ(r.error, "fetch: " + server.url("/headers") + ": response headers exceed 65536 bytes");
}

TEST_F(FetcherTest, SlowServerTimesOutWithinTotalTimeout) {
    settings.total_timeout = 1s;
    server.route("/slow", [](const RecordedRequest&) {
        Response r = ok(std::string(100, 's'));
        r.mode = Response::Mode::slow;
        r.chunk_bytes = 1;
        r.chunk_interval = 200ms;  // 20 s for the whole body
        return r;
    });
    const auto t0 = std::chrono::steady_clock::now();
    const FetchResult r = fetch_one(request("/slow"));
    const auto took = std::chrono::steady_clock::now() - t0;
    EXPECT_EQ(r.outcome, FetchOutcome::timed_out);
    EXPECT_EQ(r.error.rfind("fetch: " + server.url("/slow") + ": Operation timed out after ", 0), 0u) << r.error;
    EXPECT_EQ(r.body, "");
    EXPECT_GE(r.elapsed, 900ms);
    EXPECT_LT(took, 3s);
}

TEST_F(FetcherTest, StalledBodyTimesOut) {
    settings.total_timeout = 1s;
    server.route("/stall", [](const RecordedRequest&) {
        Response r = ok(std::string(100, 's'));
        r.mode = Response::Mode::stall;
        r.chunk_bytes = 10;
        return r;
    });
    const auto t0 = std::chrono::steady_clock::now();
    const FetchResult r = fetch_one(request("/stall"));
    EXPECT_EQ(r.outcome, FetchOutcome::timed_out);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);
}

TEST_F(FetcherTest, ConnectionClosedMidBodyIsNetworkError) {
    server.route("/cut", [](const RecordedRequest&) {
        Response r = ok(std::string(1000, 'c'));
        r.mode = Response::Mode::close_mid_body;
        return r;
    });
    const FetchResult r = fetch_one(request("/cut"));
    EXPECT_EQ(r.outcome, FetchOutcome::network_error);
    EXPECT_EQ(r.error, "fetch: " + server.url("/cut") + ": transfer closed with 500 bytes remaining to read");
    EXPECT_EQ(r.body, "");
}

TEST_F(FetcherTest, FollowsTemporaryRedirect) {
    server.route("/old", [&](const RecordedRequest&) { return redirect(302, "/new?x=1"); });
    server.route("/new", [](const RecordedRequest&) { return ok("moved"); });
    const FetchResult r = fetch_one(request("/old"));
    EXPECT_EQ(r.outcome, FetchOutcome::fetched);
    EXPECT_EQ(r.body, "moved");
    EXPECT_EQ(r.requested_url, server.url("/old"));
    EXPECT_EQ(r.final_url, server.url("/new?x=1"));
    EXPECT_FALSE(r.permanent_redirect);
}

TEST_F(FetcherTest, ChainOfPermanentRedirectsIsPermanent) {
    server.route("/p1", [&](const RecordedRequest&) { return redirect(301, server.url("/p2")); });
    server.route("/p2", [&](const RecordedRequest&) { return redirect(308, "/p3"); });
    server.route("/p3", [](const RecordedRequest&) { return ok("final"); });
    const FetchResult r = fetch_one(request("/p1"));
    EXPECT_EQ(r.outcome, FetchOutcome::fetched);
    EXPECT_EQ(r.final_url, server.url("/p3"));
    EXPECT_TRUE(r.permanent_redirect);
    EXPECT_EQ(server.hits("/p1"), 1);
    EXPECT_EQ(server.hits("/p2"), 1);
    EXPECT_EQ(server.hits("/p3"), 1);
}

TEST_F(FetcherTest, PermanentThenTemporaryIsNotPermanent) {
    server.route("/m1", [&](const RecordedRequest&) { return redirect(301, "/m2"); });
    server.route("/m2", [&](const RecordedRequest&) { return redirect(307, "/m3"); });
    server.route("/m3", [](const RecordedRequest&) { return ok("final"); });
    const FetchResult r = fetch_one(request("/m1"));
    EXPECT_EQ(r.outcome, FetchOutcome::fetched);
    EXPECT_EQ(r.final_url, server.url("/m3"));
    EXPECT_FALSE(r.permanent_redirect);
}

TEST_F(FetcherTest, RedirectLoopIsRedirectError) {
    server.route("/loop1", [&](const RecordedRequest&) { return redirect(302, "/loop2"); });
    server.route("/loop2", [&](const RecordedRequest&) { return redirect(302, "/loop1"); });
    const FetchResult r = fetch_one(request("/loop1"));
    EXPECT_EQ(r.outcome, FetchOutcome::redirect_error);
    EXPECT_EQ(r.error, "fetch: " + server.url("/loop1") + ": redirect loop at " + server.url("/loop1"));
    EXPECT_EQ(server.hits("/loop1"), 1);
    EXPECT_EQ(server.hits("/loop2"), 1);
}

TEST_F(FetcherTest, TooManyRedirectsIsRedirectError) {
    settings.max_redirects = 3;
    server.route("/hop", [&](const RecordedRequest& req) {
        const int n = std::stoi(req.target.substr(req.target.find('=') + 1));
        return redirect(302, "/hop?n=" + std::to_string(n + 1));
    });
    const FetchResult r = fetch_one(request("/hop?n=0"));
    EXPECT_EQ(r.outcome, FetchOutcome::redirect_error);
    EXPECT_EQ(r.error, "fetch: " + server.url("/hop?n=0") + ": Maximum (3) redirects followed");
    EXPECT_EQ(server.hits("/hop"), 4);
}

TEST_F(FetcherTest, RedirectToFileUrlIsRefused) {
    server.route("/evil", [](const RecordedRequest&) { return redirect(302, "file:///etc/passwd"); });
    const FetchResult r = fetch_one(request("/evil"));
    EXPECT_EQ(r.outcome, FetchOutcome::redirect_error);
    EXPECT_EQ(r.error, "fetch: " + server.url("/evil") + ": redirect to a file URL refused (file:///etc/passwd)");
    EXPECT_EQ(r.body, "");
}

TEST_F(FetcherTest, ServerErrorIsHttpError) {
    server.route("/broken",
                 [](const RecordedRequest&) { return Response{.status = 500, .headers = {}, .body = "oops"}; });
    const FetchResult r = fetch_one(request("/broken"));
    EXPECT_EQ(r.outcome, FetchOutcome::http_error);
    EXPECT_EQ(r.http_status, 500);
    EXPECT_EQ(r.error, "fetch: " + server.url("/broken") + ": HTTP 500");
    EXPECT_EQ(r.body, "");
    EXPECT_FALSE(r.ok());
}

TEST_F(FetcherTest, UnknownPathIsHttpError404) {
    const FetchResult r = fetch_one(request("/nowhere"));
    EXPECT_EQ(r.outcome, FetchOutcome::http_error);
    EXPECT_EQ(r.http_status, 404);
    EXPECT_EQ(r.error, "fetch: " + server.url("/nowhere") + ": HTTP 404");
}

TEST_F(FetcherTest, RetryAfterInSeconds) {
    server.route("/busy", [](const RecordedRequest&) {
        return Response{.status = 429, .headers = {{"Retry-After", "120"}}, .body = {}};
    });
    const FetchResult r = fetch_one(request("/busy"));
    EXPECT_EQ(r.outcome, FetchOutcome::http_error);
    EXPECT_EQ(r.http_status, 429);
    ASSERT_TRUE(r.retry_after.has_value());
    EXPECT_EQ(*r.retry_after, 120s);
}

TEST_F(FetcherTest, RetryAfterAsHttpDate) {
    const std::string when = testing::http_date(std::chrono::system_clock::now() + 300s);
    server.route("/busy", [&](const RecordedRequest&) {
        return Response{.status = 503, .headers = {{"Retry-After", when}}, .body = {}};
    });
    const FetchResult r = fetch_one(request("/busy"));
    EXPECT_EQ(r.http_status, 503);
    ASSERT_TRUE(r.retry_after.has_value());
    // An HTTP date has whole seconds, and the test's clock and the fetcher's read it at two
    // moments: a second either way is resolution, not error (301s was seen in CI).
    EXPECT_GE(*r.retry_after, 298s);
    EXPECT_LE(*r.retry_after, 301s);
}

TEST_F(FetcherTest, RetryAfterInThePastIsZero) {
    server.route("/busy", [](const RecordedRequest&) {
        return Response{.status = 429, .headers = {{"Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT"}}, .body = {}};
    });
    const FetchResult r = fetch_one(request("/busy"));
    ASSERT_TRUE(r.retry_after.has_value());
    EXPECT_EQ(*r.retry_after, 0s);
}

TEST_F(FetcherTest, UnparseableRetryAfterIsAbsent) {
    server.route("/busy", [](const RecordedRequest&) {
        return Response{.status = 429, .headers = {{"Retry-After", "soon-ish"}}, .body = {}};
    });
    EXPECT_FALSE(fetch_one(request("/busy")).retry_after.has_value());
}

TEST_F(FetcherTest, ConnectionRefusedIsNetworkError) {
    std::uint16_t port = 0;
    {
        boost::asio::io_context tmp;
        boost::asio::ip::tcp::acceptor a(tmp, {boost::asio::ip::make_address("127.0.0.1"), 0});
        port = a.local_endpoint().port();
    }  // closed: nobody listens there now
    FetchRequest req = request("/");
    req.url = "http://127.0.0.1:" + std::to_string(port) + "/feed";
    const FetchResult r = fetch_one(req);
    EXPECT_EQ(r.outcome, FetchOutcome::network_error);
    EXPECT_EQ(r.http_status, 0);
    EXPECT_EQ(r.error.rfind("fetch: " + req.url + ": Failed to connect to 127.0.0.1 port " + std::to_string(port), 0),
              0u)
        << r.error;
}

TEST_F(FetcherTest, UnsupportedSchemeIsNetworkError) {
    FetchRequest req = request("/");
    req.url = "ftp://127.0.0.1/feed.xml";
    const FetchResult r = fetch_one(req);
    EXPECT_EQ(r.outcome, FetchOutcome::network_error);
    EXPECT_NE(r.error.find("ftp"), std::string::npos) << r.error;
}

TEST_F(FetcherTest, PrivateAddressRefusedUnlessAllowed) {
    server.route("/feed", [](const RecordedRequest&) { return ok("private"); });
    const FetchResult refused = fetch_one(request("/feed", /*allow_private=*/false));
    EXPECT_EQ(refused.outcome, FetchOutcome::blocked);
    EXPECT_EQ(refused.error, "fetch: " + server.url("/feed") +
                                 ": refused to connect to private address 127.0.0.1 (allow_private = no)");
    EXPECT_EQ(server.hits("/feed"), 0);

    const FetchResult allowed = fetch_one(request("/feed", /*allow_private=*/true));
    EXPECT_EQ(allowed.outcome, FetchOutcome::fetched);
    EXPECT_EQ(allowed.body, "private");
    EXPECT_EQ(server.hits("/feed"), 1);
}

TEST_F(FetcherTest, ReusedConnectionIsCheckedToo) {
    // The first feed may use private addresses and leaves a kept-alive connection in curl's
    // cache; the second may not, and must not be sent over that connection.
    server.route("/feed", [](const RecordedRequest&) { return ok("private"); });
    Fetcher fetcher(io, settings);
    std::vector<FetchResult> results;
    fetcher.fetch(request("/feed", true), [&](FetchResult r) { results.push_back(std::move(r)); });
    run_until([&] { return results.size() == 1; });
    fetcher.fetch(request("/feed", false), [&](FetchResult r) { results.push_back(std::move(r)); });
    run_until([&] { return results.size() == 2; });
    ASSERT_EQ(results.size(), 2u);
    EXPECT_EQ(results[0].outcome, FetchOutcome::fetched);
    EXPECT_EQ(results[1].outcome, FetchOutcome::blocked);
    EXPECT_EQ(results[1].error, "fetch: " + server.url("/feed") +
                                    ": refused to connect to private address 127.0.0.1 (allow_private = no)");
    EXPECT_EQ(server.hits("/feed"), 1);
}

TEST_F(FetcherTest, FiftyConcurrentFetchesCompleteExactlyOnce) {
    settings.max_concurrent = 8;
    settings.max_per_host = 4;
    server.route("/n", [](const RecordedRequest& req) { return ok(req.target); });
    Fetcher fetcher(io, settings);
    constexpr int kCount = 50;
    std::vector<int> calls(kCount, 0);
    std::vector<FetchResult> results(kCount);
    int done = 0;
    for (int i = 0; i < kCount; ++i) {
        fetcher.fetch(request("/n?i=" + std::to_string(i)), [&, i](FetchResult r) {
            ++calls[i];
            ++done;
            results[i] = std::move(r);
        });
    }
    EXPECT_EQ(fetcher.in_flight(), static_cast<std::size_t>(kCount));
    run_until([&] { return done == kCount; }, 30s);
    io.restart();
    io.poll();
    EXPECT_EQ(fetcher.in_flight(), 0u);
    for (int i = 0; i < kCount; ++i) {
        SCOPED_TRACE(i);
        EXPECT_EQ(calls[i], 1);
        EXPECT_EQ(results[i].outcome, FetchOutcome::fetched);
        EXPECT_EQ(results[i].body, "/n?i=" + std::to_string(i));
    }
    EXPECT_EQ(server.hits("/n"), kCount);
}

TEST_F(FetcherTest, CancelAllCompletesQueuedAndInFlightWithCancelled) {
    settings.max_concurrent = 2;
    server.route("/stall", [](const RecordedRequest&) {
        Response r = ok(std::string(100, 's'));
        r.mode = Response::Mode::stall;
        return r;
    });
    Fetcher fetcher(io, settings);
    std::vector<FetchResult> results;
    for (int i = 0; i < 3; ++i) {
        fetcher.fetch(request("/stall?i=" + std::to_string(i)),
                      [&](FetchResult r) { results.push_back(std::move(r)); });
    }
    run_until([&] { return server.hits("/stall") == 2; });  // two running, one queued
    ASSERT_EQ(server.hits("/stall"), 2);
    EXPECT_EQ(fetcher.in_flight(), 3u);
    fetcher.cancel_all();
    EXPECT_EQ(fetcher.in_flight(), 0u);
    EXPECT_TRUE(results.empty());  // completions are posted, never inline
    run_until([&] { return results.size() == 3; });
    io.restart();
    io.poll();
    ASSERT_EQ(results.size(), 3u);
    for (const auto& r : results) {
        EXPECT_EQ(r.outcome, FetchOutcome::cancelled);
        EXPECT_EQ(r.error, "fetch: " + r.requested_url + ": cancelled");
    }
    EXPECT_EQ(server.hits("/stall"), 2);
}

TEST_F(FetcherTest, DestructorCancelsInFlight) {
    server.route("/stall", [](const RecordedRequest&) {
        Response r = ok(std::string(100, 's'));
        r.mode = Response::Mode::stall;
        return r;
    });
    std::vector<FetchResult> results;
    {
        Fetcher fetcher(io, settings);
        fetcher.fetch(request("/stall"), [&](FetchResult r) { results.push_back(std::move(r)); });
        run_until([&] { return server.hits("/stall") == 1; });
    }
    run_until([&] { return !results.empty(); });
    ASSERT_EQ(results.size(), 1u);
    EXPECT_EQ(results[0].outcome, FetchOutcome::cancelled);
}

TEST_F(FetcherTest, OnDoneIsNeverCalledInline) {
    server.route("/f", [](const RecordedRequest&) { return ok("x"); });
    Fetcher fetcher(io, settings);
    int completed = 0;
    for (const std::string& url : {server.url("/f"), std::string("ftp://127.0.0.1/x"), std::string("not a url")}) {
        SCOPED_TRACE(url);
        bool returned = false;
        bool called_after_return = false;
        FetchRequest req = request("/");
        req.url = url;
        const int before = completed;
        fetcher.fetch(req, [&](FetchResult) {
            called_after_return = returned;
            ++completed;
        });
        returned = true;
        run_until([&] { return completed == before + 1; });
        EXPECT_TRUE(called_after_return);
    }
    EXPECT_EQ(completed, 3);
}

// ------------------------------------------------------------ per-feed options ---

TEST_F(FetcherTest, SendsExtraHeadersAndLetsTheFeedReplaceAccept) {
    server.route("/f", [](const RecordedRequest&) { return ok("x"); });
    FetchRequest req = request("/f");
    req.headers = {{"X-Api-Key", "k1"}, {"Accept", "application/atom+xml"}, {"X-Empty", ""}};
    EXPECT_EQ(fetch_one(req).outcome, FetchOutcome::fetched);
    const auto reqs = server.requests();
    ASSERT_EQ(reqs.size(), 1u);
    EXPECT_EQ(reqs[0].headers.at("x-api-key"), "k1");
    EXPECT_EQ(reqs[0].headers.at("accept"), "application/atom+xml");  // once, not joined with ours
    EXPECT_EQ(reqs[0].headers.at("x-empty"), "");
}

TEST_F(FetcherTest, ExtraHeadersCannotInjectLines) {
    server.route("/f", [](const RecordedRequest&) { return ok("x"); });
    FetchRequest req = request("/f");
    req.headers = {{"X-Note", "a\r\nX-Injected: yes"}};
    EXPECT_EQ(fetch_one(req).outcome, FetchOutcome::fetched);
    const auto reqs = server.requests();
    ASSERT_EQ(reqs.size(), 1u);
    EXPECT_EQ(reqs[0].headers.count("x-injected"), 0u);
    EXPECT_EQ(reqs[0].headers.at("x-note"), "aX-Injected: yes");
}

TEST_F(FetcherTest, InvalidHeaderNameFailsTheFetch) {
    server.route("/f", [](const RecordedRequest&) { return ok("x"); });
    FetchRequest req = request("/f");
    req.headers = {{"Bad Name:", "x"}};
    const FetchResult r = fetch_one(req);
    EXPECT_EQ(r.outcome, FetchOutcome::network_error);
    EXPECT_EQ(r.error, "fetch: " + server.url("/f") + ": invalid request header name 'Bad Name:'");
    EXPECT_EQ(server.hits("/f"), 0);
}

TEST_F(FetcherTest, SendsBasicAuthAndNeverShowsThePassword) {
    server.route("/private", [](const RecordedRequest&) { return Response{.status = 403, .headers = {}, .body = {}}; });
    FetchRequest req = request("/private");
    req.username = "alice";
    req.password = "s3cret";
    const FetchResult r = fetch_one(req);
    EXPECT_EQ(r.outcome, FetchOutcome::http_error);
    EXPECT_EQ(r.error.find("s3cret"), std::string::npos);
    const auto reqs = server.requests();
    ASSERT_EQ(reqs.size(), 1u);
    EXPECT_EQ(reqs[0].headers.at("authorization"), "Basic YWxpY2U6czNjcmV0");  // base64("alice:s3cret")
}

TEST_F(FetcherTest, BasicAuthIsNotForwardedToAnotherHost) {
    const std::string elsewhere = "http://localhost:" + std::to_string(server.port()) + "/landing";
    server.route("/auth", [&](const RecordedRequest&) { return redirect(302, elsewhere); });
    server.route("/landing", [](const RecordedRequest&) { return ok("landed"); });
    FetchRequest req = request("/auth");
    req.username = "alice";
    req.password = "s3cret";
    const FetchResult r = fetch_one(req);
    EXPECT_EQ(r.outcome, FetchOutcome::fetched) << r.error;
    EXPECT_EQ(r.final_url, elsewhere);
    const auto reqs = server.requests();
    ASSERT_EQ(reqs.size(), 2u);
    EXPECT_EQ(reqs[0].headers.count("authorization"), 1u);
    EXPECT_EQ(reqs[1].headers.count("authorization"), 0u);
}

TEST_F(FetcherTest, CredentialsInTheUrlAreMaskedInErrors) {
    FetchRequest req = request("/");
    req.url = "http://bob:hunter2@127.0.0.1:" + std::to_string(server.port()) + "/nowhere";
    const FetchResult r = fetch_one(req);
    EXPECT_EQ(r.outcome, FetchOutcome::http_error);
    EXPECT_EQ(r.error, "fetch: http://***@127.0.0.1:" + std::to_string(server.port()) + "/nowhere: HTTP 404");
    EXPECT_EQ(server.requests().at(0).headers.at("authorization"), "Basic Ym9iOmh1bnRlcjI=");
}

TEST_F(FetcherTest, PerFeedUserAgentWins) {
    settings.user_agent = "FeedBot/2.0";
    server.route("/f", [](const RecordedRequest&) { return ok("x"); });
    FetchRequest req = request("/f");
    req.user_agent = "Special/1.0 (+https://example.org/bot)";
    EXPECT_EQ(fetch_one(req).outcome, FetchOutcome::fetched);
    EXPECT_EQ(server.requests().at(0).headers.at("user-agent"), "Special/1.0 (+https://example.org/bot)");
}

// The test server doubles as a forward proxy: a proxied request arrives with the absolute URL
// as its target, so a route named by that URL answers it.
TEST_F(FetcherTest, GoesThroughTheFeedsProxy) {
    server.route("http://feeds.example.invalid/feed.xml", [](const RecordedRequest&) { return ok("via proxy"); });
    FetchRequest req = request("/");
    req.url = "http://feeds.example.invalid/feed.xml";
    req.proxy = server.url("");
    req.allow_private = false;  // the proxy is on 127.0.0.1: trusted, it is the operator's
    const FetchResult r = fetch_one(req);
    EXPECT_EQ(r.outcome, FetchOutcome::fetched) << r.error;
    EXPECT_EQ(r.body, "via proxy");
    EXPECT_EQ(server.requests().at(0).headers.at("host"), "feeds.example.invalid");
}

TEST_F(FetcherTest, ProxiedLiteralPrivateTargetIsBlocked) {
    for (const std::string url :
         {"http://10.1.2.3/feed", "http://localhost/feed", "http://[::1]:8080/feed", "http://0x7f.1/feed"}) {
        SCOPED_TRACE(url);
        FetchRequest req = request("/");
        req.url = url;
        req.proxy = server.url("");
        req.allow_private = false;
        const FetchResult r = fetch_one(req);
        EXPECT_EQ(r.outcome, FetchOutcome::blocked);
        EXPECT_NE(r.error.find("refused to connect to private address"), std::string::npos) << r.error;
    }
    EXPECT_TRUE(server.requests().empty());
}

TEST_F(FetcherTest, ProxiedRedirectToPrivateLiteralIsBlocked) {
    server.route("http://feeds.example.invalid/r",
                 [](const RecordedRequest&) { return redirect(302, "http://169.254.169.254/latest/meta-data/"); });
    FetchRequest req = request("/");
    req.url = "http://feeds.example.invalid/r";
    req.proxy = server.url("");
    req.allow_private = false;
    const FetchResult r = fetch_one(req);
    EXPECT_EQ(r.outcome, FetchOutcome::blocked);
    EXPECT_EQ(r.error,
              "fetch: http://feeds.example.invalid/r: refused to connect to private address 169.254.169.254 "
              "(allow_private = no)");
    EXPECT_EQ(server.requests().size(), 1u);  // the metadata address was never asked for
}

TEST_F(FetcherTest, UsesTheProxyEnvironmentUnlessTheFeedSaysNone) {
    server.route("http://env.example.invalid/feed", [](const RecordedRequest&) { return ok("env proxy"); });
    server.route("/direct", [](const RecordedRequest&) { return ok("direct"); });
    ::setenv("http_proxy", server.url("").c_str(), 1);
    ::unsetenv("no_proxy");
    ::unsetenv("NO_PROXY");
    FetchRequest via_env = request("/");
    via_env.url = "http://env.example.invalid/feed";
    via_env.proxy = "";
    const FetchResult r1 = fetch_one(via_env);
    FetchRequest direct = request("/direct");  // proxy = "none"
    const FetchResult r2 = fetch_one(direct);
    ::unsetenv("http_proxy");
    EXPECT_EQ(r1.outcome, FetchOutcome::fetched) << r1.error;
    EXPECT_EQ(r1.body, "env proxy");
    EXPECT_EQ(r2.outcome, FetchOutcome::fetched) << r2.error;
    const auto reqs = server.requests();
    ASSERT_EQ(reqs.size(), 2u);
    EXPECT_EQ(reqs[0].target, "http://env.example.invalid/feed");
    EXPECT_EQ(reqs[1].target, "/direct");
}

TEST(ChooseProxy, Table) {
    struct Case {
        const char* name;
        const char* url;
        const char* feed_proxy;
        std::vector<std::pair<const char*, const char*>> env;
        ProxyChoice expected;
    };
    const Case cases[] = {
        {"nothing set", "http://a.example/f", "", {}, {}},
        {"the feed's proxy",
         "https://a.example/f",
         "http://proxy:3128",
         {{"https_proxy", "http://other:1"}},
         {"http://proxy:3128", "feed"}},
        {"none ignores the environment", "http://a.example/f", "none", {{"http_proxy", "http://p:1"}}, {}},
        {"DIRECT as well", "http://a.example/f", "DIRECT", {{"all_proxy", "http://p:1"}}, {}},
        {"http_proxy for http", "http://a.example/f", "", {{"http_proxy", "http://p:1"}}, {"http://p:1", "http_proxy"}},
        {"HTTP_PROXY is ignored (httpoxy)", "http://a.example/f", "", {{"HTTP_PROXY", "http://p:1"}}, {}},
        {"http_proxy not for https", "https://a.example/f", "", {{"http_proxy", "http://p:1"}}, {}},
        {"HTTPS_PROXY for https",
         "https://a.example/f",
         "",
         {{"HTTPS_PROXY", "http://p:2"}},
         {"http://p:2", "HTTPS_PROXY"}},
        {"lower case first",
         "https://a.example/f",
         "",
         {{"https_proxy", "http://l:1"}, {"HTTPS_PROXY", "http://u:1"}},
         {"http://l:1", "https_proxy"}},
        {"all_proxy as the fallback",
         "https://a.example/f",
         "",
         {{"ALL_PROXY", "socks5h://s:1080"}},
         {"socks5h://s:1080", "ALL_PROXY"}},
        {"empty variable is unset",
         "http://a.example/f",
         "",
         {{"http_proxy", " "}, {"all_proxy", "http://p:3"}},
         {"http://p:3", "all_proxy"}},
        {"no_proxy exempts the host",
         "http://a.example/f",
         "",
         {{"http_proxy", "http://p:1"}, {"no_proxy", "localhost,a.example"}},
         {}},
        {"NO_PROXY too", "http://sub.a.example/f", "", {{"http_proxy", "http://p:1"}, {"NO_PROXY", ".a.example"}}, {}},
        {"no_proxy not matching",
         "http://b.example/f",
         "",
         {{"http_proxy", "http://p:1"}, {"no_proxy", "a.example"}},
         {"http://p:1", "http_proxy"}},
        {"no_proxy does not apply to the feed's proxy",
         "http://a.example/f",
         "http://fp:1",
         {{"no_proxy", "*"}},
         {"http://fp:1", "feed"}},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.name);
        const auto env = [&](const char* name) -> std::optional<std::string> {
            for (const auto& [k, v] : c.env)
                if (std::string_view(k) == name) return std::string(v);
            return std::nullopt;
        };
        const ProxyChoice got = choose_proxy(c.url, c.feed_proxy, env);
        EXPECT_EQ(got.proxy, c.expected.proxy);
        EXPECT_EQ(got.source, c.expected.source);
    }
}

TEST(NoProxyMatches, Table) {
    const std::tuple<const char*, const char*, bool> cases[] = {
        {"*", "anything.example", true},
        {"example.com", "example.com", true},
        {"example.com", "www.example.com", true},
        {".example.com", "www.example.com", true},
        {"example.com", "badexample.com", false},
        {"Example.COM.", "example.com", true},
        {"a.org, b.org ,c.org", "b.org", true},
        {"10.0.0.1", "10.0.0.1", true},
        {"[::1]", "::1", true},
        {"", "example.com", false},
        {",,", "example.com", false},
    };
    for (const auto& [list, host, expected] : cases) {
        SCOPED_TRACE(std::string(list) + " / " + host);
        EXPECT_EQ(no_proxy_matches(list, host), expected);
    }
}

TEST(ForbiddenTargetHost, Table) {
    const std::pair<const char*, bool> cases[] = {
        {"localhost", true},     {"feeds.localhost", true}, {"127.0.0.1", true},       {"10.0.0.7", true},
        {"::1", true},           {"fd00::1", true},         {"169.254.169.254", true}, {"93.184.216.34", false},
        {"2606:4700::1", false}, {"example.com", false},    {"10.example.com", false}, {"cafe", false},
    };
    for (const auto& [host, expected] : cases) {
        SCOPED_TRACE(host);
        EXPECT_EQ(forbidden_target_host(host), expected);
    }
}

TEST(UrlParts, NormalisesHosts) {
    EXPECT_EQ(url_parts("HTTPS://Feeds.Example.COM:8443/x")->host, "feeds.example.com");
    EXPECT_EQ(url_parts("HTTPS://Feeds.Example.COM:8443/x")->scheme, "https");
    EXPECT_EQ(url_parts("http://[::1]:80/")->host, "::1");
    EXPECT_EQ(url_parts("http://0x7f.1/")->host, "127.0.0.1");
    EXPECT_EQ(url_parts("http://example.com./")->host, "example.com");
    EXPECT_FALSE(url_parts("not a url").has_value());
}

TEST(RedactUrl, MasksUserInfo) {
    EXPECT_EQ(redact_url("https://user:pw@example.com/feed?a=b@c"), "https://***@example.com/feed?a=b@c");
    EXPECT_EQ(redact_url("http://example.com/a@b"), "http://example.com/a@b");
    EXPECT_EQ(redact_url("http://token@example.com"), "http://***@example.com");
    EXPECT_EQ(redact_url("no scheme"), "no scheme");
}

// ---------------------------------------------------------------------- bounds ---

TEST_F(FetcherTest, LowSpeedLimitAbandonsASlowDrip) {
    settings.total_timeout = 30s;
    settings.low_speed_bytes = 100;  // bytes per second…
    settings.low_speed_time = 1s;    // …for a second
    server.route("/drip", [](const RecordedRequest&) {
        Response r = ok(std::string(200, 'd'));
        r.mode = Response::Mode::slow;
        r.chunk_bytes = 1;
        r.chunk_interval = 100ms;  // 10 bytes/s
        return r;
    });
    const auto t0 = std::chrono::steady_clock::now();
    const FetchResult r = fetch_one(request("/drip"));
    EXPECT_EQ(r.outcome, FetchOutcome::timed_out);
    EXPECT_NE(r.error.find("too slow"), std::string::npos) << r.error;
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
}

TEST_F(FetcherTest, HeaderCapComesFromTheSettings) {
    settings.max_header_bytes = 2000;
    server.route("/headers", [](const RecordedRequest&) {
        Response r = ok("x");
        r.headers.emplace_back("X-Filler", std::string(3000, 'h'));
        return r;
    });
    const FetchResult r = fetch_one(request("/headers"));
    EXPECT_EQ(r.outcome, FetchOutcome::too_large);
    EXPECT_EQ(r.error, "fetch: " + server.url("/headers") + ": response headers exceed 2000 bytes");
}

// -------------------------------------------------------------------- politeness ---

TEST_F(FetcherTest, SpacesRequestsToOneHostAndQueuesThem) {
    settings.min_host_spacing = 1s;
    settings.max_per_host = 4;
    std::mutex mutex;
    std::vector<std::pair<std::string, std::chrono::steady_clock::time_point>> arrivals;
    auto record = [&](const RecordedRequest& req) {
        std::lock_guard lock(mutex);
        arrivals.emplace_back(req.headers.at("host").substr(0, req.headers.at("host").find(':')),
                              std::chrono::steady_clock::now());
        return ok(req.target);
    };
    server.route("/a", record);
    server.route("/b", record);
    Fetcher fetcher(io, settings);
    std::vector<FetchResult> results;
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < 3; ++i) {
        fetcher.fetch(request("/a?i=" + std::to_string(i)), [&](FetchResult r) { results.push_back(std::move(r)); });
    }
    FetchRequest other = request("/b");
    other.url = "http://localhost:" + std::to_string(server.port()) + "/b";  // another host name
    fetcher.fetch(other, [&](FetchResult r) { results.push_back(std::move(r)); });
    EXPECT_EQ(fetcher.running(), 2u);  // one per host; the other two wait for their spacing
    run_until([&] { return results.size() == 4; }, 10s);
    ASSERT_EQ(results.size(), 4u);
    for (const auto& r : results) EXPECT_EQ(r.outcome, FetchOutcome::fetched) << r.error;
    std::lock_guard lock(mutex);
    ASSERT_EQ(arrivals.size(), 4u);
    std::vector<std::chrono::steady_clock::time_point> same_host;
    for (const auto& [host, at] : arrivals) {
        if (host == "127.0.0.1") same_host.push_back(at);
        if (host == "localhost") {
            EXPECT_LT(at - t0, 500ms);  // not held behind the other host
        }
    }
    ASSERT_EQ(same_host.size(), 3u);
    EXPECT_GE(same_host[1] - same_host[0], 950ms);
    EXPECT_GE(same_host[2] - same_host[1], 950ms);
}

TEST_F(FetcherTest, CapsTransfersPerHostAndStartsTheRestLater) {
    settings.max_per_host = 1;
    server.route("/stall", [](const RecordedRequest&) {
        Response r = ok(std::string(100, 's'));
        r.mode = Response::Mode::stall;
        return r;
    });
    server.route("/quick", [](const RecordedRequest&) { return ok("q"); });
    Fetcher fetcher(io, settings);
    std::vector<FetchResult> results;
    fetcher.fetch(request("/stall?1"), [&](FetchResult r) { results.push_back(std::move(r)); });
    fetcher.fetch(request("/stall?2"), [&](FetchResult r) { results.push_back(std::move(r)); });
    FetchRequest other = request("/quick");
    other.url = "http://localhost:" + std::to_string(server.port()) + "/quick";
    fetcher.fetch(other, [&](FetchResult r) { results.push_back(std::move(r)); });
    run_until([&] { return results.size() == 1 && server.hits("/stall") == 1; });
    ASSERT_EQ(results.size(), 1u);
    EXPECT_EQ(results[0].body, "q");  // the other host was not blocked behind the cap
    io.restart();
    io.run_for(300ms);
    EXPECT_EQ(server.hits("/stall"), 1);
    EXPECT_EQ(fetcher.running(), 1u);
    EXPECT_EQ(fetcher.in_flight(), 2u);
    fetcher.cancel_all();
    run_until([&] { return results.size() == 3; });
    EXPECT_EQ(results.size(), 3u);
}

TEST_F(FetcherTest, ReusesConnectionsAcrossPolls) {
    server.route("/f", [](const RecordedRequest&) { return ok("x"); });
    Fetcher fetcher(io, settings);
    for (int poll = 0; poll < 3; ++poll) {
        std::optional<FetchResult> r;
        fetcher.fetch(request("/f"), [&](FetchResult got) { r = std::move(got); });
        run_until([&] { return r.has_value(); });
        ASSERT_TRUE(r);
        EXPECT_EQ(r->outcome, FetchOutcome::fetched);
    }
    EXPECT_EQ(server.hits("/f"), 3);
    EXPECT_EQ(fetcher.connections_opened(), 1u);
}

// --------------------------------------------------------------------- redirects ---

TEST_F(FetcherTest, MixedRedirectChainsAreNotPermanent) {
    struct Case {
        const char* name;
        std::vector<int> hops;
        bool permanent;
    };
    const Case cases[] = {
        {"301", {301}, true},
        {"308", {308}, true},
        {"302", {302}, false},
        {"301 308 301", {301, 308, 301}, true},
        {"302 then 301", {302, 301}, false},
        {"308 then 307", {308, 307}, false},
        {"301 301 303", {301, 301, 303}, false},
    };
    int n = 0;
    for (const Case& c : cases) {
        SCOPED_TRACE(c.name);
        const std::string base = "/chain" + std::to_string(n++) + "-";
        for (std::size_t i = 0; i < c.hops.size(); ++i) {
            server.route(base + std::to_string(i), [status = c.hops[i], next = base + std::to_string(i + 1)](
                                                       const RecordedRequest&) { return redirect(status, next); });
        }
        server.route(base + std::to_string(c.hops.size()), [](const RecordedRequest&) { return ok("end"); });
        const FetchResult r = fetch_one(request(base + "0"));
        EXPECT_EQ(r.outcome, FetchOutcome::fetched) << r.error;
        EXPECT_EQ(r.final_url, server.url(base + std::to_string(c.hops.size())));
        EXPECT_EQ(r.permanent_redirect, c.permanent);
    }
}

TEST_F(FetcherTest, PermanentRedirectToAnErrorIsStillRecorded) {
    server.route("/was", [](const RecordedRequest&) { return redirect(301, "/is"); });
    server.route("/is", [](const RecordedRequest&) { return Response{.status = 500, .headers = {}, .body = {}}; });
    const FetchResult r = fetch_one(request("/was"));
    EXPECT_EQ(r.outcome, FetchOutcome::http_error);
    EXPECT_EQ(r.final_url, server.url("/is"));
    EXPECT_TRUE(r.permanent_redirect);
}

TEST_F(FetcherTest, FollowsFiveHopsButNotSixByDefault) {
    ASSERT_EQ(settings.max_redirects, 5);
    server.route("/h", [&](const RecordedRequest& req) {
        const int stop = std::stoi(req.target.substr(req.target.find("stop=") + 5));
        const int n = std::stoi(req.target.substr(req.target.find("&n=") + 3));
        if (n == stop) return ok("arrived");
        return redirect(301, "/h?stop=" + std::to_string(stop) + "&n=" + std::to_string(n + 1));
    });
    const FetchResult five = fetch_one(request("/h?stop=5&n=0"));
    EXPECT_EQ(five.outcome, FetchOutcome::fetched) << five.error;
    EXPECT_TRUE(five.permanent_redirect);
    const FetchResult six = fetch_one(request("/h?stop=6&n=0"));
    EXPECT_EQ(six.outcome, FetchOutcome::redirect_error);
    EXPECT_EQ(six.error, "fetch: " + server.url("/h?stop=6&n=0") + ": Maximum (5) redirects followed");
}

// --------------------------------------------------------------------------- TLS ---

TEST_F(FetcherTest, PerFeedCaFileIsUsed) {
    // No TLS server needed to see the option in use: the CA file is read before the handshake.
    FetchRequest req = request("/");
    req.url = "https://127.0.0.1:" + std::to_string(server.port()) + "/feed";
    req.ca_file = "/nonexistent/tributary-test-ca.pem";
    const FetchResult r = fetch_one(req);
    EXPECT_EQ(r.outcome, FetchOutcome::network_error);
    EXPECT_NE(r.error.find("/nonexistent/tributary-test-ca.pem"), std::string::npos) << r.error;
}

}  // namespace
}  // namespace tributary::fetch
